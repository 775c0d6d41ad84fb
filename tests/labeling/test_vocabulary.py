"""The label vocabulary: the default terms, the pages standards editors manage it on, and the
services behind them. A term is never deleted, and changing or retiring one leaves every label
already set as it was."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from labeling.models import Label, LabelTerm, LabelTermText, Rendition
from labeling.services import LabelingError, label_set, rendition_create
from labeling.vocabulary import DEFAULT_TERMS, LANGUAGES
from labeling.vocabulary_services import (
    TermWords,
    VocabularyError,
    term_create,
    term_deactivate,
    term_reactivate,
    term_update,
)
from labeling.wording import suggested_wording
from tests.conftest import client_for
from tests.review.helpers import new_user

pytestmark = pytest.mark.django_db

VOCABULARY = reverse("labeling:vocabulary")


def words(prefix: str = "Synthetic map") -> dict[str, TermWords]:
    return {
        "en": TermWords(prefix, f"This {{medium}} is a {prefix.lower()}.", "It may be synthetic."),
        "es": TermWords(f"{prefix} (es)", "Este contenido ({medium}) es sintético.", "Quizá."),
    }


def term_post(key: str = "synthetic-map", **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "key": key,
        "source_types": ["dataDrivenMedia", "algorithmicMedia"],
        "techniques": ["wholly_synthetic"],
        "position": "",
    }
    for code, _ in LANGUAGES:
        data[f"name_{code}"] = f"Synthetic map ({code})"
        data[f"firm_note_{code}"] = "This {medium} was generated from data."
        data[f"uncertain_note_{code}"] = "This {medium} may have been generated from data."
    data.update(overrides)
    return data


@pytest.fixture
def admin_user(db):
    return new_user(username="ada_admin", roles=["admin"])


@pytest.fixture
def labeled(classified, editor):
    return label_set(
        asset_id=classified.asset_id, actor=editor, term_key="ai-generated", language="en"
    )


# --- the defaults --------------------------------------------------------------------------------

REQUIRED_DEFAULTS = {
    "ai-generated": "AI-generated",
    "contains-ai-elements": "Contains AI-generated elements",
    "ai-altered": "AI-altered",
    "synthetic-voice": "Synthetic voice",
    "ai-illustration": "Illustration made with AI",
    "digitally-altered": "Digitally altered",
}


def test_the_default_vocabulary_covers_the_issue_terms_in_two_languages():
    names = dict(LabelTermText.objects.filter(language="en").values_list("term__key", "name"))
    assert names.items() >= REQUIRED_DEFAULTS.items()
    for term in LabelTerm.objects.all():
        assert term.source_types, term.key
        assert {t.language for t in term.texts.all()} == {code for code, _ in LANGUAGES}


@pytest.mark.parametrize("entry", DEFAULT_TERMS, ids=lambda e: e["key"])
@pytest.mark.parametrize("language", [code for code, _ in LANGUAGES])
def test_every_default_wording_is_filled_in_and_hedges_when_uncertain(entry, language):
    text = LabelTermText.objects.get(term__key=entry["key"], language=language)
    firm = suggested_wording(text, certainty="confirmed", media_kind="video").text
    hedged = suggested_wording(text, certainty="judgment", media_kind="video").text
    assert "{" not in firm and "{" not in hedged
    assert firm != hedged
    hedge = {"en": "appear", "es": "parec"}[language]
    assert hedge in hedged.lower() and hedge not in firm.lower()


# --- the pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["standards", "admin_user"])
def test_standards_and_admins_see_the_vocabulary(request, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(VOCABULARY)
    assert response.status_code == 200
    html = response.content.decode()
    for name in REQUIRED_DEFAULTS.values():
        assert name in html
    assert "Generado con IA" in html
    assert "trainedAlgorithmicMedia" in html


@pytest.mark.parametrize(
    "persona", ["editor_client", "reporter_client", "legal_client", "outsider_client"]
)
def test_others_may_not_manage_the_vocabulary(request, persona):
    client = request.getfixturevalue(persona)
    term = LabelTerm.objects.get(key="ai-generated")
    assert client.get(VOCABULARY).status_code == 403
    assert client.post(VOCABULARY, term_post()).status_code == 403
    assert client.get(reverse("labeling:term_edit", args=[term.pk])).status_code == 403
    deactivate = reverse("labeling:term_deactivate", args=[term.pk])
    assert client.post(deactivate).status_code == 403
    assert not LabelTerm.objects.filter(key="synthetic-map").exists()
    assert LabelTerm.objects.get(key="ai-generated").active


def test_the_editor_is_told_why(editor_client):
    response = editor_client.get(VOCABULARY)
    assert "Only standards editors and administrators manage the label vocabulary." in (
        response.content.decode()
    )


def test_standards_adds_a_term(standards_client, standards):
    response = standards_client.post(VOCABULARY, term_post())
    assert response.status_code == 302 and response["Location"] == VOCABULARY
    term = LabelTerm.objects.get(key="synthetic-map")
    assert term.source_types == ["dataDrivenMedia", "algorithmicMedia"]
    assert term.techniques == ["wholly_synthetic"]
    assert term.position > LabelTerm.objects.exclude(pk=term.pk).order_by("-position")[0].position
    assert {t.language: t.name for t in term.texts.all()} == {
        "en": "Synthetic map (en)",
        "es": "Synthetic map (es)",
    }
    event = AuditEvent.objects.for_object(term).get(action="label_term.created")
    assert event.actor == standards and event.details["texts"]["es"]["name"] == "Synthetic map (es)"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name_es": ""}, "This field is required."),
        ({"source_types": []}, "This field is required."),
        ({"key": "Not a slug!"}, "Enter a valid “slug”"),
        ({"key": "ai-generated"}, "A term with the key &#x27;ai-generated&#x27; already exists."),
        ({"firm_note_en": "This {what} was made."}, "contains {what}; only {medium} is filled in"),
        ({"source_types": ["madeUp"]}, "Select a valid choice."),
    ],
)
def test_a_bad_term_is_refused_with_the_reason(standards_client, overrides, message):
    before = LabelTerm.objects.count()
    response = standards_client.post(VOCABULARY, term_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert LabelTerm.objects.count() == before


def test_standards_edits_a_term_and_existing_labels_keep_their_words(
    standards_client, standards, labeled
):
    term = LabelTerm.objects.get(key="ai-generated")
    url = reverse("labeling:term_edit", args=[term.pk])
    page = standards_client.get(url)
    assert page.status_code == 200
    assert "This {medium} was generated with artificial intelligence." in page.content.decode()

    data = term_post(key="ignored", name_en="Made by AI")
    data["source_types"] = ["trainedAlgorithmicMedia"]
    response = standards_client.post(url, data)
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.key == "ai-generated"  # the key cannot change
    assert term.source_types == ["trainedAlgorithmicMedia"]
    assert term.texts.get(language="en").name == "Made by AI"
    labeled.refresh_from_db()
    assert labeled.name == "AI-generated"
    event = AuditEvent.objects.for_object(term).get(action="label_term.updated")
    assert event.actor == standards
    assert event.details["before"]["texts"]["en"]["name"] == "AI-generated"
    assert event.details["after"]["texts"]["en"]["name"] == "Made by AI"


def test_an_invalid_edit_is_shown_back(standards_client):
    term = LabelTerm.objects.get(key="ai-generated")
    response = standards_client.post(
        reverse("labeling:term_edit", args=[term.pk]), term_post(firm_note_en="{x}")
    )
    assert response.status_code == 400
    assert "only {medium} is filled in" in response.content.decode()
    assert term.texts.get(language="en").firm_note.startswith("This {medium} was generated")


def test_deactivating_keeps_old_labels_working(
    standards_client, standards, editor_client, editor, labeled, signing_keys
):
    term = LabelTerm.objects.get(key="ai-generated")
    response = standards_client.post(reverse("labeling:term_deactivate", args=[term.pk]))
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.active is False and LabelTerm.objects.filter(pk=term.pk).exists()
    assert AuditEvent.objects.for_object(term).filter(action="label_term.deactivated").exists()
    assert 'data-active="false"' in standards_client.get(VOCABULARY).content.decode()

    # The label set with it still shows, and its rendition can still be made.
    panel = editor_client.get(reverse("labeling:panel", args=[labeled.asset_id])).content.decode()
    assert "This image was generated with artificial intelligence." in panel
    assert '<option value="ai-generated"' not in panel  # not offered for new labels
    rendition = rendition_create(asset_id=labeled.asset_id, actor=editor)
    assert rendition.label == labeled
    # New labels cannot use it.
    with pytest.raises(LabelingError, match="No active label term"):
        label_set(asset_id=labeled.asset_id, actor=editor, term_key="ai-generated", language="en")
    assert Label.objects.count() == 1 and Rendition.objects.count() == 1

    # Deactivating twice says so; reactivating brings it back.
    again = standards_client.post(reverse("labeling:term_deactivate", args=[term.pk]))
    assert again.status_code == 409 and "already out of use" in again.content.decode()
    standards_client.post(reverse("labeling:term_reactivate", args=[term.pk]))
    term.refresh_from_db()
    assert term.active is True


def test_vocabulary_endpoints_refuse_the_wrong_methods(standards_client):
    term = LabelTerm.objects.get(key="ai-generated")
    assert standards_client.put(VOCABULARY).status_code == 405
    assert standards_client.delete(reverse("labeling:term_edit", args=[term.pk])).status_code == 405
    assert (
        standards_client.get(reverse("labeling:term_deactivate", args=[term.pk])).status_code == 405
    )
    assert (
        standards_client.get(reverse("labeling:term_reactivate", args=[term.pk])).status_code == 405
    )


def test_an_unknown_term_is_404(standards_client):
    assert standards_client.get(reverse("labeling:term_edit", args=[999999])).status_code == 404


# --- the services --------------------------------------------------------------------------------


def test_term_create_and_update_through_the_services(standards):
    term = term_create(
        actor=standards,
        key="synthetic-map",
        source_types=["dataDrivenMedia", "dataDrivenMedia"],
        techniques=["wholly_synthetic"],
        texts=words(),
        position=99,
    )
    assert term.source_types == ["dataDrivenMedia"] and term.position == 99
    term_update(
        term_id=term.pk,
        actor=standards,
        source_types=["dataDrivenMedia", "algorithmicMedia"],
        techniques=[],
        texts=words("Data chart"),
    )
    term.refresh_from_db()
    assert term.source_types == ["dataDrivenMedia", "algorithmicMedia"]
    assert term.position == 99  # kept when not given
    assert term.texts.get(language="en").name == "Data chart"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "Bad Key"}, "short slug"),
        ({"source_types": []}, "at least one digital source type"),
        ({"source_types": ["madeUp"]}, "Unknown digital source type"),
        ({"techniques": ["mind_control"]}, "Unknown technique"),
        ({"texts": {"en": words()["en"]}}, "every language (es)"),
        ({"texts": {**words(), "fr": words()["en"]}}, "Unknown language"),
        ({"texts": {**words(), "en": TermWords("  ", "x", "y")}}, "label (en) cannot be empty"),
        ({"texts": {**words(), "en": TermWords("n" * 101, "x", "y")}}, "too long"),
    ],
)
def test_term_create_refuses_bad_input(standards, kwargs, message):
    arguments = {
        "actor": standards,
        "key": "synthetic-map",
        "source_types": ["dataDrivenMedia"],
        "techniques": [],
        "texts": words(),
        **kwargs,
    }
    with pytest.raises(VocabularyError, match=re.escape(message)):
        term_create(**arguments)
    assert not LabelTerm.objects.filter(key="synthetic-map").exists()
    assert not AuditEvent.objects.filter(action="label_term.created").exists()


def test_reactivating_an_active_term_is_refused(standards):
    term = LabelTerm.objects.get(key="ai-generated")
    with pytest.raises(VocabularyError, match="already in use"):
        term_reactivate(term_id=term.pk, actor=standards)
    term_deactivate(term_id=term.pk, actor=standards)
    term_reactivate(term_id=term.pk, actor=standards)
    actions = list(
        AuditEvent.objects.for_object(term).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["label_term.deactivated", "label_term.reactivated"]


def test_algorithmic_media_is_not_called_artificial_intelligence():
    """IPTC algorithmicMedia (no training data) got "generated with artificial intelligence"."""
    claiming = [t for t in LabelTerm.objects.all() if "algorithmicMedia" in t.source_types]
    assert [t.key for t in claiming] == ["computer-generated"]
    term = claiming[0]
    for text in term.texts.all():
        assert "artificial intelligence" not in text.firm_note
        assert "inteligencia artificial" not in text.firm_note
    ai = LabelTerm.objects.get(key="ai-generated")
    assert "algorithmicMedia" not in ai.source_types
