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

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Metering is on by default in an instance; tests that need it turn it on with the settings fixture.
MEDCODE_METERING = False
MEDCODE_API_ANON_RATE_PER_MINUTE = 1_000_000
