"""Trust configured by files: a change on disk re-checks the assets in review once; what the
library does with an allowed list; hostile ingredient graphs stay small."""

from __future__ import annotations

import io
from typing import Any

import c2pa
import pytest
from django.core.files.base import ContentFile

from audit.models import AuditEvent
from provenance.models import ReportReason, TrustRecheck
from provenance.reader import (
    MAX_INGREDIENT_NODES,
    _ingredient_tree,
    _thumbnail_ids,
    verify_stream,
)
from provenance.services import provenance_verify_asset, trust_change_watch
from provenance.states import ProvenanceState
from review.models import AssetStatus
from tests.provenance.media import make_signer, signed_jpeg
from tests.review.helpers import new_asset

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def signer():
    return make_signer(organisation="Watched Agency")


def signed_asset(signer, *, status=AssetStatus.IN_REVIEW, name="signed.jpg"):
    asset = new_asset(status=status, file=ContentFile(signed_jpeg(signer), name=name))
    provenance_verify_asset(asset_id=asset.pk)
    return asset


def test_a_changed_anchor_file_rechecks_the_assets_in_review_once(
    settings, tmp_path, signer, django_capture_on_commit_callbacks
):
    anchors = tmp_path / "anchors.pem"
    anchors.write_text("")
    settings.C2PA_TRUST_ANCHORS = str(anchors)
    in_review = signed_asset(signer)
    approved = signed_asset(signer, status=AssetStatus.APPROVED, name="approved.jpg")
    assert in_review.provenance_reports.get().state == ProvenanceState.VALID
    assert trust_change_watch() is None  # nothing changed yet

    anchors.write_text(signer.certs.root_pem)  # the operator installs the newsroom's root
    with django_capture_on_commit_callbacks(execute=True):
        recheck = trust_change_watch()

    assert recheck is not None and recheck.total == 1
    latest = in_review.provenance_reports.order_by("-pk").first()
    assert latest.state == ProvenanceState.TRUSTED
    assert latest.reason == ReportReason.TRUST_CHANGE
    assert approved.provenance_reports.count() == 1  # approved assets keep what was signed off
    recheck.refresh_from_db()
    assert recheck.done == 1 and recheck.finished_at is not None
    assert AuditEvent.objects.filter(action="trust.files_changed").count() == 1

    # The next beat finds nothing new to do.
    assert trust_change_watch() is None
    assert TrustRecheck.objects.count() == 1


def test_the_watch_ignores_assets_never_checked(settings, tmp_path, signer):
    anchors = tmp_path / "anchors.pem"
    anchors.write_text(signer.certs.root_pem)
    settings.C2PA_TRUST_ANCHORS = str(anchors)
    new_asset(status=AssetStatus.IN_REVIEW)  # no report: the intake check will read it
    assert trust_change_watch() is None


def test_allowed_lists_are_not_honoured_by_this_c2pa_version(signer):
    """A canary, not a feature test: c2pa-python 0.38 accepts `trust.allowed_list` and ignores
    it (the signer's own end-entity certificate there still reads untrusted), which the trust
    page and the README say. If an upgrade starts honouring it this fails: update both."""
    end_entity = signer.certs.chain_pem.split("-----END CERTIFICATE-----")[0]
    end_entity += "-----END CERTIFICATE-----\n"
    context = c2pa.Context.from_dict({"trust": {"allowed_list": end_entity}})
    result = verify_stream(io.BytesIO(signed_jpeg(signer)), "image/jpeg", context=context)
    assert result.state == ProvenanceState.VALID
    assert result.codes == ["signingCredential.untrusted"]


def diamond_store(levels: int, width: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each manifest has `width` ingredients that all point at the next level's manifest: a
    few kilobytes that describe width ** levels paths."""
    manifests = {}
    for level in range(levels):
        ingredients = []
        if level + 1 < levels:
            ingredients = [
                {
                    "title": f"l{level + 1}-{i}",
                    "active_manifest": f"m{level + 1}",
                    "thumbnail": {"identifier": f"t{level + 1}"},
                }
                for i in range(width)
            ]
        manifests[f"m{level}"] = {"ingredients": ingredients}
    store = {"active_manifest": "m0", "manifests": manifests}
    return store, manifests["m0"]


def count(nodes):
    return sum(1 + count(node.get("children", [])) for node in nodes)


def truncated(nodes):
    return any(node.get("truncated") or truncated(node.get("children", [])) for node in nodes)


def test_a_hostile_ingredient_graph_is_cut_at_the_node_cap():
    store, top = diamond_store(levels=12, width=8)  # 8 ** 11 paths
    tree = _ingredient_tree(store, top, 0, {"m0"})
    assert count(tree) == MAX_INGREDIENT_NODES
    assert truncated(tree)
    assert _thumbnail_ids(top, store) == {f"t{n}": "image/jpeg" for n in range(1, 12)}


def test_a_small_tree_is_not_marked_truncated():
    store, top = diamond_store(levels=3, width=2)
    tree = _ingredient_tree(store, top, 0, {"m0"})
    assert count(tree) == 2 + 4
    assert not truncated(tree)
