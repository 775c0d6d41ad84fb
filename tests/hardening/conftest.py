"""Fixtures the hardening tests borrow: the API clients, the consent parties, the signing
credentials."""

from tests.consent.conftest import creator_party, creator_person, person, subject_party
from tests.integrations.conftest import cms, cms_api, make_token, reader_api
from tests.labeling.conftest import signing_keys

__all__ = [
    "cms",
    "cms_api",
    "creator_party",
    "creator_person",
    "make_token",
    "person",
    "reader_api",
    "signing_keys",
    "subject_party",
]
