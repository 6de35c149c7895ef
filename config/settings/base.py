"""Settings shared by every environment."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import data_dir, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = data_dir()

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "medcode-development-key-not-for-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "medcode.core",
    "medcode.codebook",
    "medcode.web",
    "medcode.api",
    "medcode.rules",
    "medcode.assistant",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medcode.core.middleware.ApplicationErrorMiddleware",
]

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
MEDCODE_WORKERS = env_int("MEDCODE_WORKERS", 2)
MEDCODE_ASSISTANT_RETENTION_DAYS = env_int("MEDCODE_ASSISTANT_RETENTION_DAYS", 30)
# The optional model behind the assistant: any OpenAI-compatible chat-completions endpoint; off when unset.
MEDCODE_LLM_BASE_URL = env_str("MEDCODE_LLM_BASE_URL", "")
MEDCODE_LLM_MODEL = env_str("MEDCODE_LLM_MODEL", "")
MEDCODE_LLM_API_KEY = env_str("MEDCODE_LLM_API_KEY", "")
MEDCODE_LLM_TIMEOUT = float(env_str("MEDCODE_LLM_TIMEOUT", "8"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MEDCODE_LOG_LEVEL", "WARNING")},
}
