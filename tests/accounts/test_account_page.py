"""The account page: sign-in links, and the e-mails a person's roles can bring them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import NotificationSettings
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/"
ALL = ["changes_requested", "upload_decided", "second_approval", "incident_reported"]


def _boxes(html: str) -> list[str]:
    return [name for name in ALL if f'name="{name}"' in html]


def test_the_url_is_named():
    assert reverse("account") == URL


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(URL, {"incident_reported": "on"}).status_code == 302
    assert not NotificationSettings.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("reporter", ["changes_requested", "upload_decided"]),
        ("editor", ["changes_requested", "upload_decided"]),
        ("legal", ["second_approval"]),
        ("standards", ["second_approval", "incident_reported"]),
        ("outsider", []),
    ],
)
def test_each_role_sees_only_its_own_checkboxes(request, persona, expected):
    response = client_for(request.getfixturevalue(persona)).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert _boxes(html) == expected
    assert reverse("password_change") in html and reverse("two_factor_setup") in html
    if expected:
        assert "csrfmiddlewaretoken" in html
        # Every e-mail is on until the person says otherwise.
        assert html.count("checked") == len(expected)
    else:
        assert "Your role brings you no e-mails" in html


def test_the_header_links_to_the_account_page(reporter_client):
    html = reporter_client.get(reverse("review:queue")).content.decode()
    assert f'href="{URL}">Account</a>' in html
    assert ">Two-factor</a>" not in html and ">Password</a>" not in html


def test_saving_turns_off_what_is_unticked_and_says_so(standards_client, standards):
    response = standards_client.post(URL, {"second_approval": "on"}, follow=True)

    assert response.redirect_chain == [(f"{URL}?saved=1#email-heading", 302)]
    assert "Your e-mail settings are saved." in response.content.decode()
    # Only after saving.
    assert "Your e-mail settings are saved." not in standards_client.get(URL).content.decode()
    row = NotificationSettings.objects.get(user=standards)
    assert (row.second_approval, row.incident_reported) == (True, False)
    # Not offered to standards, so not touched.
    assert (row.changes_requested, row.upload_decided) == (True, True)
    html = standards_client.get(URL).content.decode()
    assert 'name="second_approval" id="id_second_approval" checked' in html
    assert 'name="incident_reported" id="id_incident_reported" checked' not in html


def test_a_setting_not_offered_cannot_be_changed(reporter_client, reporter):
    reporter_client.post(URL, {"changes_requested": "on"})
    row = NotificationSettings.objects.get(user=reporter)
    assert (row.changes_requested, row.upload_decided) == (True, False)
    assert (row.second_approval, row.incident_reported) == (True, True)


def test_saving_twice_keeps_one_row(reporter_client, reporter):
    reporter_client.post(URL, {})
    reporter_client.post(URL, {"upload_decided": "on"})
    assert NotificationSettings.objects.filter(user=reporter).count() == 1
    assert NotificationSettings.objects.get(user=reporter).upload_decided is True


def test_other_methods_are_refused(reporter_client):
    assert reporter_client.delete(URL).status_code == 405


def test_a_person_without_an_address_is_told(db):
    user = UserFactory(username="no_mail", email="", roles=["reporter"])
    html = client_for(user).get(URL).content.decode()
    assert "no e-mail address" in html


def test_the_page_costs_a_fixed_number_of_queries(
    standards_client, standards, django_assert_num_queries
):
    standards_client.get(URL)  # warm the session
    NotificationSettings.objects.create(user=standards, incident_reported=False)
    # session, user, roles with their permissions (one: the header and the access checks
    # share it), the settings row, the overdue takedowns banner
    with django_assert_num_queries(5):
        response = standards_client.get(URL)
    assert response.status_code == 200
