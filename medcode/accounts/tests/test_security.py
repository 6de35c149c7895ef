"""Security settings: argon2 hashing, a clean `manage.py check --deploy`, secure cookies in production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

from config.settings import base

REPO = Path(__file__).resolve().parents[3]


def test_passwords_are_hashed_with_argon2_outside_the_test_suite() -> None:
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    hashed = hasher.encode("correct horse battery staple", hasher.salt())
    assert hashed.startswith("argon2$argon2id$") and hasher.verify("correct horse battery staple", hashed)


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MEDCODE_DATA_DIR": str(tmp_path),
        "MEDCODE_CONSULT_KEYS": "kR7oQ7l0yq3mJmO6HqH2lq9y1w0o3o2mY9Wm3bWJg2o=",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for Playwright; never in deployment
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "MEDCODE_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_the_device_cookie_is_signed_http_only(client, settings, default_codebook: Path) -> None:  # type: ignore[no-untyped-def]
    from medcode.codebook import store

    store.forget()
    settings.MEDCODE_METERING = True
    cookie = client.get("/codes/icd10cm/I10/").cookies["medcode_device"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and ":" in cookie.value


@pytest.mark.parametrize("keys", ["not-a-fernet-key", "kR7oQ7l0yq3mJmO6HqH2lq9y1w0o3o2mY9Wm3bWJg2o=,c2hvcnQ="])
def test_check_deploy_flags_invalid_consult_keys(tmp_path: Path, keys: str) -> None:
    from medcode.consult.crypto import MSG_BAD_KEY

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MEDCODE_DATA_DIR": str(tmp_path),
        "MEDCODE_CONSULT_KEYS": keys,
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "medcode.consult.E001" in result.stderr and MSG_BAD_KEY in result.stderr
    assert keys.split(",")[-1] not in result.stderr  # the message names the key's place, never the key
