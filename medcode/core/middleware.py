"""Request-wide middleware: request bodies bounded before they are read, JSON errors on API routes, NUL characters in
input, and ApplicationError raised below a view rendered as a friendly page (or JSON for API paths)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
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


# --- request size and API errors -----------------------------------------------------------------------------

MSG_BODY_TOO_BIG = "The request body is {size} bytes; the limit here is {limit:,} bytes"
MSG_API_STATUS = {
    400: "Bad request: the request could not be read",
    403: "Forbidden: {reason}",
    404: "No endpoint at {path}; the API is described at /api/v1/docs",
    405: "{method} is not allowed on {path}",
    500: "The server failed to answer this request; it has been logged",
}
MSG_FHIR_NOT_FOUND = "No FHIR endpoint at {path}; see /fhir/metadata"
FHIR_ISSUE = {400: "invalid", 403: "forbidden", 404: "not-found", 405: "not-supported", 413: "too-long"}
FHIR_JSON = "application/fhir+json; charset=utf-8"
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def api_kind(path: str) -> str | None:
    """'fhir' for the FHIR terminology service, 'api' for the REST API, None for pages."""
    if path.startswith("/fhir/") or path == "/fhir":
        return "fhir"
    if path.startswith("/api/") or path == "/api":
        return "api"
    return None


def api_error(kind: str, status: int, message: str) -> HttpResponse:
    """An error in the shape of its API: {"error": ...} for REST, an OperationOutcome for FHIR."""
    if kind == "fhir":
        import json

        body = {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": FHIR_ISSUE.get(status, "exception" if status >= 500 else "processing"),
                    "diagnostics": message,
                }
            ],
        }
        return HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    return JsonResponse({"error": message}, status=status)


class RequestBoundsMiddleware:
    """Bodies are bounded before they are read, and every error on /api/ and /fhir/ is JSON.

    - On the APIs a body over DATA_UPLOAD_MAX_MEMORY_SIZE gets 413 (JSON, or an OperationOutcome) before a byte of
      it is read; the body of a request without Content-Length is read once here within that bound.
    - Any other request over MEDCODE_REQUEST_MAX_BYTES gets a 413 page (uploads have their own, lower limits).
    - An API response that Django or a decorator made in HTML (404, 405, a CSRF 403, the 500 page) is answered
      as JSON in the API's shape instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = api_kind(request.path_info)
        refused = self._too_big(request, kind)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if kind is not None and response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            return api_error(kind, response.status_code, _status_message(kind, request, response))
        return response

    def _too_big(self, request: HttpRequest, kind: str | None) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if kind is None:
            limit = settings.MEDCODE_REQUEST_MAX_BYTES
            if length > limit:
                message = MSG_BODY_TOO_BIG.format(size=f"{length:,}", limit=limit)
                return render(request, "web/error.html", {"status": 413, "message": message}, status=413)
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or request.method not in BODY_METHODS:
            return None
        if length > limit:
            return api_error(kind, 413, MSG_BODY_TOO_BIG.format(size=f"{length:,}", limit=limit))
        if not request.META.get("CONTENT_LENGTH") and request.META.get("HTTP_TRANSFER_ENCODING"):
            try:
                body = request.read(limit + 1)
            except RequestDataTooBig:
                return api_error(kind, 413, MSG_BODY_TOO_BIG.format(size=f"over {limit:,}", limit=limit))
            if len(body) > limit:
                return api_error(kind, 413, MSG_BODY_TOO_BIG.format(size=f"over {limit:,}", limit=limit))
            request._body = body  # what request.body returns from now on
        else:
            # Read once, within the bound: a form parser further down (NUL checks) then works on this copy, and the
            # endpoint can still read the body (a multipart post to a JSON endpoint is a 400, not a 500).
            request.body  # noqa: B018
        return None


def _status_message(kind: str, request: HttpRequest, response: HttpResponse) -> str:
    status = response.status_code
    if kind == "fhir" and status == 404:
        return MSG_FHIR_NOT_FOUND.format(path=request.path)
    template = MSG_API_STATUS.get(status)
    if template is None:
        return response.reason_phrase or f"HTTP {status}"
    reason = getattr(response, "medcode_reason", "") or response.reason_phrase or ""
    if status == 403 and "CSRF" in response.content.decode("utf-8", "replace"):
        reason = "CSRF verification failed (an API client sends an API key, not a session cookie)"
    return template.format(reason=reason, path=request.path, method=request.method)


class ContentSecurityPolicyMiddleware:
    """Every response carries MEDCODE_CONTENT_SECURITY_POLICY (self only: no inline script or style, nothing from
    another origin) unless the view set its own; empty turns the header off. Django 5.2 has no CSP of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.MEDCODE_CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
