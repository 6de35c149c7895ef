"""Settings shared by every environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import data_dir, env_bool, env_int, env_list, env_str

MSG_CLIENT_IP_HEADER_GONE = (
    "MEDCODE_CLIENT_IP_HEADER is no longer read: it trusted the address a client writes itself. Unset it and "
    "set MEDCODE_TRUSTED_PROXIES to the number of reverse proxies in front of medcode (docs/configuration.md)"
)
MSG_TRUSTED_PROXIES = "MEDCODE_TRUSTED_PROXIES must be 0 or a positive number of reverse proxies"

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = data_dir()

# Empty here: local settings fall back to a per-instance key kept in the data directory, the test
# settings to the suite's own key, and production settings require DJANGO_SECRET_KEY (docs/adr/0037).
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
MEDCODE_SECRET_KEY_FILE: Path | None = None  # set when the key comes from the data directory
MEDCODE_SECRET_KEY_CREATED = False  # True in the process that generated that file
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # its bundled Swagger UI assets are served from /static/, not fetched from a CDN
    "medcode.core",
    "medcode.codebook",
    "medcode.web",
    "medcode.api",
    "medcode.rules",
    "medcode.accounts",
    "medcode.careers",
    "medcode.consult",
    "medcode.search",
    "medcode.assistant",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "medcode.core.middleware.RequestBoundsMiddleware",
    "medcode.core.middleware.ContentSecurityPolicyMiddleware",
    "medcode.core.middleware.NulCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medcode.core.middleware.ApplicationErrorMiddleware",
    "medcode.accounts.middleware.AccountActivityMiddleware",
]

# Flash messages ride in the session: the cookie store builds a signer on every request, API calls included.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medcode.web.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'medcode.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every transaction takes SQLite's write lock when it begins, so that read-then-write counters
    # (metering) never fail with "database is locked" half-way (docs/adr/0012-metering-counters.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# medcode
MEDCODE_CODEBOOK_DIR = Path(env_str("MEDCODE_CODEBOOK_DIR", str(DATA_DIR / "codebooks")))
MEDCODE_SITE_NAME = env_str("MEDCODE_SITE_NAME", "medcode")
# The site's public address, for links in e-mail (job alerts, consult replies).
MEDCODE_BASE_URL = env_str("MEDCODE_BASE_URL", "http://localhost:8000").rstrip("/")
# `medcode serve` (docs/adr/0045-serving-stack.md): gunicorn worker processes (default: one per usable core),
# threads per worker, worker class (gthread keeps connections alive; sync is the old one), keep-alive seconds,
# and an access log on standard output (off by default: formatting it costs about a tenth of an API request).
MEDCODE_WORKERS = env_int(
    "MEDCODE_WORKERS", len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
)
MEDCODE_THREADS = env_int("MEDCODE_THREADS", 8)
MEDCODE_WORKER_CLASS = env_str("MEDCODE_WORKER_CLASS", "gthread")
MEDCODE_KEEPALIVE_SECONDS = env_int("MEDCODE_KEEPALIVE_SECONDS", 5)
MEDCODE_ACCESS_LOG = env_bool("MEDCODE_ACCESS_LOG", False)
MEDCODE_AUTOCOMPLETE_CACHE = env_int("MEDCODE_AUTOCOMPLETE_CACHE", 10_000)
MEDCODE_EMBEDDING_MODEL_DIR = env_str("MEDCODE_EMBEDDING_MODEL_DIR", "")  # empty: the model package's own files
MEDCODE_ASSISTANT_RETENTION_DAYS = env_int("MEDCODE_ASSISTANT_RETENTION_DAYS", 30)
# The optional model behind the assistant: any OpenAI-compatible chat-completions endpoint; off when unset.
MEDCODE_LLM_BASE_URL = env_str("MEDCODE_LLM_BASE_URL", "")
MEDCODE_LLM_MODEL = env_str("MEDCODE_LLM_MODEL", "")
MEDCODE_LLM_API_KEY = env_str("MEDCODE_LLM_API_KEY", "")
MEDCODE_LLM_TIMEOUT = float(env_str("MEDCODE_LLM_TIMEOUT", "8"))

# accounts, metering, API keys and rate limits (docs/metering.md, docs/adr/0011-api-keys-and-rate-limits.md)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_RESET_TIMEOUT = env_int("MEDCODE_PASSWORD_RESET_TIMEOUT", 3 * 3600)
_redis_url = env_str("MEDCODE_REDIS_URL", "")
# Background work: inline after commit with no broker, queued on Redis for `medcode worker` when set.
MEDCODE_REDIS_URL = _redis_url
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "medcode"}
    )
}
# Mail goes out through SMTP when a host is configured, else it is printed to the console.
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "medcode <noreply@localhost>")
MEDCODE_METERING = env_bool("MEDCODE_METERING", True)
MEDCODE_DEVICE_COOKIE = "medcode_device"
MEDCODE_DEVICE_COOKIE_SECURE = env_bool("MEDCODE_DEVICE_COOKIE_SECURE", False)
# Reverse proxies in front of medcode that append to X-Forwarded-For; the client is the address just
# before them (medcode.accounts.http.client_ip). 0: REMOTE_ADDR, and X-Forwarded-For is ignored.
MEDCODE_TRUSTED_PROXIES = env_int("MEDCODE_TRUSTED_PROXIES", 0)
if env_str("MEDCODE_CLIENT_IP_HEADER", ""):
    raise ImproperlyConfigured(MSG_CLIENT_IP_HEADER_GONE)
if MEDCODE_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(MSG_TRUSTED_PROXIES)
MEDCODE_SELF_SERVICE_PLANS = env_bool("MEDCODE_SELF_SERVICE_PLANS", False)
MEDCODE_API_ANON_RATE_PER_MINUTE = env_int("MEDCODE_API_ANON_RATE_PER_MINUTE", 60)
MEDCODE_LOGIN_FAILURES_PER_15_MIN = env_int("MEDCODE_LOGIN_FAILURES_PER_15_MIN", 5)
MEDCODE_PASSWORD_RESETS_PER_HOUR = env_int("MEDCODE_PASSWORD_RESETS_PER_HOUR", 3)

# claim checker files (docs/security.md "Uploads and headers", docs/configuration.md)
MEDCODE_CLAIM_UPLOAD_MAX_BYTES = env_int("MEDCODE_CLAIM_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
MEDCODE_CLAIM_CSV_MAX_LINE_CHARS = env_int("MEDCODE_CLAIM_CSV_MAX_LINE_CHARS", 8192)
MEDCODE_CLAIM_CSV_MAX_FIELD_CHARS = env_int("MEDCODE_CLAIM_CSV_MAX_FIELD_CHARS", 2048)
# A file with more claims than this is checked in the background (progress page, results to download).
MEDCODE_CLAIM_SYNC_MAX_CLAIMS = env_int("MEDCODE_CLAIM_SYNC_MAX_CLAIMS", 50)
MEDCODE_CLAIM_BATCH_MAX_CLAIMS = env_int("MEDCODE_CLAIM_BATCH_MAX_CLAIMS", 100_000)
MEDCODE_CLAIM_BATCH_KEEP_HOURS = env_int("MEDCODE_CLAIM_BATCH_KEEP_HOURS", 24)
# Files checked at once: on the whole instance, and per uploader (account, or IP address for guests).
MEDCODE_CLAIM_BATCH_CONCURRENT = env_int("MEDCODE_CLAIM_BATCH_CONCURRENT", 4)
MEDCODE_CLAIM_BATCHES_PER_CLIENT = env_int("MEDCODE_CLAIM_BATCHES_PER_CLIENT", 1)
# Self only: scripts, styles, fonts, fetches and frames from this site; images also as data: URIs (Swagger UI's
# icons). No inline script or style anywhere (docs/security.md "Uploads and headers").
MEDCODE_CONTENT_SECURITY_POLICY = env_str(
    "MEDCODE_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# Any request body larger than this is refused (413) before it is read; uploads have their own, lower limits.
MEDCODE_REQUEST_MAX_BYTES = env_int("MEDCODE_REQUEST_MAX_BYTES", 12 * 1024 * 1024)

# private uploads (resumes): never served as static or media files, only through permission-checked views
MEDCODE_PRIVATE_DIR = Path(env_str("MEDCODE_PRIVATE_DIR", str(DATA_DIR / "private")))

# job board (docs/configuration.md)
MEDCODE_JOBS_RESUME_MAX_BYTES = env_int("MEDCODE_JOBS_RESUME_MAX_BYTES", 5 * 1024 * 1024)
MEDCODE_JOBS_DEFAULT_DAYS = env_int("MEDCODE_JOBS_DEFAULT_DAYS", 30)
MEDCODE_JOBS_ALERT_HOUR = env_int("MEDCODE_JOBS_ALERT_HOUR", 7)

# email consult desk (docs/configuration.md, docs/adr/0031-consult-desk-mail-handling.md)
MEDCODE_CONSULT_ADDRESS = env_str("MEDCODE_CONSULT_ADDRESS", "consult@localhost")
MEDCODE_CONSULT_FROM_NAME = env_str("MEDCODE_CONSULT_FROM_NAME", "medcode consult desk")

# Fernet keys (comma-separated, newest first) for patient data at rest; development derives one from SECRET_KEY.
MEDCODE_CONSULT_KEYS = env_list("MEDCODE_CONSULT_KEYS", [])
MEDCODE_CONSULT_RETENTION_DAYS = env_int("MEDCODE_CONSULT_RETENTION_DAYS", 90)
MEDCODE_CONSULT_MAX_MESSAGE_BYTES = env_int("MEDCODE_CONSULT_MAX_MESSAGE_BYTES", 10 * 1024 * 1024)
MEDCODE_CONSULT_MAX_ATTACHMENT_BYTES = env_int("MEDCODE_CONSULT_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)
MEDCODE_CONSULT_SENDER_RATE_PER_HOUR = env_int("MEDCODE_CONSULT_SENDER_RATE_PER_HOUR", 20)
MEDCODE_CONSULT_UNKNOWN_SENDERS = env_str("MEDCODE_CONSULT_UNKNOWN_SENDERS", "answer")
MEDCODE_CONSULT_GUEST_PER_MONTH = env_int("MEDCODE_CONSULT_GUEST_PER_MONTH", 3)
MEDCODE_CONSULT_MIN_CONFIDENCE = float(env_str("MEDCODE_CONSULT_MIN_CONFIDENCE", "0.6"))
MEDCODE_CONSULT_AUTO_REPLIES_PER_THREAD_HOUR = env_int("MEDCODE_CONSULT_AUTO_REPLIES_PER_THREAD_HOUR", 5)
MEDCODE_CONSULT_IMAP_HOST = env_str("MEDCODE_CONSULT_IMAP_HOST", "")
MEDCODE_CONSULT_IMAP_PORT = env_int("MEDCODE_CONSULT_IMAP_PORT", 993)
MEDCODE_CONSULT_IMAP_SSL = env_bool("MEDCODE_CONSULT_IMAP_SSL", True)
MEDCODE_CONSULT_IMAP_USER = env_str("MEDCODE_CONSULT_IMAP_USER", "")
MEDCODE_CONSULT_IMAP_PASSWORD = env_str("MEDCODE_CONSULT_IMAP_PASSWORD", "")
MEDCODE_CONSULT_IMAP_MAILBOX = env_str("MEDCODE_CONSULT_IMAP_MAILBOX", "INBOX")
MEDCODE_CONSULT_IMAP_INTERVAL = env_int("MEDCODE_CONSULT_IMAP_INTERVAL", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MEDCODE_LOG_LEVEL", "WARNING")},
    # aiosmtpd logs every DATA line at DEBUG: consult mail may hold patient data, so never below WARNING.
    # Django logs every 4xx ("Not Found: ...") as a warning, on the hot path of the helpful 404 page; 5xx stay
    # logged. MEDCODE_ACCESS_LOG shows every request with its status instead.
    "loggers": {
        "mail.log": {"level": "WARNING"},
        "django.request": {"level": env_str("MEDCODE_REQUEST_LOG_LEVEL", "ERROR")},
    },
}
