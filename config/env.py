"""The one place that reads environment variables (DJANGO_* for Django, MEDCODE_* for medcode)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MSG_REQUIRED = "Environment variable {name} is required in production and has no default"


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(MSG_REQUIRED.format(name=name))
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """Where medcode keeps its codebooks and (by default) its SQLite database."""
    return Path(env_str("MEDCODE_DATA_DIR", str(Path.cwd() / "var"))).expanduser().resolve()
