"""The OpenAPI schema and its docs page: the schema describes the bearer scheme, each
operation's scope and its problems; the page loads nothing from outside the site."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/assets"): "assets:read",
    ("get", "/api/v1/assets/{asset_id}"): "assets:read",
    ("get", "/api/v1/assets/{asset_id}/incidents"): "assets:read",
    ("post", "/api/v1/assets/{asset_id}/publications"): "assets:publish",
    ("post", "/api/v1/assets/{asset_id}/unpublications"): "assets:publish",
    ("get", "/api/v1/renditions/{rendition_id}/download"): None,
}


@pytest.fixture
def schema() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data: dict[str, Any] = json.loads(response.content)
    return data


def test_the_schema_is_openapi_3_with_every_operation(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Proofdesk CMS API"
    found = {
        (method, path) for path, operations in schema["paths"].items() for method in operations
    }
    assert found == set(OPERATIONS)


def test_the_schema_is_the_same_on_every_request(schema):
    assert json.loads(Client().get("/api/v1/openapi.json").content) == schema


def test_the_schema_describes_the_bearer_scheme_and_each_scope(schema):
    assert schema["components"]["securitySchemes"]["BearerToken"]["type"] == "http"
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    for (method, path), scope in OPERATIONS.items():
        operation = schema["paths"][path][method]
        if scope is None:
            assert "security" not in operation  # the signed link is the credential
        else:
            assert operation["security"] == [{"BearerToken": [scope]}]
            assert f"`{scope}`" in operation["description"]


def test_the_schema_describes_errors_as_problems(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    publish = schema["paths"]["/api/v1/assets/{asset_id}/publications"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(publish["responses"])
    for status, response in publish["responses"].items():
        if int(status) >= 400:
            assert list(response["content"]) == ["application/problem+json"]
    header = [p for p in publish["parameters"] if p["in"] == "header"]
    assert header[0]["name"] == "Idempotency-Key" and header[0]["required"] is True


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_the_docs_page_uses_only_local_static_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    parser = _Urls()
    parser.feed(html)
    assert parser.urls, html
    for url in parser.urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a bundled file"
    # Swagger UI's validator badge would call validator.swagger.io from the reader's browser.
    assert '"validatorUrl": null' in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html


def test_the_served_schema_is_byte_identical_to_the_committed_one():
    """docs/openapi.json is the contract a CMS developer builds against: any change to the
    served document must be made on purpose, by regenerating that file in the same commit."""
    committed = (settings.BASE_DIR / "docs" / "openapi.json").read_bytes()
    assert Client().get("/api/v1/openapi.json").content == committed
