"""The public pages' tests: the default policy present (a transactional test run before may have
flushed what the migrations installed) and the rate-limit counters at zero."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

default_policy = importlib.import_module("public.migrations.0002_default_policy")


@pytest.fixture(autouse=True)
def _public_state(db):
    default_policy.install(apps, None)
    cache.clear()
    yield
    cache.clear()
