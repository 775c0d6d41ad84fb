"""GET /healthz: database and broker status for deployments."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError

from newsroom import health
from newsroom.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(settings, monkeypatch):
    """Point both Django's setting and the Celery app at a broker URL for one test."""

    def use(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        monkeypatch.setattr(celery_app.conf, "broker_url", url)
        # Celery prefers the environment variable over its configuration (CI sets it).
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)

    return use


def test_healthy_with_in_process_tasks(client, broker):
    broker("")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}
    assert "no-cache" in response["Cache-Control"]


def test_healthy_with_a_reachable_broker(client, broker):
    broker("memory://")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_unreachable_broker_is_503(client, broker):
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")


def test_unreachable_database_is_503(client, broker, monkeypatch):
    broker("")

    class DownConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error: OperationalError",
        "broker": "in-process",
    }


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
