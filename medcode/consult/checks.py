"""System checks of the consult desk: its encryption keys must be valid Fernet keys (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from medcode.consult import crypto

MSG_DERIVED_KEY = (
    "MEDCODE_CONSULT_KEYS is not set: consult content is encrypted with a key derived from SECRET_KEY, so "
    "anyone who learns SECRET_KEY can read it and changing SECRET_KEY makes it unreadable"
)


@register(Tags.security)
def consult_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An invalid MEDCODE_CONSULT_KEYS fails here, not when the first consult arrives."""
    problem = crypto.keys_check(list(settings.MEDCODE_CONSULT_KEYS))
    if problem:
        return [Error(problem, id="medcode.consult.E001")]
    return []


@register(Tags.security, deploy=True)
def consult_keys_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A deployment keeps its own consult keys, apart from SECRET_KEY."""
    if not settings.MEDCODE_CONSULT_KEYS:
        return [
            Warning(
                MSG_DERIVED_KEY, hint="set MEDCODE_CONSULT_KEYS (`medcode consult genkey`)", id="medcode.consult.W001"
            )
        ]
    return []
