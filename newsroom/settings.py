"""Proofdesk settings: everything that differs between a laptop and production comes from the
environment. The defaults run on one machine: SQLite, tasks in-process, files under var/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # the laptop default keeps its database and media here

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A laptop in DEBUG gets a throwaway key; anything else must be given one.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "accounts",
    "audit",
    # Before review, whose admin replaces django-otp's for authenticator devices.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "review",
    "provenance",
    "consent",
    "labeling",
    "signoff",
    "workflow",
    "public",
    "integrations",
    "incidents",
    "ninja",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session gave an authenticator code (request.user.is_verified) ...
    "django_otp.middleware.OTPMiddleware",
    # ... and, if a code is due, nothing else until it is given (review/two_factor.py).
    "review.two_factor.TwoFactorMiddleware",
    # Before any view parses a body: strangers' bodies are refused or capped unread (and the
    # CSRF check, which reads request.POST, runs in the view phase, after this).
    "review.middleware.AnonymousBodyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns django-ratelimit's refusal into RATELIMIT_VIEW's 429 (public pages).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

# --- Logging in -------------------------------------------------------------------------------
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one user name from one address, that
# pair is locked out for AXES_COOLOFF_MINUTES (a lockout per user name alone would let anyone
# lock a colleague out). Every failure is kept (axes' access failure log, in the admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PermissionBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Password reset by e-mail (Django's): posts per client address, and how long a link works.
PASSWORD_RESET_RATE_LIMIT = env.str("PASSWORD_RESET_RATE_LIMIT", default="5/h")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False  # the failure log above is the record; no INFO line per login
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "review.http.client_address"
# Two-factor sign-in with an authenticator app (review/two_factor.py): open to everyone,
# required for these roles (comma-separated; the README suggests "legal,admin").
TWO_FACTOR_REQUIRED_ROLES: list[str] = env.list("TWO_FACTOR_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Proofdesk")

# --- Takedowns ------------------------------------------------------------------------------
# How long the CMS has to confirm a takedown (every live publication withdrawn) before the
# standards desk is alerted: a banner on the desk and an e-mail.
TAKEDOWN_DEADLINE_MINUTES = env.int("TAKEDOWN_DEADLINE_MINUTES", default=60)
TAKEDOWN_DEADLINE_CRITICAL_MINUTES = env.int("TAKEDOWN_DEADLINE_CRITICAL_MINUTES", default=15)

# --- Public pages ---------------------------------------------------------------------------
# Requests per client address to the pages anyone can reach (the policies, the label glossary),
# counted in the default cache. One process's memory on the laptop; in production, point
# CACHE_URL at Redis so that every server process counts together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
PUBLIC_RATE_LIMIT = env.str("PUBLIC_RATE_LIMIT", default="120/m")
RATELIMIT_VIEW = "public.views.rate_limited"
# Behind a reverse proxy every request comes from the proxy's address: name the header the proxy
# sets (overwriting whatever the client sent) with the client's address, e.g. HTTP_X_REAL_IP.
# The rate limits, the login lockout and the address recorded with a remote consent all use
# it; left at REMOTE_ADDR behind a proxy they would all see the proxy.
CLIENT_IP_META_KEY = env.str(
    "CLIENT_IP_META_KEY", default=env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
)
RATELIMIT_IP_META_KEY = "review.http.client_address"
# Reports sent through the public form, per client address.
PUBLIC_REPORT_RATE_LIMIT = env.str("PUBLIC_REPORT_RATE_LIMIT", default="5/h")
# A remote consent link's page: per client address (any request), and per link for the posts
# (each decodes a signature). A person signing needs a handful.
REMOTE_CONSENT_RATE_LIMIT = env.str("REMOTE_CONSENT_RATE_LIMIT", default="60/m")
# Audio and video are shown on the remote consent page as a marked, reduced copy made with
# ffmpeg (never the original: see the previews block at the end); false shows only the desk's
# description.
REMOTE_CONSENT_PLAY_MEDIA = env.bool("REMOTE_CONSENT_PLAY_MEDIA", default=True)
REMOTE_CONSENT_SIGN_RATE_LIMIT = env.str("REMOTE_CONSENT_SIGN_RATE_LIMIT", default="10/m")

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "review.context_processors.capabilities",
                "incidents.context_processors.overdue_takedowns",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'proofdesk.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for the lock instead of failing at once (two editors acting together).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A deferred BEGIN takes the write lock only at the first write; two transactions that
    # both read first then deadlock, and SQLite fails one or both at once without waiting.
    # IMMEDIATE takes the write lock at BEGIN, so the second writer waits for the timeout.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Write-ahead logging: readers (the desk's pages) no longer wait for a writer (a worker's
    # check), and a commit appends to the log without syncing the database file each time,
    # which halved a provenance check's write (bench/provenance.py). synchronous=NORMAL is
    # SQLite's advice for WAL: a power cut may lose the last commits, never corrupt the file.
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # The integration tests point a worker process at the test database: it must be a file.
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default="") or None}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # A connection kept for a minute, checked before each request reuses it: opening one costs
    # PostgreSQL a process and the page about 5 ms (bench/million.py), on every request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "review:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The desk speaks English; the label and public texts in other languages are the newsroom's own
# words, stored in the database, never gettext catalogues. Off, Django formats the dates and
# numbers of a page without looking up the active language each time (a tenth of the queue's
# render with a million assets, bench/million.py).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")

# Uploaded media is private: no MEDIA_URL is ever handed to a browser; a view checks access
# and streams it (or hands it to the front server, see MEDIA_SERVE_MODE).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "filesystem":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'filesystem' or 's3'.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# "django" streams the file from the app; "x-accel" (nginx) and "x-sendfile" (Apache, Caddy)
# hand the path to the front server after the access check.
MEDIA_SERVE_MODE = env.str("MEDIA_SERVE_MODE", default="django")
MEDIA_ACCEL_PREFIX = env.str("MEDIA_ACCEL_PREFIX", default="/protected-media/")
if MEDIA_SERVE_MODE not in {"django", "x-accel", "x-sendfile"}:
    raise ImproperlyConfigured("MEDIA_SERVE_MODE must be 'django', 'x-accel' or 'x-sendfile'.")

# Uploads: everything goes to a temporary file (never held in memory) through a handler that
# hashes while it streams and stops at the limit.
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=500 * 1024 * 1024)
# The largest body someone without a session may send (the login form, the public report, a
# remote consent signature, a CMS API call): a signature is at most 2 MB, base64 adds a third.
ANONYMOUS_MAX_BODY = env.int("ANONYMOUS_MAX_BODY", default=4 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_HANDLERS = ["review.intake.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("MAX_FILES_PER_UPLOAD", default=50)

# Celery: with no broker configured, tasks run in-process after the transaction commits.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps its database connection for this many tasks. Celery's Django support would
# otherwise close it after every task, and a provenance check would open a new one each time:
# a fifth of a worker's throughput on SQLite, more on PostgreSQL (bench/provenance.py). A
# connection the server dropped is replaced before the next task (newsroom/celery.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)

# The Content-Security-Policy of every HTML page (django-csp): scripts and styles from this site
# only, no inline script or style, no eval; nothing framed, posted elsewhere or loaded from a
# CDN. Data URLs for images (signature previews, PDF thumbnails). Uploaded media keep their own,
# stricter sandbox policy (review.media), which the middleware leaves as it is.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Served over https (SECURE_COOKIES, the default): browsers are told to stay on https for a
    # year, and plain http is redirected (but for the load balancer's health check).
    SECURE_HSTS_SECONDS = env.int(
        "SECURE_HSTS_SECONDS", default=31_536_000 if SESSION_COOKIE_SECURE else 0
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Provenance (C2PA Content Credentials and IPTC metadata) -------------------------------
# PEM bundles the operator downloads (the C2PA trust list, the legacy Content Credentials
# anchors, the newsroom's own root). None ship with the code. Standards editors can upload more
# in the app; a change re-verifies the assets still in review.
C2PA_TRUST_ANCHORS = env.str("C2PA_TRUST_ANCHORS", default="")
C2PA_ALLOWED_LIST = env.str("C2PA_ALLOWED_LIST", default="")
# Remote manifests are off unless configured: a silent server would block a worker for 30 s.
C2PA_REMOTE_MANIFEST_FETCH = env.bool("C2PA_REMOTE_MANIFEST_FETCH", default=False)
# With fetching on, only these hosts are fetched from (https); empty = none. The fetch
# counts against C2PA_VERIFY_TIMEOUT.
C2PA_REMOTE_MANIFEST_HOSTS: list[str] = env.list("C2PA_REMOTE_MANIFEST_HOSTS", default=[])
# The reader holds the whole file in memory (a 200 MB MP4 peaks near 235 MB RSS).
C2PA_MAX_VERIFY_BYTES = env.int("C2PA_MAX_VERIFY_BYTES", default=600 * 1024 * 1024)
C2PA_VERIFY_TIMEOUT = env.float("C2PA_VERIFY_TIMEOUT", default=60.0)
# Files above this are read in a child process (provenance/isolated.py): its memory is returned
# when it exits and a hung or crashing read is killed, not left in the web or worker process.
C2PA_IN_PROCESS_MAX_BYTES = env.int("C2PA_IN_PROCESS_MAX_BYTES", default=32 * 1024 * 1024)
PROVENANCE_DETECTORS: list[str] = env.list(
    "PROVENANCE_DETECTORS", default=["provenance.detectors.CredentialSignalsDetector"]
)
PROVENANCE_DETECTOR_TIMEOUT = env.float("PROVENANCE_DETECTOR_TIMEOUT", default=20.0)
# A check still running after this long is re-queued by the periodic sweep.
CHECK_STUCK_AFTER_SECONDS = env.int("CHECK_STUCK_AFTER_SECONDS", default=600)
# A message a worker took and never acknowledged (the worker was killed) goes back to the queue
# after this long on Redis: just past the longest task (a check's hard limit is
# CHECK_STUCK_AFTER_SECONDS - 60), instead of Redis's default hour. Countdowns must stay below it
# (WEBHOOK_COUNTDOWN_MAX_SECONDS) or Redis would hand the waiting task out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CHECK_STUCK_AFTER_SECONDS + 60}
# Upload temporary files older than this are left over from a server killed mid-upload:
# `manage.py recover` removes them.
UPLOAD_TEMP_MAX_AGE_HOURS = env.int("UPLOAD_TEMP_MAX_AGE_HOURS", default=6)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-checks": {"task": "review.tasks.sweep_stuck_checks", "schedule": 300.0},
    "trust-files-watch": {"task": "provenance.tasks.trust_files_watch", "schedule": 300.0},
    "expire-consents": {"task": "consent.tasks.expire_consents", "schedule": 3600.0},
    "escalate-overdue-takedowns": {
        "task": "incidents.tasks.escalate_overdue_takedowns",
        "schedule": 60.0,
    },
    # Webhook retries too far off for a countdown, and deliveries whose message was lost.
    "retry-due-deliveries": {
        "task": "integrations.tasks.retry_due_deliveries",
        "schedule": 60.0,
    },
}

# --- Labeling and signing ----------------------------------------------------------------
# The newsroom's C2PA signing credentials (PEM files). `make run` generates development ones
# under var/dev-keys; production uses the newsroom CA's. Without them renditions are refused.
SIGNING_CERT_CHAIN = env.str("SIGNING_CERT_CHAIN", default="")
SIGNING_KEY = env.str("SIGNING_KEY", default="")
# The largest image Proofdesk decodes to draw on (a labeled rendition, a PDF thumbnail). Decoding
# takes about 4 bytes a pixel, more with the copies rendering makes: 50 megapixels covers
# every camera a newsroom uses; past it the desk is asked for a smaller export.
RENDER_MAX_PIXELS = env.int("RENDER_MAX_PIXELS", default=50_000_000)
# The newsroom's root, if the chain does not end in it.
SIGNING_TRUST_ANCHOR = env.str("SIGNING_TRUST_ANCHOR", default="")
NEWSROOM_NAME = env.str("NEWSROOM_NAME", default="Proofdesk Demo Newsroom")
# Where a person who signed by remote link writes to revoke or ask: shown on the signing page,
# the thank-you page and the PDF receipt. Unset: they are told to reply to whoever sent the link.
CONSENT_CONTACT_EMAIL = env.str("CONSENT_CONTACT_EMAIL", default="")
# Where the newsroom explains its labels; carried in every disclosure assertion.
# Unset: this app's own published policy (/policy/synthetic-media/) at SITE_URL.
DISCLOSURE_POLICY_URL = env.str("DISCLOSURE_POLICY_URL", default="")

# --- Sign-off -----------------------------------------------------------------------------
# When a second approval (legal or standards) is needed before clearance: "real_person" (a
# real, identified person is depicted or represented), "always" or "never".
SIGNOFF_SECOND_APPROVAL = env.str("SIGNOFF_SECOND_APPROVAL", default="real_person")

# --- Consent and e-mail ------------------------------------------------------------------
# The public address, for links handed out (remote consent links, e-mails, the disclosure link
# in labels and signed renditions): required in production. Unset, a link made while answering
# a request uses the address that request came to (so `make run PORT=8792` hands out :8792
# links; make run sets it too, for links made by background tasks), and DEV_SITE_URL otherwise.
SITE_URL = env.str("SITE_URL", default="")
DEV_SITE_URL = "http://127.0.0.1:8000"
# The public page about each published asset, linked from its label snippet and carried in its
# signed manifest ({uid}: the asset's public id, `asset_uid` in the API). Unset: this app's
# own /disclosures/{uid}/ page at SITE_URL.
DISCLOSURE_PAGE_URL = env.str("DISCLOSURE_PAGE_URL", default="")
# Unset: e-mails are printed to the console (the laptop default).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="proofdesk@localhost")

# --- CMS webhooks ------------------------------------------------------------------------
# Seconds to wait after each failed attempt (±WEBHOOK_RETRY_JITTER): 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h, 10 h, 14 h, 20 h. Ten attempts over about 62 hours (2.6 days), then the delivery
# has failed (it can still be sent again by hand from the delivery log).
WEBHOOK_RETRY_SCHEDULE: list[float] = [
    float(s)
    for s in env.list(
        "WEBHOOK_RETRY_SCHEDULE",
        default=[5, 300, 1800, 7200, 18000, 36000, 36000, 50400, 72000],
    )
]
WEBHOOK_RETRY_JITTER = env.float("WEBHOOK_RETRY_JITTER", default=0.2)
# requests' (connect, read) timeouts; the read timeout bounds each wait for the receiver.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.05)
# Webhooks to loopback addresses (and over plain http to them): for a receiver on the same
# machine during development and tests. Never in production: integrations.webhook_urls.
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# A claimed attempt whose worker died is tried again after this long (longer than any POST).
WEBHOOK_CLAIM_LEASE_SECONDS = env.int("WEBHOOK_CLAIM_LEASE_SECONDS", default=300)
# Retries due within this many seconds are sent to the broker with a countdown; later ones
# are queued by the periodic sweep (kept under the broker's visibility timeout, above).
WEBHOOK_COUNTDOWN_MAX_SECONDS = env.int(
    "WEBHOOK_COUNTDOWN_MAX_SECONDS",
    default=CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] - 120,
)
# The sweep leaves deliveries alone until they are this overdue (their countdown is on its way).
WEBHOOK_SWEEP_GRACE_SECONDS = env.int("WEBHOOK_SWEEP_GRACE_SECONDS", default=30)
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=1000)
# How long the previous secret keeps signing after a rotation, unless the form says otherwise.
WEBHOOK_SECRET_OVERLAP_HOURS = env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)

# --- Object storage (STORAGE_BACKEND=s3): addressing, ACL and memory -----------------------
# Appended with issue 15's storage tests (tests/storage run these settings against a real S3
# server on loopback).
if STORAGE_BACKEND == "s3":
    from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

    # boto3's threaded transfers hold far more of a file than a process should: an upload
    # reads up to ten 8 MiB parts into memory at once (all of a file below 80 MiB), and a
    # download writes its parts as they arrive, so the first may land at the end of the file
    # and grow the in-memory spool below to the whole file's size before it moves to disk.
    # One part at a time, in order, keeps both within a few MiB whatever the file's size
    # (tests/storage measure it); on loopback it moved 40-135 MiB/s either way.
    _s3_transfer = TransferConfig(use_threads=False)
    _s3_options = _default_storage["OPTIONS"]
    assert isinstance(_s3_options, dict)
    _s3_options.update(
        {
            # "path" for an S3-compatible server reached by host name (MinIO, Ceph, rclone):
            # the bucket goes in the URL's path, not in a sub-domain nothing resolves.
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # Buckets with ACLs disabled (AWS's default since 2023) refuse any upload that names
            # an ACL: set AWS_DEFAULT_ACL to empty there (objects are private without one).
            "default_acl": env.str("AWS_DEFAULT_ACL", default="private") or None,
            # The app hands out no object URLs (downloads go through the access check), but
            # one made by storage.url() must work on S3 today: signed with SigV4 (botocore
            # still presigns with SigV2 by default, which AWS and most servers refuse) and
            # short-lived.
            "signature_version": "s3v4",
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            # Reading a stored file (the checks' hash, the verifier, PDF exports) first copies
            # the object: past this size to a temporary file. django-storages' default (0)
            # never spills, so a 500 MB video would sit whole in a worker's memory.
            "max_memory_size": env.int("AWS_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024),
            "transfer_config": _s3_transfer,
        }
    )

# --- Remote consent: audio and video previews (issue 14) -------------------------------------
# The remote signing page shows audio and video as a marked, reduced copy made with ffmpeg
# (Debian package ffmpeg, which also installs ffprobe), never the original file:
# consent.remote.media_preview. Without ffmpeg the page says a preview is not available.
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="ffmpeg")
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="ffprobe")
# Seconds for making one preview, every ffmpeg run together. It is made once per file, by a
# background task queued when a link to the asset is made (inline without a broker); keep it
# under the broker's visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS).
CONSENT_PREVIEW_TIMEOUT = env.int("CONSENT_PREVIEW_TIMEOUT", default=240)
# Only this much of a long recording is used (the page says so).
CONSENT_PREVIEW_MAX_SECONDS = env.int("CONSENT_PREVIEW_MAX_SECONDS", default=180)
CONSENT_PREVIEW_MAX_BYTES = env.int("CONSENT_PREVIEW_MAX_BYTES", default=25 * 1024 * 1024)
CONSENT_PREVIEW_THREADS = env.int("CONSENT_PREVIEW_THREADS", default=2)
# After a failure (no ffmpeg, a file it cannot read, out of time), wait this long before trying
# that file again.
CONSENT_PREVIEW_RETRY_SECONDS = env.int("CONSENT_PREVIEW_RETRY_SECONDS", default=600)

# --- Every format the C2PA reader knows: sidecar and remote manifests (issue 15.4) -----------
# A .c2pa sidecar manifest uploaded with a file (or beside it for `manage.py ingest`) is kept
# with the asset and verified against it; larger ones are refused at intake.
C2PA_SIDECAR_MAX_BYTES = env.int("C2PA_SIDECAR_MAX_BYTES", default=16 * 1024 * 1024)
# A remote manifest is fetched by provenance.remote (the library's own fetch stays off) only
# with C2PA_REMOTE_MANIFEST_FETCH on and its host named in C2PA_REMOTE_MANIFEST_HOSTS, over
# https, never from a private or loopback address, within this many seconds and bytes.
C2PA_REMOTE_MANIFEST_TIMEOUT = env.float("C2PA_REMOTE_MANIFEST_TIMEOUT", default=10.0)
C2PA_REMOTE_MANIFEST_MAX_BYTES = env.int("C2PA_REMOTE_MANIFEST_MAX_BYTES", default=16 * 1024 * 1024)
