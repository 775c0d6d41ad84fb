"""The test Wagtail site: a newsroom's site with wagtail_proofdesk, on its own SQLite file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_DATA = Path(os.environ.get("TESTSITE_DATA") or tempfile.mkdtemp(prefix="wagtail-proofdesk-"))
_DATA.mkdir(parents=True, exist_ok=True)

SECRET_KEY = "wagtail-proofdesk-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "wagtail_proofdesk",
    "testsite",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "testsite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# A file, not memory: the live server answers Proofdesk's webhooks from another thread.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_DATA / "site.sqlite3"),
        "OPTIONS": {"timeout": 20},
        "TEST": {"NAME": str(_DATA / "test-site.sqlite3")},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
STATIC_ROOT = str(_DATA / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = str(_DATA / "media")

WAGTAIL_SITE_NAME = "Test newsroom"
WAGTAILADMIN_BASE_URL = "http://localhost"

# The tests point these at the live Proofdesk they start.
PROOFDESK = {
    "BASE_URL": "http://127.0.0.1:9",
    "TOKEN": "pd_unset",
    "WEBHOOK_SECRETS": [],
    "MAX_ATTEMPTS": 2,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"wagtail_proofdesk": {"handlers": ["console"], "level": "INFO"}},
}
