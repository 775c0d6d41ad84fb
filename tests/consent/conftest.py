"""Fixtures for consent tests: people (one a minor with a guardian), parties on an asset."""

from __future__ import annotations

import pytest

from consent.models import PartyRole
from consent.services import party_add, person_create


@pytest.fixture
def person(reporter):
    return person_create(actor=reporter, full_name="Ada Subject", email="ada@example.org")


@pytest.fixture
def creator_person(reporter):
    return person_create(actor=reporter, full_name="Cy Creator", email="cy@example.org")


@pytest.fixture
def guardian(reporter):
    return person_create(actor=reporter, full_name="Gwen Guardian", phone="+44 20 7946 0000")


@pytest.fixture
def minor(reporter, guardian):
    return person_create(actor=reporter, full_name="Milo Minor", is_minor=True, guardian=guardian)


@pytest.fixture
def creator_party(asset, reporter, creator_person):
    return party_add(
        asset_id=asset.pk, actor=reporter, role=PartyRole.CREATOR, person=creator_person
    )


@pytest.fixture
def subject_party(asset, reporter, person):
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=person)


@pytest.fixture
def minor_party(asset, reporter, minor):
    return party_add(asset_id=asset.pk, actor=reporter, role=PartyRole.SUBJECT, person=minor)


@pytest.fixture
def unidentified_party(asset, reporter):
    return party_add(
        asset_id=asset.pk,
        actor=reporter,
        role=PartyRole.SUBJECT,
        description="Woman in a red coat, background left",
    )
