"""The WSGI application: the API calls take a shorter middleware chain than the pages (issue 24).

`/fhir/` and `/api/` requests that carry an API key, or no session cookie, never use a session, flash
messages, CSRF tokens or static files, so they skip SessionMiddleware, AuthenticationMiddleware,
CsrfViewMiddleware, MessageMiddleware and WhiteNoise. Everything else stays: host checks (CommonMiddleware),
security headers, request bounds, error pages, and AccountActivityMiddleware (rate-limit and access
headers; metering itself is `accounts.metering.access_decide`, called by the views). A browser with a session
that calls the API keeps the full chain, so its log-in still counts there (medcode.accounts.http.viewer_of).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

API_PREFIXES = ("/fhir/", "/api/")
# Page-only middleware: what a key-authenticated or cookie-less API call does not need.
API_SKIPPED = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)


def api_middleware(middleware: Iterable[str]) -> list[str]:
    return [m for m in middleware if m not in API_SKIPPED]


class ApiHandler(WSGIHandler):
    """A WSGIHandler over the API's middleware: the settings' list less the page-only entries."""

    middleware_names: list[str]

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads settings.MIDDLEWARE; give it the API's list for the time it builds the chain
        # (once, while the application is created, before any request is served).
        full = settings.MIDDLEWARE
        self.middleware_names = api_middleware(full)
        settings.MIDDLEWARE = self.middleware_names
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def short_path(environ: dict[str, Any]) -> bool:
    """True for an API request that may skip the page middleware."""
    if not environ.get("PATH_INFO", "").startswith(API_PREFIXES):
        return False
    if environ.get("HTTP_X_API_KEY") or environ.get("HTTP_AUTHORIZATION"):
        return True
    return f"{settings.SESSION_COOKIE_NAME}=" not in environ.get("HTTP_COOKIE", "")


class Application:
    """Pages through the full chain, API calls through the short one."""

    def __init__(self) -> None:
        self.pages = WSGIHandler()
        self.api = ApiHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        handler = self.api if short_path(environ) else self.pages
        return handler(environ, start_response)
