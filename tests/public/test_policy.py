"""The public policy pages every label links to, the label glossary, and publishing a new version
from the desk."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from labeling.models import Label
from labeling.snippets import html_snippet, policy_url
from public.models import PolicyDocument, PolicyVersion
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

POLICY = "/policy/synthetic-media/"


def _document(language: str = "en") -> PolicyDocument:
    return PolicyDocument.objects.get(slug="synthetic-media", language=language)


def _edit_url(language: str = "en") -> str:
    return reverse("public:desk_policy_edit", args=[_document(language).pk])


def _publish(client, language="en", **changes):
    latest = _document(language).versions.latest("version")
    data = {
        "based_on": latest.version,
        "title": latest.title,
        "summary": latest.summary,
        "body": latest.body,
        "change_note": "Clarified the consent section.",
        **changes,
    }
    return client.post(_edit_url(language), data)


def test_every_label_links_to_a_page_that_exists():
    """The default policy is installed by a migration: the link in every label, snippet and
    manifest (policy_url: DISCLOSURE_POLICY_URL, unset here) answers 200 without a login."""
    assert policy_url() == "http://127.0.0.1:8000" + POLICY  # DEV_SITE_URL: no SITE_URL set
    path = urlparse(policy_url()).path
    assert path == POLICY
    response = Client().get(path)
    assert response.status_code == 200
    content = response.content.decode()
    assert "How we use and label synthetic media" in content
    assert "Last updated" in content
    assert "<h2>When we get it wrong</h2>" in content  # the Markdown is rendered


def test_the_snippet_links_the_policy_and_the_assets_disclosure_page(asset, editor):
    label = Label(asset=asset, language="en", name="AI-generated", text="Made with AI.")
    snippet = html_snippet(label, asset)
    assert f'href="{policy_url()}"' in snippet
    # ...and to the public page about this very asset.
    assert f'href="http://127.0.0.1:8000/disclosures/{asset.uid.hex}/">About this image</a>' in (
        snippet
    )


def test_the_policy_is_in_spanish_too_and_each_language_links_the_other():
    spanish = Client().get(POLICY, {"lang": "es"})
    assert spanish.status_code == 200
    content = spanish.content.decode()
    assert '<html lang="es">' in content
    assert "Cómo usamos y etiquetamos los contenidos sintéticos" in content
    assert 'hreflang="en"' in content
    english = Client().get(POLICY, {"lang": "xx"}).content.decode()  # unknown: English
    assert '<html lang="en">' in english and 'hreflang="es"' in english


def test_the_policy_index_lists_the_current_version():
    content = Client().get("/policy/").content.decode()
    assert "How we use and label synthetic media" in content


def test_public_pages_answer_get_only():
    assert Client().post(POLICY).status_code == 405
    assert Client().post("/labels/").status_code == 405


def test_an_unknown_policy_or_version_is_404():
    assert Client().get("/policy/nothing-here/").status_code == 404
    assert Client().get("/policy/synthetic-media/v99/").status_code == 404


def test_standards_publish_a_new_version_and_the_history_keeps_the_old_one(standards):
    client = client_for(standards)
    response = _publish(client, body="## New section\n\nWe now also label audio.\n")
    assert response.status_code == 302

    versions = list(_document().versions.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].published_by == standards
    current = Client().get(POLICY).content.decode()
    assert "We now also label audio." in current
    assert "Version 2" in current
    old = Client().get("/policy/synthetic-media/v1/").content.decode()
    assert "When we get it wrong" in old and "since replaced" in old
    history = Client().get("/policy/synthetic-media/history/").content.decode()
    assert "Version 2" in history and "Version 1" in history
    assert "Clarified the consent section." in history
    event = AuditEvent.objects.get(action="policy.published")
    assert event.actor == standards
    assert event.details["version"] == 2 and event.details["language"] == "en"


def test_a_double_submit_publishes_one_version(standards):
    client = client_for(standards)
    first = _publish(client, body="Once.\n")
    assert first.status_code == 302
    # The same form again: based on version 1, which is no longer current.
    latest = _document().versions.latest("version")
    again = client.post(
        _edit_url(),
        {
            "based_on": 1,
            "title": latest.title,
            "summary": latest.summary,
            "body": "Once.\n",
            "change_note": "Clarified the consent section.",
        },
    )
    assert again.status_code == 409
    assert "was published while you were editing" in again.content.decode()
    assert _document().versions.count() == 2


def test_publishing_nothing_new_is_refused(standards):
    response = _publish(client_for(standards))
    assert response.status_code == 400
    assert "Nothing changed since the current version." in response.content.decode()
    assert _document().versions.count() == 1


def test_a_change_note_is_required_and_a_huge_text_refused(standards):
    client = client_for(standards)
    assert _publish(client, body="New.\n", change_note="").status_code == 400
    huge = _publish(client, body="x" * 100_001)
    assert huge.status_code == 400
    assert _document().versions.count() == 1


def test_html_in_a_policy_is_shown_as_text_never_run(standards):
    body = (
        '<script>alert("x")</script>\n\n<img src=x onerror=alert(1)>\n\n'
        "[click](javascript:alert(1)) and [ok](https://example.org)\n"
    )
    assert _publish(client_for(standards), body=body).status_code == 302
    content = Client().get(POLICY).content.decode()
    policy = content.split('class="policy-text"', 1)[1]
    assert "<script>alert" not in policy
    assert "&lt;script&gt;" in policy
    assert "<img" not in policy
    assert 'href="javascript:' not in policy
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in policy


@pytest.mark.parametrize("persona", ["reporter", "editor", "legal"])
def test_only_standards_and_admins_publish(request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("public:desk_policies")).status_code == 403
    assert _publish(client, body="Not mine to change.\n").status_code == 403
    assert _document().versions.count() == 1


def test_the_desk_pages_need_a_login():
    response = Client().get(reverse("public:desk_policies"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_desk_lists_both_languages(standards):
    content = client_for(standards).get(reverse("public:desk_policies")).content.decode()
    assert "English" in content and "Español" in content
    assert 'href="/desk/policies/' in content


def test_the_label_glossary_explains_every_active_term_in_both_languages():
    english = Client().get("/labels/").content.decode()
    assert "AI-generated" in english
    assert "{medium}" not in english
    assert "contentcredentials.org/verify" in english
    spanish = Client().get("/labels/", {"lang": "es"}).content.decode()
    assert "Generado con IA" in spanish


def test_public_pages_are_rate_limited_per_address(settings):
    settings.PUBLIC_RATE_LIMIT = "3/m"
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [client.get(POLICY).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(POLICY)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many requests" in refused.content.decode()
    # Another address is not affected.
    assert Client(REMOTE_ADDR="203.0.113.8").get(POLICY).status_code == 200


def test_the_policy_page_query_count_is_pinned(django_assert_num_queries):
    Client().get(POLICY)  # warm the content types and the like
    with django_assert_num_queries(4):  # document, version, newest number, other languages
        response = Client().get(POLICY)
    assert response.status_code == 200


def test_versions_are_never_deleted():
    version = PolicyVersion.objects.get(document=_document(), version=1)
    with pytest.raises(Exception):  # noqa: B017  (PROTECT: the document keeps its versions)
        _document().delete()
    assert PolicyVersion.objects.filter(pk=version.pk).exists()
