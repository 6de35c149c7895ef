"""Encryption at rest of consult content (questions may hold patient data): Fernet keys from the environment.

MEDCODE_CONSULT_KEYS holds one or more Fernet keys, newest first; the newest encrypts, all decrypt, so a
key can be rotated. In development, with no key set, one is derived from the instance's SECRET_KEY, and
the key derived from the old public development key still decrypts (never encrypts) what was stored
before instances got a key of their own (docs/adr/0037); production settings refuse to start without a key.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from config.secret import LEGACY_DEVELOPMENT_KEY

MSG_BAD_KEY = "MEDCODE_CONSULT_KEYS: each key must be a Fernet key (32 url-safe base64-encoded bytes); generate one with `medcode consult genkey`"
MSG_UNDECRYPTABLE = "[this content cannot be decrypted with the configured MEDCODE_CONSULT_KEYS]"


def _derived(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"medcode-consult:{secret}".encode()).digest()).decode()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        # Decrypt-only fallback: consults stored under the old public development key stay readable until
        # retention deletes them; everything written from now on uses the instance's own key.
        keys = tuple(dict.fromkeys((_derived(secret), _derived(LEGACY_DEVELOPMENT_KEY))))
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(MSG_BAD_KEY) from exc


def keys_check(keys: list[str]) -> str | None:
    """None when every configured key is a valid Fernet key, else the message saying what is wrong."""
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return f"{MSG_BAD_KEY} (key {position} of {len(keys)} is not)"
    return None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.MEDCODE_CONSULT_KEYS), settings.SECRET_KEY)


def encrypt(data: bytes) -> str:
    return fernet().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    return fernet().decrypt(token.encode("ascii"))


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored as a Fernet token; Python sees the plain text. Not searchable or orderable in SQL."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return None if value is None else ""
        try:
            return decrypt(value).decode("utf-8")
        except InvalidToken:
            return MSG_UNDECRYPTABLE

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value).encode("utf-8"))


class EncryptedBytesField(models.Field):  # type: ignore[type-arg]
    """Bytes (attachments) stored as a Fernet token in a text column."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if value is None or value == "":
            return b"" if value == "" else None
        try:
            return decrypt(value)
        except InvalidToken:
            return b""

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(bytes(value))
