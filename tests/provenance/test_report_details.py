"""What a stored provenance report holds beyond its state: title, actions with their time and
software agent, the signer's certificate details, the trust and library it was made with, CAWG
identity data; a detector that times out; the trust re-check progress fragment; files cut inside
and after their manifest; ingredient chains deeper than the walk goes."""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import c2pa
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import Role
from provenance.detectors import DetectorFacts, DetectorFinding
from provenance.models import DetectorStatus, DetectorVerdict
from provenance.reader import MAX_INGREDIENT_DEPTH
from provenance.services import provenance_verify_asset, trust_list_upload
from provenance.states import IPTC_DST_PREFIX, ProvenanceState
from provenance.trust import TrustBundle, effective_trust
from review.models import Asset, AssetStatus
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.provenance.media import make_signer, plain_jpeg, signed_jpeg
from workflow.pipeline import asset_run_checks

if TYPE_CHECKING:  # imported by name, pytest would try to collect it as a test class
    from tests.provenance.media import TestSigner

pytestmark = pytest.mark.django_db

# The same corpus location and policy as test_corpus.py: overridable, and missing only off CI.
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "c2pa-corpus"
CORPUS = Path(os.environ.get("C2PA_CORPUS", DEFAULT_CORPUS))

ORGANISATION = "Report Details Agency"


@pytest.fixture(scope="module")
def signer() -> TestSigner:
    return make_signer(organisation=ORGANISATION)


@pytest.fixture
def administrator(db):
    return UserFactory(username="ada_admin", roles=[Role.ADMIN])


@pytest.fixture
def administrator_client(administrator):
    return client_for(administrator)


def detail(client, asset: Asset) -> str:
    response = client.get(reverse("review:asset_detail", args=[asset.pk]))
    assert response.status_code == 200
    page: str = response.content.decode()
    return page


def verified(make_asset, data: bytes, name: str = "file.jpg"):
    asset = make_asset(file=ContentFile(data, name=name))
    report = provenance_verify_asset(asset_id=asset.pk)
    report.refresh_from_db()  # what was stored, not what the service held in memory
    return asset, report


# --- 1. what the report stores ----------------------------------------------------------------

WHEN = "2025-03-04T05:06:07Z"


def signed_with_action_details(signer: TestSigner) -> bytes:
    """signed_jpeg() writes no `when`: without a timestamp authority the action's `when` is the
    only time the credentials carry (C2PA_NOTES.md), so it must survive into the report."""
    manifest: dict[str, Any] = {
        "claim_generator_info": [{"name": "Proofdesk Field Kit", "version": "2.0"}],
        "title": "Harbour at dawn.jpg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": IPTC_DST_PREFIX + "digitalCapture",
                            "softwareAgent": {"name": "FieldCam", "version": "3.1"},
                            "when": WHEN,
                        }
                    ]
                },
            }
        ],
    }
    builder = c2pa.Builder(json.dumps(manifest))
    out = io.BytesIO()
    builder.sign(signer.signer(), "image/jpeg", io.BytesIO(plain_jpeg()), out)
    return out.getvalue()


def test_report_stores_title_actions_signer_and_what_it_was_checked_with(
    make_asset, editor_client, signer, settings, tmp_path
):
    anchors = tmp_path / "anchors.pem"
    anchors.write_text(signer.certs.root_pem)
    settings.C2PA_TRUST_ANCHORS = str(anchors)

    asset, report = verified(make_asset, signed_with_action_details(signer), "harbour.jpg")

    assert report.state == ProvenanceState.TRUSTED
    assert report.title == "Harbour at dawn.jpg"
    assert report.claim_generator == "Proofdesk Field Kit 2.0"
    assert report.actions == [
        {
            "action": "c2pa.created",
            "digital_source_type": IPTC_DST_PREFIX + "digitalCapture",
            "software_agent": "FieldCam 3.1",
            "when": WHEN,
            "description": "",
        }
    ]

    # The signer's details are the signing (end-entity) certificate's, read independently here.
    leaf = x509.load_pem_x509_certificates(signer.certs.chain_pem.encode())[0]
    common_name = str(leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    assert set(report.signer) == {
        "organisation",
        "common_name",
        "algorithm",
        "serial_number",
        "time",
    }
    assert report.signer["organisation"] == ORGANISATION
    assert report.signer["common_name"] == common_name == f"{ORGANISATION} Content Credentials"
    assert report.signer["algorithm"].lower() == "es256"
    assert report.signer["serial_number"] == str(leaf.serial_number)
    # Signed without a timestamp authority: no signing time is invented.
    assert report.signer["time"] == ""

    # Made under today's trust (which includes the anchor file) and with the installed library.
    assert report.trust_fingerprint == effective_trust().fingerprint
    assert report.trust_fingerprint != TrustBundle("", "").fingerprint
    assert report.library_version == f"c2pa-python {c2pa.__version__}"

    page = detail(editor_client, asset)
    assert "Harbour at dawn.jpg" in page
    assert f"{ORGANISATION} ({common_name})" in page
    assert "with FieldCam 3.1" in page
    assert f"<time>{WHEN}</time>" in page
    assert f'title="{report.trust_fingerprint}"' in page


# --- 2. CAWG identity data --------------------------------------------------------------------


@pytest.fixture
def cawg_sample() -> Path:
    path = CORPUS / "C_with_CAWG_data.jpg"
    if not path.is_file():
        if os.environ.get("CI") or CORPUS.is_dir():
            pytest.fail(f"{path.name} is missing from the C2PA corpus at {CORPUS}.")
        pytest.skip(f"no C2PA corpus at {CORPUS} (set C2PA_CORPUS); CI fails instead")
    return path


def test_cawg_identity_data_is_stored_and_shown(reporter, editor_client, cawg_sample):
    out = io.StringIO()
    call_command("ingest", str(cawg_sample), "--json", "--uploader", reporter.username, stdout=out)
    line = json.loads(out.getvalue().splitlines()[0])
    asset = Asset.objects.get(pk=line["id"])
    report = asset.provenance_reports.get()

    # expected.tsv: Valid, with the CAWG credential untrusted.
    assert report.state == ProvenanceState.VALID
    assert "cawg.x509.credential.untrusted" in report.codes
    cawg = {item["label"]: item["data"] for item in report.cawg}
    assert set(cawg) == {"cawg.identity", "cawg.training-mining"}
    identity = cawg["cawg.identity"]
    assert identity["signature_info"]["issuer"] == "C2PA Test Signing Cert"
    assert identity["signature_info"]["common_name"] == "C2PA Signer"
    assert identity["signature_info"]["alg"] == "Ed25519"
    assert identity["signer_payload"]["sig_type"] == "cawg.x509.cose"
    referenced = [a["url"] for a in identity["signer_payload"]["referenced_assertions"]]
    assert "self#jumbf=c2pa.assertions/cawg.training-mining" in referenced
    assert cawg["cawg.training-mining"]["entries"]["cawg.ai_generative_training"] == {
        "use": "notAllowed"
    }

    page = detail(editor_client, asset)
    # The manifest's own signer has the same names, so look only inside the CAWG list.
    section = re.search(r"Creator identity \(CAWG\)</h3>\s*<ul>(.*?)</ul>", page, re.S)
    assert section, "no CAWG section in the provenance panel"
    items = [" ".join(li.split()) for li in re.findall(r"<li>(.*?)</li>", section.group(1), re.S)]
    assert sorted(items) == [
        "<code>cawg.identity</code>: C2PA Test Signing Cert C2PA Signer",
        "<code>cawg.training-mining</code>",
    ]


# --- 3. a detector that times out -----------------------------------------------------------

SLOW_SECONDS = 1.0
_release_slow_detector = threading.Event()


class SlowDetector:
    name = "slow"
    version = "0.3"

    def detect(self, facts: DetectorFacts) -> DetectorFinding:
        # Waits SLOW_SECONDS unless the test ends first: the thread is not left holding one of
        # the service's two pool workers after the test.
        _release_slow_detector.wait(SLOW_SECONDS)
        return DetectorFinding(0.99, DetectorVerdict.SYNTHETIC, "Answered too late.")


@pytest.fixture
def slow_detector(settings):
    settings.PROVENANCE_DETECTORS = [
        "provenance.detectors.CredentialSignalsDetector",
        "tests.provenance.test_report_details.SlowDetector",
    ]
    settings.PROVENANCE_DETECTOR_TIMEOUT = 0.2
    _release_slow_detector.clear()
    yield
    _release_slow_detector.set()


def test_detector_past_its_time_limit_is_recorded_and_blocks_nothing(
    make_asset, editor_client, signer, slow_detector
):
    asset = make_asset(
        status=AssetStatus.CHECKING, file=ContentFile(signed_jpeg(signer), name="slow.jpg")
    )
    started = time.perf_counter()
    asset_run_checks(asset_id=asset.pk)
    elapsed = time.perf_counter() - started

    assert elapsed < SLOW_SECONDS, "the check waited for the slow detector"
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REVIEW
    assert asset.check_error == ""
    report = asset.provenance_reports.get()
    assert report.state == ProvenanceState.VALID
    runs = {run.detector: run for run in report.detector_runs.all()}
    assert set(runs) == {"credential-signals", "slow"}
    slow = runs["slow"]
    assert slow.status == DetectorStatus.TIMEOUT
    assert slow.detector_version == "0.3"
    assert slow.score is None
    assert slow.verdict == DetectorVerdict.UNKNOWN
    assert "0.2 s" in slow.explanation
    assert 200 <= slow.duration_ms < SLOW_SECONDS * 1000
    assert runs["credential-signals"].status == DetectorStatus.OK
    assert "slow 0.3</strong>: timed out" in detail(editor_client, asset)


# --- 4. trust re-check progress ---------------------------------------------------------------


def test_recheck_progress_polls_while_running_and_stops_once_finished(
    standards,
    standards_client,
    administrator_client,
    make_asset,
    signer,
    django_capture_on_commit_callbacks,
):
    make_asset()
    make_asset()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _, run = trust_list_upload(
            kind="anchors", name="root", raw=signer.certs.root_pem.encode(), uploaded_by=standards
        )
    url = reverse("provenance:recheck_progress", args=[run.pk])

    for client in (standards_client, administrator_client):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = response.content.decode()
        assert fragment.lstrip().startswith(f'<div class="card recheck" id="recheck-{run.pk}"')
        assert "<html" not in fragment and "Add a bundle" not in fragment
        assert f'hx-get="{url}"' in fragment
        assert 'hx-trigger="every 2s"' in fragment
        assert "0/2" in fragment

    for callback in callbacks:  # the queued re-check runs to its end
        callback()
    run.refresh_from_db()
    assert run.finished_at is not None and run.done == 2

    fragment = standards_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "2/2" in fragment and "finished" in fragment
    assert "hx-trigger" not in fragment
    assert "hx-get" not in fragment


@pytest.mark.parametrize("client_fixture", ["reporter_client", "editor_client"])
def test_recheck_progress_is_refused_to_roles_that_do_not_manage_trust(
    request, client_fixture, standards
):
    from provenance.models import TrustRecheck

    run = TrustRecheck.objects.create(trust_fingerprint="0" * 64, total=1, requested_by=standards)
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse("provenance:recheck_progress", args=[run.pk]))
    assert response.status_code == 403
    assert f"recheck-{run.pk}" not in response.content.decode()


def test_recheck_progress_accepts_only_get(standards_client, standards):
    from provenance.models import TrustRecheck

    run = TrustRecheck.objects.create(trust_fingerprint="0" * 64, total=1, requested_by=standards)
    response = standards_client.post(reverse("provenance:recheck_progress", args=[run.pk]))
    assert response.status_code == 405


# --- 5. files cut short -------------------------------------------------------------------------


class Segment(NamedTuple):
    marker: int
    start: int
    end: int  # one past the segment's last byte


def jpeg_segments(data: bytes) -> list[Segment]:
    """The marker segments before the image data, up to and including the start of scan."""
    assert data[:2] == b"\xff\xd8"
    segments = []
    position = 2
    while position + 4 <= len(data):
        assert data[position] == 0xFF, f"no marker at {position}"
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segments.append(Segment(marker, position, position + 2 + length))
        if marker == 0xDA:
            break
        position += 2 + length
    return segments


def test_cut_inside_the_manifest_is_unreadable_and_cut_after_it_is_invalid(make_asset, signer):
    data = signed_jpeg(signer)
    segments = jpeg_segments(data)
    jumbf = [s for s in segments if s.marker == 0xEB]
    assert jumbf, "the signed JPEG carries its manifest in APP11 segments"
    scan = segments[-1]
    assert scan.marker == 0xDA and jumbf[-1].end < scan.start

    inside_manifest = jumbf[0].start + (jumbf[0].end - jumbf[0].start) // 2
    # Past every header, inside the compressed image data: the manifest is whole, the hash not.
    after_manifest = (scan.end + len(data)) // 2
    assert scan.end < after_manifest < len(data) - 2

    _, cut_inside = verified(make_asset, data[:inside_manifest], "cut-inside.jpg")
    assert cut_inside.state == ProvenanceState.UNREADABLE
    assert cut_inside.error.strip()
    assert cut_inside.codes == []

    _, cut_after = verified(make_asset, data[:after_manifest], "cut-after.jpg")
    assert cut_after.state == ProvenanceState.INVALID
    assert "assertion.dataHash.mismatch" in cut_after.codes
    assert cut_after.error == ""
    assert cut_after.signer["organisation"] == ORGANISATION


# --- 6. ingredient chains deeper than the walk ---------------------------------------------


def chain(signer: TestSigner, files: int) -> bytes:
    """`files` signed JPEGs, each made from the one before; each names its level in its
    claim generator ("Level 0 1.0" is the original)."""
    data = signed_jpeg(signer, generator="Level 0")
    for level in range(1, files):
        data = signed_jpeg(signer, parent=data, generator=f"Level {level}")
    return data


def levels(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes of a single-parent chain, top first."""
    found = []
    while nodes:
        assert len(nodes) == 1
        found.append(nodes[0])
        nodes = nodes[0]["children"]
    return found


def test_ingredient_chain_past_the_depth_limit_is_cut_and_marked(make_asset, editor_client, signer):
    files = MAX_INGREDIENT_DEPTH + 4  # 20: the active manifest and 19 levels of ingredients
    started = time.perf_counter()
    data = chain(signer, files)
    assert time.perf_counter() - started < 10, "signing the chain is too slow for this test"

    asset, report = verified(make_asset, data, "deep.jpg")
    assert report.state == ProvenanceState.VALID
    stored = levels(report.ingredients)
    # Depth counts from 0 at the active manifest's own ingredients; the walk stops at the limit.
    assert len(stored) == MAX_INGREDIENT_DEPTH + 1
    assert report.ingredient_count == MAX_INGREDIENT_DEPTH + 1
    assert [n["claim_generator"] for n in stored] == [
        f"Level {files - 2 - depth} 1.0" for depth in range(len(stored))
    ]
    deepest = stored[-1]
    assert deepest["truncated"] is True
    assert deepest["children"] == []
    assert not any(n.get("truncated") for n in stored[:-1])

    page = detail(editor_client, asset)
    assert page.count("Further ingredients not shown") == 1
    assert f"Made from ({MAX_INGREDIENT_DEPTH + 1})" in page


def test_ingredient_chain_that_just_fits_is_not_marked_truncated(make_asset, editor_client, signer):
    files = MAX_INGREDIENT_DEPTH + 2  # 18: every ingredient level fits within the limit
    asset, report = verified(make_asset, chain(signer, files), "just-fits.jpg")
    stored = levels(report.ingredients)
    assert len(stored) == files - 1
    assert stored[-1]["claim_generator"] == "Level 0 1.0"  # the original, made from nothing
    assert not any(n.get("truncated") for n in stored)
    assert "Further ingredients not shown" not in detail(editor_client, asset)
