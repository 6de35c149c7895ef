"""The API gate as a django-ninja auth class and as a decorator for plain views (FHIR, NLM-style endpoints).

Both resolve the caller with `accounts.apikeys.request_authorize`: an API key from `X-API-Key` or
`Authorization: Bearer`, checked for its scope and counted against its per-minute rate; without a
key, an anonymous client counted per IP (MEDCODE_API_ANON_RATE_PER_MINUTE). See docs/adr/0011.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.security import APIKeyHeader

from medcode.accounts import apikeys
from medcode.accounts.errors import RateLimited
from medcode.accounts.http import client_ip
from medcode.core.errors import ApplicationError


def raw_key_of(request: HttpRequest) -> str | None:
    key = request.headers.get("X-API-Key")
    if not key:
        authorization = request.headers.get("Authorization", "")
        if authorization[:7].lower() == "bearer ":
            key = authorization[7:]
    return key.strip() if key and key.strip() else None


def authorize(request: HttpRequest, *, scope: str, anonymous: bool) -> apikeys.Principal:
    """Resolve the caller and remember the rate decision on the request (the middleware adds the headers)."""
    try:
        principal = apikeys.request_authorize(
            raw_key=raw_key_of(request), ip=client_ip(request), scope=scope, anonymous=anonymous
        )
    except RateLimited as exc:
        request.rate_limit_exceeded = exc  # type: ignore[attr-defined]
        raise
    request.rate_limit = principal.rate  # type: ignore[attr-defined]
    request.api_principal = principal  # type: ignore[attr-defined]
    return principal


class ApiKeyAuth(APIKeyHeader):
    """django-ninja auth: `auth=ApiKeyAuth()` (read scope, anonymous allowed) or `ApiKeyAuth(scope="account", anonymous=False)`."""

    param_name = "X-API-Key"

    def __init__(self, *, scope: str = "read", anonymous: bool = True) -> None:
        self.scope = scope
        self.anonymous = anonymous
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        return raw_key_of(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> apikeys.Principal:
        return authorize(request, scope=self.scope, anonymous=self.anonymous)


def json_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse({"error": exc.message, **exc.extra}, status=exc.status)


def api_gate(
    *,
    scope: str = "read",
    anonymous: bool = True,
    on_error: Callable[[HttpRequest, ApplicationError], HttpResponse] = json_error,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for a plain Django view: the same keys, scopes and limits as the REST API.

    `on_error` renders a refused request (JSON {"error", ...} by default; FHIR views pass their
    OperationOutcome renderer). The principal is at `request.api_principal`.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                authorize(request, scope=scope, anonymous=anonymous)
            except ApplicationError as exc:
                return on_error(request, exc)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
