"""Account hooks around views: meter code pages, record searches, add rate-limit headers.

Kept in a middleware so that the code page, the search page and the REST search stay as they are:
the code page template asks `request.code_access` (set here) which sections to show. The REST API, FHIR
and the assistant set `request.code_access` themselves (`metering.access_decide`); the headers
X-Medcode-Access and X-Medcode-Access-Message are added here for all of them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from medcode.accounts import metering, services
from medcode.accounts.http import viewer_of
from medcode.codebook import selectors as codebook
from medcode.core.errors import ApplicationError

log = logging.getLogger(__name__)

CODE_PAGE_VIEWS = {"codebook:code"}
# Searches that go into a logged-in user's history: (view name, source)
SEARCH_VIEWS = {"web:search": "web", "api-v1:search": "api"}
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600


class AccountActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        self._rate_headers(request, response)
        self._access_headers(request, response)
        if getattr(request, "new_device", None):
            response.set_signed_cookie(
                settings.MEDCODE_DEVICE_COOKIE,
                request.new_device,  # type: ignore[attr-defined]
                salt="medcode.device",
                max_age=DEVICE_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.MEDCODE_DEVICE_COOKIE_SECURE,
            )
        match = request.resolver_match
        if match is not None and match.view_name in SEARCH_VIEWS and response.status_code == 200:
            self._record_search(request, SEARCH_VIEWS[match.view_name])
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        match = request.resolver_match
        if match is None or match.view_name not in CODE_PAGE_VIEWS or request.method not in ("GET", "HEAD"):
            return None
        if not settings.MEDCODE_METERING:
            return None
        try:
            as_of = codebook.parse_date(request.GET.get("date"))
            concept = codebook.concept_get(system=view_kwargs["system"], code=view_kwargs["code"], as_of=as_of)
        except (ApplicationError, KeyError):
            return None  # the view answers: not found, bad date, unknown system
        if concept.code != view_kwargs["code"]:
            return None  # the view redirects to the canonical code: count that page instead
        viewer = viewer_of(request, interface="page")
        if viewer.guest and viewer.device is None:
            # A guest is counted by IP always and by device once the browser sends the cookie back, so
            # clients that never keep cookies (bots, scripts) do not create a counter per request.
            request.new_device = str(uuid.uuid4())  # type: ignore[attr-defined]
        request.code_access = metering.access_decide(  # type: ignore[attr-defined]
            viewer=viewer, system=concept.system, code=concept.code
        )
        return None

    @staticmethod
    def _rate_headers(request: HttpRequest, response: HttpResponse) -> None:
        exceeded = getattr(request, "rate_limit_exceeded", None)
        if exceeded is not None:
            response["Retry-After"] = str(exceeded.extra["retry_after"])
            response["X-RateLimit-Limit"] = str(exceeded.extra["limit"])
            response["X-RateLimit-Remaining"] = "0"
            response["X-RateLimit-Reset"] = str(exceeded.extra["retry_after"])
            return
        decision = getattr(request, "rate_limit", None)
        if decision is not None:
            response["X-RateLimit-Limit"] = str(decision.limit)
            response["X-RateLimit-Remaining"] = str(decision.remaining)
            response["X-RateLimit-Reset"] = str(decision.reset_in)

    @staticmethod
    def _access_headers(request: HttpRequest, response: HttpResponse) -> None:
        """Say on every interface whether a code was shown in full, and if not what is needed (docs/metering.md)."""
        access: metering.Access | None = getattr(request, "code_access", None)
        if access is None:
            return
        response["X-Medcode-Access"] = "full" if access.full else "public"
        if access.message:
            response["X-Medcode-Access-Message"] = access.message

    @staticmethod
    def _record_search(request: HttpRequest, source: str) -> None:
        query = request.GET.get("q", "").strip()
        if not query:
            return
        principal = getattr(request, "api_principal", None)
        if source == "api":
            user_id = principal.user_id if principal is not None else None
        else:
            user_id = request.user.pk if request.user.is_authenticated else None
        if user_id is None:
            return
        try:
            services.search_record(user_id=user_id, query=query, system=request.GET.get("system"), source=source)
        except Exception:  # history is a convenience: never fail the search over it
            log.exception("could not record a search in the history")
