"""The labeling demo `seed_demo` calls: classification, English label, and the signed rendition
only when the newsroom can sign (and only after the surrounding transaction commits)."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from labeling.demo import seed_labeling_demo
from labeling.models import Certainty, Label, Rendition

pytestmark = pytest.mark.django_db


def test_demo_classifies_labels_and_signs_after_commit(
    photo_asset, editor, signing_keys, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        demo = seed_labeling_demo(asset=photo_asset, editor=editor, out=out)
        # Signing waits for the commit: no rendition inside the transaction.
        assert not Rendition.objects.exists()
    assert len(callbacks) == 1
    assert demo.classification.source_type == "trainedAlgorithmicMedia"
    assert demo.classification.certainty == Certainty.DECLARED
    assert (demo.label.language, demo.label.name) == ("en", "AI-generated")
    rendition = Rendition.objects.get()
    assert rendition.label == demo.label and rendition.verification_state == "trusted"
    assert f"Signed rendition #{rendition.pk}" in out.getvalue()


def test_demo_without_signing_keys_skips_the_rendition_with_a_note(
    photo_asset, editor, settings, django_capture_on_commit_callbacks
):
    settings.SIGNING_CERT_CHAIN = ""
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        seed_labeling_demo(asset=photo_asset, editor=editor, out=out)
    assert Label.objects.filter(asset=photo_asset).count() == 1
    assert not Rendition.objects.exists()
    assert "No signed rendition" in out.getvalue() and "SIGNING_CERT_CHAIN" in out.getvalue()


def test_demo_leaves_a_labeled_asset_alone(photo_asset, editor, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        first = seed_labeling_demo(asset=photo_asset, editor=editor, out=out)
    again = seed_labeling_demo(asset=photo_asset, editor=editor, out=out)
    assert again.label == first.label
    assert Label.objects.filter(asset=photo_asset).count() == 1
    assert "already classified and labeled" in out.getvalue()
