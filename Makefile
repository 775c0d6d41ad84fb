# Proofdesk: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_KEYS ?= var/dev-keys
HOST ?= 127.0.0.1
PORT ?= 8000

export DJANGO_SETTINGS_MODULE := newsroom.settings
# pytest-django prefers the environment to pyproject.toml: give the tests their own settings.
test test-fast lint: export DJANGO_SETTINGS_MODULE := newsroom.settings_test

.PHONY: run test test-fast lint format install migrate seed bench lock clean dev-keys

$(STAMP): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

# Development signing credentials for the labeled renditions (never used in production).
$(DEV_KEYS)/signing-key.pem: | install
	DEBUG=1 $(BIN)/python manage.py make_dev_signing_cert --out $(DEV_KEYS)

dev-keys: $(DEV_KEYS)/signing-key.pem

run seed migrate: export SIGNING_CERT_CHAIN ?= $(abspath $(DEV_KEYS))/signing-chain.pem
run seed migrate: export SIGNING_KEY ?= $(abspath $(DEV_KEYS))/signing-key.pem
run seed migrate: export C2PA_TRUST_ANCHORS ?= $(abspath $(DEV_KEYS))/root.pem
# Links made by background tasks (e-mails, signed renditions) name the port the app serves on.
run seed: export SITE_URL ?= http://$(HOST):$(PORT)

migrate: install dev-keys
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(BIN)/python manage.py seed_demo

# The laptop default: SQLite under var/, tasks in-process, DEBUG on.
run: seed
	DEBUG=1 $(BIN)/python manage.py recover --startup
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite. CI sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis); the
# integration tests then start a real worker. Browser tests need /usr/bin/chromium.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	cd clients/python && ../../$(BIN)/python -m pytest
	cd clients/wagtail && ../../$(BIN)/python -m pytest  # a Wagtail site against a live Proofdesk

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not integration" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports  # the apps' layering: docs/architecture.md
	cd clients/python && ../../$(BIN)/mypy
	cd clients/wagtail && ../../$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/queue_pages.py
	$(BIN)/python bench/gc_pauses.py
	$(BIN)/python bench/public_pages.py
	$(BIN)/python bench/hostile_images.py
	$(BIN)/python bench/upload_memory.py
	$(BIN)/python bench/upload_memory.py --size-mb 500  # under the limit: checked in a child process
	$(BIN)/python bench/consent_pdf.py
	$(BIN)/python bench/rendition.py
	$(BIN)/python bench/provenance.py
	$(BIN)/python bench/clearance_api.py
	$(BIN)/python bench/webhooks.py
	@# A million assets want PostgreSQL (BENCH_DATABASE_URL); without it, a smaller desk on SQLite.
	@if [ -n "$$BENCH_DATABASE_URL" ]; then $(BIN)/python bench/million.py; else $(BIN)/python bench/million.py --assets 20000; fi

# Regenerate the lock files after changing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
