"""REST API v1: one NinjaAPI; each domain adds its router module below. Errors are JSON with a message."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from medcode.api import accounts, assistant, codebook, jobs, search
from medcode.api import consult as consult_api
from medcode.api import guidance as guidance_api
from medcode.api import rules as rules_api
from medcode.api.auth import ApiKeyAuth
from medcode.api.renderers import ORJSONRenderer
from medcode.core.errors import ApplicationError

api = NinjaAPI(
    title="medcode API",
    version="1",
    description='Code look-up, search and releases over the active codebook; billing rules; the coding assistant. Every error is JSON: {"error": ...}.',
    urls_namespace="api-v1",
    # Every endpoint passes the API gate: a key (X-API-Key) within its rate, or an anonymous client within
    # the per-IP rate; routers that need more say so (docs/adr/0011-api-keys-and-rate-limits.md).
    auth=ApiKeyAuth(scope="read", anonymous=True),
    renderer=ORJSONRenderer(),
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, {"error": exc.message, **exc.extra}, status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error.get('loc', [])[1:]) or 'input'}: {error.get('msg', 'invalid')}"
        for error in exc.errors
    )
    return api.create_response(request, {"error": f"Invalid request: {problems}"}, status=422)


MSG_BODY_NOT_JSON = "The request body is not valid JSON (send a JSON object with Content-Type: application/json)"
MSG_NOT_FOUND = "Not found: {detail}"


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own errors (a body it cannot parse, ...) in the API's shape: {"error": ...}."""
    message = MSG_BODY_NOT_JSON if str(exc).startswith("Cannot parse request body") else str(exc)
    return api.create_response(request, {"error": message}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"error": MSG_NOT_FOUND.format(detail=exc or request.path)}, status=404)


# Routers, one per domain.
api.add_router("/", codebook.router)
api.add_router("/", guidance_api.router)
api.add_router("/rules/", rules_api.router)
api.add_router("/", accounts.router)
api.add_router("/", search.router)
api.add_router("/", assistant.router)
api.add_router("/", jobs.router)
api.add_router("/", consult_api.router)
