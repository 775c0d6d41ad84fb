"""The labeling panel and its endpoints: who may see and change what (403, 405), the rows each
change writes, the messages for bad input, the preview of what the audience sees, and the
signed rendition served byte for byte."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import c2pa
import pytest
from django.core.files.base import ContentFile
from django.test.html import Element, parse_html
from django.urls import reverse

from audit.models import AuditEvent
from labeling.models import (
    BadgeOutcome,
    Certainty,
    Classification,
    Label,
    Rendition,
)
from labeling.selectors import classification_prefill
from labeling.services import MAX_LABEL_TEXT, classification_set, label_set, rendition_create
from provenance.models import ProvenanceReport
from provenance.states import ProvenanceState
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def panel_url(asset_id: int) -> str:
    return reverse("labeling:panel", args=[asset_id])


def classify_url(asset_id: int) -> str:
    return reverse("labeling:classify", args=[asset_id])


def label_url(asset_id: int) -> str:
    return reverse("labeling:label", args=[asset_id])


def render_url(asset_id: int) -> str:
    return reverse("labeling:render", args=[asset_id])


def report(asset, *, state=ProvenanceState.NO_MANIFEST, signed=(), xmp="") -> ProvenanceReport:
    return ProvenanceReport.objects.create(
        asset=asset,
        state=state,
        digital_source_types=list(signed),
        xmp_digital_source_type=xmp,
        library_version="test",
        trust_fingerprint="0" * 64,
    )


CLASSIFY_AI = {
    "source_type": "trainedAlgorithmicMedia",
    "techniques": ["wholly_synthetic"],
    "purpose": "illustration",
    "certainty": "declared",
    "note": "The sender says an image generator made it.",
}


def stored_bytes(field) -> bytes:
    with field.open("rb") as handle:
        data: bytes = handle.read()
    return data


def body(response) -> str:
    return b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode("utf-8", "replace")


@pytest.fixture
def labeled(classified, editor):
    label_set(asset_id=classified.asset_id, actor=editor, term_key="ai-generated", language="en")
    return classified


@pytest.fixture
def rendered(labeled, editor, signing_keys):
    return rendition_create(asset_id=labeled.asset_id, actor=editor)


# --- the panel -----------------------------------------------------------------------------------


def test_panel_is_a_full_page_without_htmx_and_the_panel_with_it(editor_client, photo_asset):
    page = editor_client.get(panel_url(photo_asset.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and 'id="labeling"' in html
    assert "{#" not in html and "{%" not in html  # no template comment leaks into the page
    assert "Classify this file" in html

    fragment = editor_client.get(panel_url(photo_asset.pk), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert fragment.content.decode().strip().startswith('<section id="labeling"')
    assert "HX-Request" in fragment["Vary"]

    # Back/refresh after htmx navigation asks for the whole page.
    restore = editor_client.get(
        panel_url(photo_asset.pk), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_the_uploader_sees_the_panel_but_no_forms(reporter_client, labeled):
    response = reporter_client.get(panel_url(labeled.asset_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert "AI-generated" in html
    assert classify_url(labeled.asset_id) not in html
    assert label_url(labeled.asset_id) not in html
    assert render_url(labeled.asset_id) not in html


@pytest.mark.parametrize(
    ("persona", "status"), [("other_reporter_client", 404), ("outsider_client", 403)]
)
def test_who_may_not_see_the_asset_may_not_see_its_panel(request, photo_asset, persona, status):
    client = request.getfixturevalue(persona)
    assert client.get(panel_url(photo_asset.pk)).status_code == status


def test_anonymous_goes_to_login(client, photo_asset):
    response = client.get(panel_url(photo_asset.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


def elements(node: Element | str, name: str) -> list[Element]:
    """Every `name` element under the node, in document order."""
    if isinstance(node, str):
        return []
    found = [node] if node.name == name else []
    for child in node.children:
        found.extend(elements(child, name))
    return found


def asset_page_labeling_card(client, asset_id: int) -> Element:
    response = client.get(reverse("review:asset_detail", args=[asset_id]))
    assert response.status_code == 200
    cards = [
        section
        for section in elements(parse_html(response.content.decode()), "section")
        if dict(section.attributes).get("id") == "labeling"
    ]
    assert len(cards) == 1
    return cards[0]


def test_the_asset_page_loads_the_panel_with_a_plain_link_fallback(editor_client, labeled):
    card = asset_page_labeling_card(editor_client, labeled.asset_id)
    attributes = dict(card.attributes)
    assert attributes["hx-get"] == panel_url(labeled.asset_id)
    assert attributes["hx-trigger"] == "load" and attributes["hx-swap"] == "outerHTML"
    # Without JavaScript (or before htmx loads) the card is a link to the same panel, as a page.
    links = [dict(a.attributes).get("href") for a in elements(card, "a")]
    assert links == [panel_url(labeled.asset_id)]

    # What htmx fetches: the panel itself, with the label and what the audience will see.
    fragment = editor_client.get(attributes["hx-get"], headers=HTMX)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.strip().startswith('<section id="labeling"')
    assert "3. What the audience sees" in html and "AI-generated" in html
    # The fallback link opens the standalone page with the same panel.
    page = editor_client.get(links[0])
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert "3. What the audience sees" in page.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("reporter_client", 200), ("other_reporter_client", 404), ("outsider_client", 403)],
)
def test_the_panel_the_asset_page_loads_is_access_checked(request, labeled, persona, status):
    client = request.getfixturevalue(persona)
    url = panel_url(labeled.asset_id)
    page = client.get(reverse("review:asset_detail", args=[labeled.asset_id]))
    assert page.status_code == status
    # Asked for directly, as htmx would or as the fallback link does: the same answer.
    assert client.get(url, headers=HTMX).status_code == status
    assert client.get(url).status_code == status
    if status == 200:
        # The uploader sees the preview, not the desk's forms.
        assert dict(asset_page_labeling_card(client, labeled.asset_id).attributes)["hx-get"] == url
        assert render_url(labeled.asset_id) not in client.get(url, headers=HTMX).content.decode()
    else:
        assert "AI-generated" not in client.get(url, headers=HTMX).content.decode()


def test_the_panel_the_asset_page_loads_needs_a_login(client, labeled):
    for headers in ({}, HTMX):
        response = client.get(panel_url(labeled.asset_id), headers=headers)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_panel_refuses_post(editor_client, photo_asset):
    assert editor_client.post(panel_url(photo_asset.pk)).status_code == 405


def test_panel_query_count_does_not_grow_with_history(
    editor_client, labeled, editor, signing_keys, django_assert_num_queries
):
    asset_id = labeled.asset_id
    report(labeled.asset, signed=["trainedAlgorithmicMedia"], state=ProvenanceState.TRUSTED)
    rendition_create(asset_id=asset_id, actor=editor)
    url = panel_url(asset_id)
    editor_client.get(url)  # session and permission caches warm, as on any page after the first
    # session, user, roles with permissions (one), asset, classification, labels, rendition,
    # terms, term texts, provenance report
    with django_assert_num_queries(10):
        assert editor_client.get(url).status_code == 200
    for n in range(4):
        label_set(
            asset_id=asset_id,
            actor=editor,
            term_key="ai-generated",
            language=["en", "es"][n % 2],
            text=f"Version {n} of the wording.",
        )
        rendition_create(asset_id=asset_id, actor=editor)
    with django_assert_num_queries(10):
        assert editor_client.get(url).status_code == 200


# --- prefill from the provenance check ------------------------------------------------------------


AI = "trainedAlgorithmicMedia"
PART_AI = "compositeWithTrainedAlgorithmicMedia"


@pytest.mark.parametrize(
    ("state", "signed", "xmp", "source_type", "certainty"),
    [
        (ProvenanceState.TRUSTED, [AI], "", AI, "confirmed"),
        # Intact but from a signer not on the trust list: the signer's declaration (issue 14:
        # it was prefilled "Confirmed by Content Credentials").
        (ProvenanceState.VALID, [PART_AI], "digitalCapture", PART_AI, "declared"),
        # Broken credentials confirm nothing; what they claim stays as a starting point.
        (ProvenanceState.INVALID, [AI], "", AI, "judgment"),
        # The IPTC field is the creator's (or their tool's) unsigned declaration.
        (ProvenanceState.NO_MANIFEST, [], f"http://cv.iptc.org/newscodes/digitalsourcetype/{AI}",
         AI, "declared"),
        (ProvenanceState.NO_MANIFEST, [], "softwareImage", "", "judgment"),  # retired term
        (ProvenanceState.NO_MANIFEST, [], "", "", "judgment"),
    ],
)  # fmt: skip
def test_prefill_from_the_latest_provenance_report(
    photo_asset, state, signed, xmp, source_type, certainty
):
    made = report(photo_asset, state=state, signed=signed, xmp=xmp)
    prefill = classification_prefill(made)
    assert (prefill.source_type, prefill.certainty, prefill.report_id) == (
        source_type,
        certainty,
        made.pk,
    )
    assert prefill.origin


def test_the_form_starts_from_the_provenance_check(editor_client, photo_asset):
    made = report(photo_asset, state=ProvenanceState.TRUSTED, signed=["trainedAlgorithmicMedia"])
    html = editor_client.get(panel_url(photo_asset.pk)).content.decode()
    assert '<option value="trainedAlgorithmicMedia" selected>' in html
    assert 'value="confirmed" required id="labeling-certainty_0" checked' in html
    assert f'name="provenance_report" value="{made.pk}"' in html
    assert "Prefilled from the file&#x27;s Content Credentials" in html


# --- classify ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["editor", "standards"])
def test_editors_and_standards_classify(request, photo_asset, persona):
    from tests.conftest import client_for

    user = request.getfixturevalue(persona)
    made = report(photo_asset, xmp="trainedAlgorithmicMedia")
    response = client_for(user).post(
        classify_url(photo_asset.pk), {**CLASSIFY_AI, "provenance_report": made.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == panel_url(photo_asset.pk)
    classification = Classification.objects.get(asset=photo_asset)
    assert (classification.version, classification.source_type, classification.certainty) == (
        1,
        "trainedAlgorithmicMedia",
        "declared",
    )
    assert classification.provenance_report == made
    assert classification.created_by == user
    event = AuditEvent.objects.for_object(photo_asset).get(action="label.classified")
    assert event.actor == user and event.details["label_required"] is True


def test_classifying_with_htmx_answers_with_the_panel(editor_client, photo_asset):
    response = editor_client.post(classify_url(photo_asset.pk), CLASSIFY_AI, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Classified as “Generated by AI” (version 1)." in html
    assert 'data-required="true"' in html
    # The label form is offered now, starting with a term that fits.
    assert '<option value="ai-generated" selected>' in html


@pytest.mark.parametrize("persona", ["reporter_client", "other_reporter_client", "outsider_client"])
def test_who_may_not_classify(request, photo_asset, persona):
    client = request.getfixturevalue(persona)
    response = client.post(classify_url(photo_asset.pk), CLASSIFY_AI, headers=HTMX)
    assert response.status_code == (404 if persona == "other_reporter_client" else 403)
    assert not Classification.objects.exists()
    if persona == "reporter_client":  # the uploader sees the panel with the reason
        assert "Only editors and standards editors classify" in response.content.decode()


def test_classify_refuses_get(editor_client, photo_asset):
    assert editor_client.get(classify_url(photo_asset.pk)).status_code == 405


def test_an_incomplete_classification_is_shown_back(editor_client, photo_asset):
    data = {**CLASSIFY_AI, "certainty": ""}
    response = editor_client.post(classify_url(photo_asset.pk), data, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The classification is incomplete" in html
    assert "This field is required." in html
    assert not Classification.objects.exists()

    # Without htmx: the whole page, with the same message.
    page = editor_client.post(classify_url(photo_asset.pk), data)
    assert page.status_code == 400 and "<html" in page.content.decode()


def test_a_provenance_report_of_another_asset_is_refused(editor_client, photo_asset, make_asset):
    elsewhere = report(make_asset(), state=ProvenanceState.TRUSTED, signed=["digitalCapture"])
    response = editor_client.post(
        classify_url(photo_asset.pk), {**CLASSIFY_AI, "provenance_report": elsewhere.pk}
    )
    assert response.status_code == 400
    assert "not one of this asset" in response.content.decode()
    assert not Classification.objects.exists()


# --- label ---------------------------------------------------------------------------------------


def test_editor_sets_an_honest_label_in_english_then_spanish(editor_client, classified, editor):
    asset_id = classified.asset_id
    response = editor_client.post(
        label_url(asset_id), {"term": "ai-generated", "language": "en"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Label set: “AI-generated” (version 1), with the suggested wording." in (
        response.content.decode()
    )
    # The text field still holds the English suggestion but Spanish is chosen: an unedited
    # suggestion is not an edit, so the Spanish wording is used.
    english = Label.objects.get(asset_id=asset_id).text
    response = editor_client.post(
        label_url(asset_id),
        {"term": "ai-generated", "language": "es", "text": english, "suggested": english},
    )
    assert response.status_code == 302
    spanish = Label.objects.get(asset_id=asset_id, version=2)
    assert spanish.name == "Generado con IA" and spanish.language == "es"
    assert spanish.text.startswith("Este contenido (imagen) fue generado")
    assert not spanish.edited and spanish.created_by == editor
    assert AuditEvent.objects.for_object(classified.asset).filter(action="label.set").count() == 2


def test_an_edited_text_is_kept_and_marked(editor_client, classified):
    response = editor_client.post(
        label_url(classified.asset_id),
        {
            "term": "ai-generated",
            "language": "en",
            "text": "Made with an image generator; not a photograph.",
            "suggested": "This image was generated with artificial intelligence.",
        },
    )
    assert response.status_code == 302
    label = Label.objects.get()
    assert label.text == "Made with an image generator; not a photograph." and label.edited


SUGGESTED_EN = (
    "This image was generated with artificial intelligence. It does not show a real scene."
)


@pytest.mark.parametrize("emptied", ["", "   \n\t  "])
def test_a_label_text_the_editor_emptied_is_refused_not_replaced(
    editor_client, classified, emptied
):
    response = editor_client.post(
        label_url(classified.asset_id),
        {"term": "ai-generated", "language": "en", "text": emptied, "suggested": SUGGESTED_EN},
        headers=HTMX,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<p class="error" role="alert">The label text cannot be empty: write what the audience '
        "reads, or keep the suggested wording.</p>"
    ) in html
    # The form comes back as the editor left it, with the suggestion next to it.
    assert re.search(r'<textarea name="text"[^>]*>\s*</textarea>', html)
    assert f"Suggested wording: “{SUGGESTED_EN}”" in html
    assert not Label.objects.exists()
    assert not AuditEvent.objects.filter(action="label.set").exists()


def test_the_page_says_whether_the_suggested_or_the_editors_wording_was_used(
    editor_client, classified
):
    url = label_url(classified.asset_id)
    kept = editor_client.post(
        url,
        {"term": "ai-generated", "language": "en", "text": SUGGESTED_EN, "suggested": SUGGESTED_EN},
        headers=HTMX,
    ).content.decode()
    assert "Label set: “AI-generated” (version 1), with the suggested wording." in kept
    assert "(en, term <code>ai-generated</code>), the suggested wording;" in kept

    own = editor_client.post(
        url,
        {"term": "ai-generated", "language": "en", "text": "Made by an image generator.",
         "suggested": SUGGESTED_EN},
        headers=HTMX,
    ).content.decode()  # fmt: skip
    assert "Label set: “AI-generated” (version 2), with your own wording." in own
    assert "edited from the suggested wording;" in own
    assert list(Label.objects.order_by("version").values_list("text", "edited")) == [
        (SUGGESTED_EN, False),
        ("Made by an image generator.", True),
    ]


def test_uncertain_classification_gives_hedged_wording(editor_client, photo_asset, editor):
    classification_set(
        asset_id=photo_asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="",
        certainty=Certainty.DETECTOR,
    )
    editor_client.post(label_url(photo_asset.pk), {"term": "ai-generated", "language": "en"})
    assert "We could not confirm how it was made." in Label.objects.get().text


def test_the_label_form_offers_the_suggestion_for_the_chosen_language(editor_client, classified):
    url = panel_url(classified.asset_id)
    english = (
        "This image was generated with artificial intelligence. It does not show a real scene."
    )
    fragment = editor_client.get(
        url,
        {"fragment": "label-form", "term": "ai-generated", "language": "es",
         "text": english, "suggested": english},
        headers=HTMX,
    ).content.decode()  # fmt: skip
    assert fragment.strip().startswith('<form id="label-form"')
    assert "Este contenido (imagen) fue generado con inteligencia artificial." in fragment
    # Text the editor wrote themselves survives a change of language.
    own = editor_client.get(
        url,
        {"fragment": "label-form", "term": "ai-generated", "language": "es",
         "text": "Mi propio texto.", "suggested": english},
        headers=HTMX,
    ).content.decode()  # fmt: skip
    assert "Mi propio texto.</textarea>" in own


def test_an_over_long_text_is_refused(editor_client, classified):
    response = editor_client.post(
        label_url(classified.asset_id),
        {"term": "ai-generated", "language": "en", "text": "x" * (MAX_LABEL_TEXT + 1)},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert f"too long (at most {MAX_LABEL_TEXT})" in response.content.decode()
    assert not Label.objects.exists()


def test_a_term_that_does_not_fit_is_refused_with_the_reason(editor_client, classified):
    response = editor_client.post(
        label_url(classified.asset_id),
        {"term": "digitally-altered", "language": "en"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "does not fit an asset classified as trainedAlgorithmicMedia" in (
        response.content.decode()
    )
    assert not Label.objects.exists()


def test_labeling_before_classifying_is_refused(editor_client, photo_asset):
    response = editor_client.post(
        label_url(photo_asset.pk), {"term": "ai-generated", "language": "en"}, headers=HTMX
    )
    assert response.status_code == 400
    assert "Classify the asset before labeling it." in response.content.decode()
    assert not Label.objects.exists()


def test_an_unknown_language_is_refused(editor_client, classified):
    response = editor_client.post(
        label_url(classified.asset_id), {"term": "ai-generated", "language": "fr"}
    )
    assert response.status_code == 400
    assert not Label.objects.exists()


@pytest.mark.parametrize("persona", ["reporter_client", "other_reporter_client", "outsider_client"])
def test_who_may_not_label(request, classified, persona):
    client = request.getfixturevalue(persona)
    response = client.post(
        label_url(classified.asset_id), {"term": "ai-generated", "language": "en"}
    )
    assert response.status_code == (404 if persona == "other_reporter_client" else 403)
    assert not Label.objects.exists()


def test_label_refuses_get(editor_client, classified):
    assert editor_client.get(label_url(classified.asset_id)).status_code == 405


# --- render --------------------------------------------------------------------------------------


def test_editor_renders_and_the_preview_shows_what_the_audience_sees(
    editor_client, labeled, editor, signing_keys
):
    response = editor_client.post(render_url(labeled.asset_id), headers=HTMX)
    assert response.status_code == 200
    rendition = Rendition.objects.get()
    assert rendition.created_by == editor and rendition.badge == BadgeOutcome.BURNED_IN
    html = response.content.decode()
    assert "Signed rendition made (label badge burned into the image)" in html
    assert f'src="{reverse("labeling:rendition_preview", args=[rendition.pk])}"' in html
    assert 'data-badge="burned_in"' in html
    assert "AI-generated. This image was generated with artificial intelligence." in html
    assert f'href="{reverse("labeling:rendition", args=[rendition.pk])}" download' in html
    assert "sidecar manifest" not in html
    assert 'data-state="trusted"' in html
    assert (
        AuditEvent.objects.for_object(labeled.asset)
        .filter(action="label.rendition_signed")
        .exists()
    )


def test_render_without_htmx_redirects_back(editor_client, labeled, signing_keys):
    response = editor_client.post(render_url(labeled.asset_id))
    assert response.status_code == 302 and response["Location"] == panel_url(labeled.asset_id)
    assert Rendition.objects.count() == 1


def test_without_a_signing_key_the_page_says_so_and_nothing_is_stored(
    editor_client, labeled, settings, media_files
):
    settings.SIGNING_CERT_CHAIN = ""
    before = media_files()
    page = editor_client.get(panel_url(labeled.asset_id)).content.decode()
    assert 'data-ok="false"' in page and "SIGNING_CERT_CHAIN is not set" in page

    response = editor_client.post(render_url(labeled.asset_id), headers=HTMX)
    assert response.status_code == 409
    assert "The newsroom cannot sign renditions: SIGNING_CERT_CHAIN is not set" in (
        response.content.decode()
    )
    assert not Rendition.objects.exists()
    assert media_files() == before


def test_an_expired_certificate_is_reported_on_the_page(
    editor_client, labeled, settings, tmp_path, signing_keys
):
    import datetime as dt

    from provenance.certificates import make_dev_certificates

    old = make_dev_certificates(valid_days=10, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=400))
    (tmp_path / "old-chain.pem").write_text(old.chain_pem)
    (tmp_path / "old-key.pem").write_text(old.key_pem)
    settings.SIGNING_CERT_CHAIN = str(tmp_path / "old-chain.pem")
    settings.SIGNING_KEY = str(tmp_path / "old-key.pem")
    page = editor_client.get(panel_url(labeled.asset_id)).content.decode()
    assert "The signing certificate expired on" in page
    response = editor_client.post(render_url(labeled.asset_id), headers=HTMX)
    assert response.status_code == 409 and not Rendition.objects.exists()


def test_a_trust_anchor_that_is_not_the_signers_root_is_reported_and_nothing_is_stored(
    editor_client, labeled, settings, tmp_path, signing_keys, media_files
):
    from provenance.certificates import make_dev_certificates

    (tmp_path / "another-root.pem").write_text(make_dev_certificates(organisation="Other").root_pem)
    settings.SIGNING_TRUST_ANCHOR = str(tmp_path / "another-root.pem")
    before = media_files()
    page = editor_client.get(panel_url(labeled.asset_id)).content.decode()
    assert 'data-ok="false"' in page
    assert "does not chain to the newsroom&#x27;s trust anchor (“Other Root CA”)" in page

    response = editor_client.post(render_url(labeled.asset_id), headers=HTMX)
    assert response.status_code == 409
    assert "The newsroom cannot sign renditions: The signing certificate does not chain" in (
        response.content.decode()
    )
    assert not Rendition.objects.exists()
    assert media_files() == before


def test_render_before_labeling_is_refused(editor_client, classified, signing_keys):
    response = editor_client.post(render_url(classified.asset_id), headers=HTMX)
    assert response.status_code == 409
    assert "Set a label before making the rendition." in response.content.decode()
    assert not Rendition.objects.exists()


def test_a_label_for_an_earlier_classification_is_not_rendered(
    editor_client, labeled, editor, signing_keys
):
    classification_set(
        asset_id=labeled.asset_id,
        actor=editor,
        source_type="compositeWithTrainedAlgorithmicMedia",
        techniques=["artifacts_changed"],
        purpose="reporting",
        certainty=Certainty.CONFIRMED,
    )
    page = editor_client.get(panel_url(labeled.asset_id)).content.decode()
    assert "the classification has changed since. Set the label again." in page
    response = editor_client.post(render_url(labeled.asset_id), headers=HTMX)
    assert response.status_code == 409
    assert "The classification changed after the label was set" in response.content.decode()
    assert not Rendition.objects.exists()


def test_a_rendition_of_an_older_label_is_marked_stale(editor_client, rendered, editor):
    label_set(asset_id=rendered.asset_id, actor=editor, term_key="ai-illustration", language="en")
    html = editor_client.get(panel_url(rendered.asset_id)).content.decode()
    assert "This rendition carries label version 1; the current label is version 2." in html


def test_a_tiny_image_preview_says_the_badge_fell_back_to_the_caption(
    editor_client, make_asset, editor, signing_keys
):
    asset = make_asset(file=ContentFile(jpeg_bytes(size=(200, 120)), name="tiny.jpg"))
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    response = editor_client.post(render_url(asset.pk), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-badge="caption_only"' in html
    assert "too small for a legible badge; the label is carried by the caption only" in html


@pytest.mark.parametrize("persona", ["reporter_client", "other_reporter_client", "outsider_client"])
def test_who_may_not_render(request, labeled, persona, signing_keys):
    client = request.getfixturevalue(persona)
    refused = 404 if persona == "other_reporter_client" else 403
    assert client.post(render_url(labeled.asset_id)).status_code == refused
    assert not Rendition.objects.exists()


def test_render_refuses_get(editor_client, labeled):
    assert editor_client.get(render_url(labeled.asset_id)).status_code == 405


# --- the rendition files -------------------------------------------------------------------------


def test_the_download_is_exactly_the_stored_signed_file(editor_client, rendered, signing_keys):
    response = editor_client.get(reverse("labeling:rendition", args=[rendered.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data == stored_bytes(rendered.file)
    assert hashlib.sha256(data).hexdigest() == rendered.sha256
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response["Content-Disposition"].endswith("-labeled.jpg")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # What an independent reader makes of the downloaded bytes, trusting only our root.
    context = c2pa.Context.from_dict(
        {
            "verify": {"remote_manifest_fetch": False},
            "trust": {"trust_anchors": (signing_keys / "root.pem").read_text()},
        }
    )
    with c2pa.Reader("image/jpeg", io.BytesIO(data), context=context) as reader:
        store = json.loads(reader.json())
    assert store["validation_state"] == "Trusted"


def test_the_preview_is_the_same_file_inline(editor_client, rendered):
    response = editor_client.get(reverse("labeling:rendition_preview", args=[rendered.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(rendered.file)
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["rendition", "rendition_preview"])
def test_the_uploader_may_download_but_others_may_not(
    request, rendered, name, reporter_client, other_reporter_client, outsider_client
):
    url = reverse(f"labeling:{name}", args=[rendered.pk])
    assert reporter_client.get(url).status_code == 200
    assert other_reporter_client.get(url).status_code == 404  # as if there were none
    assert outsider_client.get(url).status_code == 403
    assert reporter_client.post(url).status_code == 405


def test_an_unknown_rendition_is_404(editor_client):
    assert editor_client.get(reverse("labeling:rendition", args=[999999])).status_code == 404


def test_an_embedded_rendition_has_no_sidecar_or_slate(editor_client, rendered):
    assert editor_client.get(reverse("labeling:sidecar", args=[rendered.pk])).status_code == 404
    assert editor_client.get(reverse("labeling:slate", args=[rendered.pk])).status_code == 404


def _voice_asset(make_asset, editor):
    from tests.review.helpers import WAV_BYTES

    corpus = Path("/work/shared/c2pa-corpus/files-for-reading-tests/sample1_signed.wav")
    data = corpus.read_bytes() if corpus.exists() else WAV_BYTES
    asset = make_asset(
        file=ContentFile(data, name="voice.wav"), media_type="audio/x-wav", media_kind="audio"
    )
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=["statements_not_made"],
        purpose="reporting",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="synthetic-voice", language="en")
    return asset


def test_audio_previews_as_its_disclosure_slate(editor_client, make_asset, editor, signing_keys):
    asset = _voice_asset(make_asset, editor)
    response = editor_client.post(render_url(asset.pk), headers=HTMX)
    assert response.status_code == 200
    rendition = Rendition.objects.get()
    html = response.content.decode()
    slate_url = reverse("labeling:slate", args=[rendition.pk])
    assert f'src="{slate_url}"' in html and 'data-badge="slate"' in html
    assert "Read or show at the start" in html
    slate = editor_client.get(slate_url)
    assert slate["Content-Type"] == "image/png"
    assert b"".join(slate.streaming_content) == stored_bytes(rendition.slate)
    # The audio itself is no image to show inline.
    preview = editor_client.get(reverse("labeling:rendition_preview", args=[rendition.pk]))
    assert preview.status_code == 404


def test_a_sidecar_is_offered_and_clearly_marked(editor_client, make_asset, editor, signing_keys):
    asset = make_asset(
        file=ContentFile(b"\x1a\x45\xdf\xa3" + b"\x00" * 4096, name="clip.webm"),
        media_type="video/webm",
        media_kind="video",
    )
    classification_set(
        asset_id=asset.pk,
        actor=editor,
        source_type="trainedAlgorithmicMedia",
        techniques=[],
        purpose="",
        certainty=Certainty.DECLARED,
    )
    label_set(asset_id=asset.pk, actor=editor, term_key="ai-generated", language="en")
    html = editor_client.post(render_url(asset.pk), headers=HTMX).content.decode()
    rendition = Rendition.objects.get()
    sidecar_url = reverse("labeling:sidecar", args=[rendition.pk])
    assert f'href="{sidecar_url}" download' in html
    assert "sidecar manifest: this format cannot embed credentials." in html
    response = editor_client.get(sidecar_url)
    assert response["Content-Type"] == "application/c2pa"
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == rendition.sidecar_sha256


# --- the snippets --------------------------------------------------------------------------------


def test_the_cms_snippets_are_shown_rendered_and_as_code(editor_client, labeled):
    html = editor_client.get(panel_url(labeled.asset_id)).content.decode()
    # Rendered, as readers will see it...
    assert '<p class="synthetic-media-label" role="note" lang="en">' in html
    # ...and as source to copy, escaped.
    assert "&lt;p class=&quot;synthetic-media-label&quot;" in html
    assert "&lt;script type=&quot;application/ld+json&quot;&gt;" in html
    assert "digitalsourcetype/trainedAlgorithmicMedia" in html
    assert "Label versions (1)" in html


def test_the_label_form_fragment_is_only_for_those_who_may_label(reporter_client, classified):
    response = reporter_client.get(
        panel_url(classified.asset_id), {"fragment": "label-form"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<section id="labeling"')
    assert 'id="label-form"' not in html
