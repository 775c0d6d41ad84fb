"""The API clients of the integration tests, for the hardening tests that probe the API."""

from tests.integrations.conftest import cms, cms_api, make_token, reader_api

__all__ = ["cms", "cms_api", "make_token", "reader_api"]
