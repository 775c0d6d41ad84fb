"""`manage.py check` on the newsroom's signing credentials: every way they can be unusable is a
labeling.W002 with the reason, and a certificate close to its end a labeling.W001."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from pytest_django.fixtures import Settings

from labeling.checks import EXPIRY_WARNING, signing_credentials
from provenance.certificates import make_dev_certificates

Setup = Callable[[Path, Settings], None]


def _missing_key(keys: Path, settings: Settings) -> None:
    settings.SIGNING_KEY = str(keys / "gone.pem")


def _unset_key(keys: Path, settings: Settings) -> None:
    settings.SIGNING_KEY = ""


def _wrong_key(keys: Path, settings: Settings) -> None:
    (keys / "other-key.pem").write_text(make_dev_certificates().key_pem)
    settings.SIGNING_KEY = str(keys / "other-key.pem")


def _expired(keys: Path, settings: Settings) -> None:
    old = make_dev_certificates(
        valid_days=10, now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=1)
    )
    (keys / "old-chain.pem").write_text(old.chain_pem)
    (keys / "old-key.pem").write_text(old.key_pem)
    settings.SIGNING_CERT_CHAIN = str(keys / "old-chain.pem")
    settings.SIGNING_KEY = str(keys / "old-key.pem")


def _another_anchor(keys: Path, settings: Settings) -> None:
    (keys / "another-root.pem").write_text(make_dev_certificates(organisation="Other").root_pem)
    settings.SIGNING_TRUST_ANCHOR = str(keys / "another-root.pem")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param(
            _missing_key,
            "SIGNING_KEY names {keys}/gone.pem, which is not a file.",
            id="missing-key",
        ),
        pytest.param(
            _unset_key,
            "SIGNING_KEY is not set: the newsroom cannot sign renditions. Point it at the PEM "
            "private key (PKCS#8) (for development: `python manage.py make_dev_signing_cert "
            "--out DIR`).",
            id="unset-key",
        ),
        pytest.param(
            _wrong_key,
            "The signing key does not belong to the signing certificate (wrong key file?).",
            id="wrong-key",
        ),
        pytest.param(
            _expired,
            "The signing certificate expired on 2024-01-10. Install a renewed certificate and "
            "re-sign the renditions (render_rendition).",
            id="expired",
        ),
        pytest.param(
            _another_anchor,
            "The signing certificate does not chain to the newsroom's trust anchor "
            "(“Other Root CA”): its renditions would not verify. Point SIGNING_TRUST_ANCHOR at "
            "the root that issued the signing certificate, or leave it empty to use the root "
            "at the end of the chain.",
            id="another-anchor",
        ),
    ],
)
def test_unusable_signing_credentials_are_a_w002_with_the_reason(
    signing_keys, settings, setup: Setup, message: str
):
    setup(signing_keys, settings)
    expected = message.format(keys=signing_keys)

    messages = signing_credentials(None)
    assert [(m.id, m.msg) for m in messages] == [("labeling.W002", expected)]

    out, err = io.StringIO(), io.StringIO()
    call_command("check", stdout=out, stderr=err)  # warnings do not fail the command
    assert f"?: (labeling.W002) {expected}" in err.getvalue()
    assert "labeling.W001" not in err.getvalue()


def test_a_certificate_expiring_within_the_warning_window_is_a_w001(signing_keys, settings):
    issued = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    fresh = make_dev_certificates(valid_days=365, now=issued)
    (signing_keys / "chain.pem").write_text(fresh.chain_pem)
    (signing_keys / "key.pem").write_text(fresh.key_pem)
    settings.SIGNING_CERT_CHAIN = str(signing_keys / "chain.pem")
    settings.SIGNING_KEY = str(signing_keys / "key.pem")
    expiry = issued + dt.timedelta(days=365)

    with time_machine.travel(expiry - EXPIRY_WARNING - dt.timedelta(hours=1), tick=False):
        assert signing_credentials(None) == []
    with time_machine.travel(expiry - dt.timedelta(days=12, hours=3), tick=False):
        messages = signing_credentials(None)
        err = io.StringIO()
        call_command("check", stdout=io.StringIO(), stderr=err)

    expected = f"The signing certificate expires in 12 days ({expiry:%Y-%m-%d})."
    assert [(m.id, m.msg) for m in messages] == [("labeling.W001", expected)]
    assert f"?: (labeling.W001) {expected}" in err.getvalue()
    assert "labeling.W002" not in err.getvalue()


def test_usable_credentials_give_no_labeling_message(signing_keys):
    assert signing_credentials(None) == []
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "labeling." not in err.getvalue()
