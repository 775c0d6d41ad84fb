"""The public pages in a browser, as someone following a label's link on a phone would: no login,
readable at 390 px without sideways scrolling, and the other language one tap away."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.helpers import serious_axe_violations

POLICY = "/policy/synthetic-media/"
default_policy = importlib.import_module("public.migrations.0002_default_policy")


@pytest.fixture(autouse=True)
def _default_policy():
    # Browser tests run on a transactional database, which another test may have flushed of
    # what the migrations installed: put the default policy back as its migration does.
    default_policy.install(django_apps, None)
    cache.clear()


@pytest.mark.parametrize(
    "path",
    [
        POLICY,
        "/policy/",
        "/labels/",
        POLICY + "history/",
        "/corrections/",
        "/report/",
        "/transparency/",
        "/report/?lang=es",
        "/transparency/?lang=es",
        "/corrections/?lang=es",
    ],
)
def test_public_pages_fit_a_phone(page, path):
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("h1").count() == 1


def test_the_reader_switches_to_spanish_and_finds_the_labels(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(POLICY)
    page.get_by_role("link", name="Español").first.click()
    page.wait_for_url("**lang=es")
    assert page.locator("h1").inner_text() == "Cómo usamos y etiquetamos los contenidos sintéticos"
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Qué significa cada etiqueta").click()
    assert page.locator("h1").inner_text() == "Qué significan nuestras etiquetas"
    assert page.get_by_text("Generado con IA").count() >= 1


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(
    "path", [POLICY, "/policy/", "/labels/", "/corrections/", "/report/", "/transparency/"]
)
def test_public_pages_have_no_serious_accessibility_violation(page, path, width):
    """axe-core (vendored, no CDN) on each public page, at phone and desk width."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    assert serious_axe_violations(page) == []


def test_the_report_form_errors_are_accessible(page):
    page.goto("/report/")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert serious_axe_violations(page) == []
