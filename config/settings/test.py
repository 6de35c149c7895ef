"""Settings for the test suite: fast hashing, loopback mail, a throwaway data directory."""

import os
import tempfile
from pathlib import Path

from config.secret import TEST_SECRET_KEY
from config.settings.base import *  # noqa: F403

if not os.environ.get("MEDCODE_DATA_DIR"):
    DATA_DIR = Path(tempfile.mkdtemp(prefix="medcode-test-"))
    MEDCODE_CODEBOOK_DIR = DATA_DIR / "codebooks"
    STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The suite's own key: public like this file, so `medcode serve` refuses to serve with it (config/secret.py).
SECRET_KEY = SECRET_KEY or TEST_SECRET_KEY  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared in-memory database: the live server then gives each request thread its
    # own connection, as gunicorn workers have, so concurrent requests meet the real SQLite write lock
    # (IMMEDIATE transactions) instead of sharing one connection and one transaction. Nothing here needs
    # to survive a crash, hence no fsync.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(DATA_DIR) / "test-medcode.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA synchronous=OFF"  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Metering is on by default in an instance; tests that need it turn it on with the settings fixture.
MEDCODE_METERING = False
MEDCODE_API_ANON_RATE_PER_MINUTE = 1_000_000
