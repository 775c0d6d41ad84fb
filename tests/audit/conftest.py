from __future__ import annotations

import pytest

from tests.accounts.role_groups import restore_for_transactional_tests


@pytest.fixture(autouse=True)
def _role_groups_for_transactional_tests(request):
    restore_for_transactional_tests(request)
