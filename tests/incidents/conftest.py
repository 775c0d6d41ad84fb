"""Fixtures for the incident tests: an administrator persona, assets the CMS may have shown
(approved, published), a CMS endpoint subscribed to every event, and a report helper."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from incidents.models import HarmCategory, IncidentSource, Severity
from incidents.services import incident_report
from integrations.models import Integration, WebhookEndpoint
from integrations.signing import generate_secret
from review.models import AssetStatus
from tests.conftest import client_for
from tests.factories import UserFactory

# The newsroom's development signing credentials, for the relabel's re-signed rendition.
from tests.labeling.conftest import signing_keys


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada_admin", roles=[Role.ADMIN])


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def published(make_asset):
    """The reporter's asset, published."""
    return make_asset(status=AssetStatus.PUBLISHED)


@pytest.fixture
def approved(make_asset):
    """The reporter's asset, approved and not yet published."""
    return make_asset(status=AssetStatus.APPROVED)


@pytest.fixture
def cms_endpoint(db) -> WebhookEndpoint:
    integration = Integration.objects.create(name="main-cms")
    return WebhookEndpoint.objects.create(
        integration=integration, url="http://127.0.0.1:9/hook", secret=generate_secret()
    )


@pytest.fixture
def report():
    """Report an incident through the service, by default a staff report of disinformation."""

    def make(asset, reported_by, **fields):
        values = {
            "harm_category": HarmCategory.DISINFORMATION,
            "severity": Severity.HIGH,
            "description": "The caption presents a generated scene as a photograph of the rally.",
            "source": IncidentSource.STAFF,
            **fields,
        }
        return incident_report(asset_id=asset.pk, reported_by=reported_by, **values)

    return make


@pytest.fixture
def open_incident(published, editor, report):
    return report(published, editor)


__all__ = ["signing_keys"]
