"""The instance's SECRET_KEY: DJANGO_SECRET_KEY, or a random key generated once and kept in the data directory."""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "secret_key"
# Keys that were published in this repository: anyone can sign sessions and links with them, so an
# instance never serves with one (`medcode serve` refuses) and consult data encrypted under a key
# derived from them is only ever decrypted, to be re-encrypted (docs/adr/0037).
LEGACY_DEVELOPMENT_KEY = "medcode-development-key-not-for-production"  # the old default of every instance
TEST_SECRET_KEY = "medcode-test-suite-key-published-in-the-repository-never-served"  # noqa: S105 - public on purpose
PUBLIC_KEYS = (LEGACY_DEVELOPMENT_KEY, TEST_SECRET_KEY)

MSG_KEY_FILE_MODE = (
    "The secret key file {path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` "
    "or set DJANGO_SECRET_KEY"
)
MSG_KEY_FILE_BAD = (
    "The secret key file {path} is empty or too short; delete it to generate a new one, or set DJANGO_SECRET_KEY"
)
MIN_LENGTH = 50


@dataclass(frozen=True)
class InstanceKey:
    """A per-instance key and where it is kept; created is True when this process generated it."""

    key: str
    path: Path
    created: bool


def instance_key(directory: Path) -> InstanceKey:
    """The key kept in directory/secret_key, generated now (mode 0600, atomically) if there is none.

    Several processes may start at once (the server and its workers, a worker, the consult listener):
    each writes its candidate to a private temporary file and links it into place; a link never
    replaces an existing file, so the first one wins and every process reads that one.
    """
    path = directory / KEY_FILE_NAME
    created = False
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        candidate = secrets.token_urlsafe(64)
        temporary = directory / f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(candidate + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temporary, path)
                created = True
            except FileExistsError:
                pass  # another process was first: use its key
        finally:
            temporary.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ImproperlyConfigured(MSG_KEY_FILE_MODE.format(path=path, mode=mode))
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(MSG_KEY_FILE_BAD.format(path=path))
    return InstanceKey(key=key, path=path, created=created)
