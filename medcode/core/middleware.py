"""Request-wide middleware: NUL characters in input, and ApplicationError raised below a view rendered as a friendly
page (or JSON for API paths)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render

from medcode.core.errors import ApplicationError

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"error": exception.message, **exception.extra}, status=exception.status)
        return render(
            request,
            "web/error.html",
            {"status": exception.status, "message": exception.message},
            status=exception.status,
        )


NUL = "\x00"
MSG_NUL_BODY = "The request body contains a NUL character (\\u0000), which no field accepts"


class NulCharacterMiddleware:
    """No field takes a NUL character (PostgreSQL cannot store one, and no code, term or note has one).

    In query strings and form fields it is read as a space, as search reads it; a JSON body that holds one is
    refused with a message saying so. Without this, a filter such as ``/api/v1/jobs?location=%00`` reached the
    database and failed there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            request.GET = _without_nul(request.GET)
        if request.method == "POST":
            if request.content_type == "application/json":
                if b"\\u0000" in request.body or NUL.encode() in request.body:
                    return JsonResponse({"error": MSG_NUL_BODY}, status=400)
            elif any(NUL in value for value in request.POST.values()):
                request.POST = _without_nul(request.POST)
        return self.get_response(request)


def _without_nul(params: QueryDict) -> _ImmutableQueryDict:
    """The same parameters (an immutable QueryDict), each NUL a space."""
    pairs = [(key.replace(NUL, " "), value.replace(NUL, " ")) for key, values in params.lists() for value in values]
    return QueryDict(urlencode(pairs))
