"""FHIR endpoints: GET or POST (Parameters), the API gate, and an OperationOutcome for every error."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from medcode.accounts import metering
from medcode.accounts.http import viewer_of
from medcode.api.answers import answers
from medcode.api.auth import api_gate
from medcode.api.fhir import conceptmap, operations
from medcode.api.fhir.resources import FHIR_JSON, FhirError, Params, outcome, params_parse
from medcode.codebook import selectors
from medcode.core.errors import ApplicationError, CodebookMissing

log = logging.getLogger(__name__)

ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 429: "throttled", 503: "transient"}
MSG_METHOD = "{method} is not supported here; use {allowed}"
MSG_FORMAT = "Only JSON is served: _format '{value}' is not supported"
MSG_NO_PATH = "No FHIR endpoint at /fhir/{path}; see /fhir/metadata"
MSG_INTERNAL = "The server failed to answer this request; it has been logged"

try:
    SOFTWARE_VERSION = version("medcode")
except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
    SOFTWARE_VERSION = "0"
STARTED = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def encode(resource: dict[str, Any]) -> bytes:
    return orjson.dumps(resource)


def respond(resource: dict[str, Any] | bytes, status: int = 200) -> HttpResponse:
    body = resource if isinstance(resource, bytes) else encode(resource)
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def error_response(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """An ApplicationError (API key, rate limit, codebook) as an OperationOutcome."""
    code = ISSUE_CODES.get(exc.status, "processing")
    return respond(outcome(code=code, diagnostics=exc.message), status=exc.status)


def fhir_view(
    *, methods: tuple[str, ...] = ("GET", "POST")
) -> Callable[[Callable[..., dict[str, Any] | bytes]], Callable[..., HttpResponse]]:
    """A FHIR endpoint: method and _format checks, the API gate, OperationOutcome for every failure.

    The view returns a resource (a dict) or its encoding (bytes, e.g. a cached answer)."""

    def decorate(view: Callable[..., dict[str, Any] | bytes]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def handle(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = respond(
                    outcome(
                        code="not-supported",
                        diagnostics=MSG_METHOD.format(method=request.method, allowed=" or ".join(methods)),
                    ),
                    status=405,
                )
                response["Allow"] = ", ".join(methods)
                return response
            fmt = request.GET.get("_format")
            if fmt and "json" not in fmt:
                return respond(outcome(code="not-supported", diagnostics=MSG_FORMAT.format(value=fmt)), status=406)
            try:
                return respond(view(request, *args, **kwargs))
            except FhirError as exc:
                return respond(outcome(code=exc.code, diagnostics=exc.message), status=exc.status)
            except CodebookMissing as exc:
                return respond(outcome(code="transient", diagnostics=exc.message), status=503)
            except ApplicationError as exc:
                return error_response(request, exc)
            except Exception:
                log.exception("FHIR %s %s failed", request.method, request.get_full_path())
                return respond(outcome(code="exception", diagnostics=MSG_INTERNAL), status=500)

        return csrf_exempt(api_gate(scope="read", on_error=error_response)(handle))

    return decorate


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


@fhir_view(methods=("GET",))
def metadata(request: HttpRequest) -> dict[str, Any]:
    """The CapabilityStatement (or TerminologyCapabilities with mode=terminology)."""
    args = {"base_url": _base_url(request), "software_version": SOFTWARE_VERSION, "date": STARTED}
    if request.GET.get("mode") == "terminology":
        return operations.terminology_capabilities(**args)
    return operations.capability_statement(**args)


def _query_key(request: HttpRequest, operation: str, resource_id: str | None) -> tuple[str, str | None, str] | None:
    """The answer cache's key of a GET operation (None for POST: its input is in the body)."""
    if request.method != "GET":
        return None
    return (operation, resource_id, request.META.get("QUERY_STRING", ""))


@fhir_view()
def codesystem_lookup(request: HttpRequest, resource_id: str | None = None) -> dict[str, Any] | bytes:
    """CodeSystem/$lookup, metered as code pages are (docs/metering.md): notes need a key whose plan allows them.

    A GET's concept and its encoded answer for each access level come from the per-process answer cache
    (medcode/api/answers.py); the access decision is made for every request."""
    key = _query_key(request, "lookup", resource_id)
    params = params_parse(request)
    concept = answers.get(key) if key is not None else None
    if concept is None:
        concept = operations.lookup_concept(params, resource_id)
        if key is not None:
            answers.put(key, concept)
    assert isinstance(concept, selectors.ConceptRow)
    access = metering.access_decide(
        viewer=viewer_of(request, interface="fhir"), system=concept.system, code=concept.code
    )
    request.code_access = access  # type: ignore[attr-defined]

    def make() -> bytes:
        return encode(
            operations.lookup(params, resource_id, concept=concept, locked=access.locked, notice=access.message)
        )

    if key is None:
        return make()
    return answers.get_or_make((*key, access.locked, access.message), make)


@fhir_view()
def codesystem_validate_code(request: HttpRequest, resource_id: str | None = None) -> dict[str, Any] | bytes:
    """CodeSystem/$validate-code (a GET's encoded answer from the per-process answer cache)."""
    key = _query_key(request, "validate-code", resource_id)
    if key is None:
        return operations.validate_code(params_parse(request), resource_id)
    return answers.get_or_make(key, lambda: encode(operations.validate_code(params_parse(request), resource_id)))


@fhir_view()
def codesystem_subsumes(request: HttpRequest, resource_id: str | None = None) -> dict[str, Any]:
    """CodeSystem/$subsumes."""
    return operations.subsumes(params_parse(request), resource_id)


@fhir_view()
def valueset_expand(request: HttpRequest, resource_id: str | None = None) -> dict[str, Any] | bytes:
    """ValueSet/$expand of a code system's implicit value set (a GET's answer from the answer cache)."""
    key = _query_key(request, "expand", resource_id)
    if key is None:
        return operations.expand(params_parse(request), resource_id)
    return answers.get_or_make(key, lambda: encode(operations.expand(params_parse(request), resource_id)))


@fhir_view(methods=("GET",))
def codesystem_read(request: HttpRequest, resource_id: str) -> dict[str, Any]:
    """Read a CodeSystem (without its concepts)."""
    return operations.codesystem_read(resource_id)


@fhir_view(methods=("GET",))
def valueset_read(request: HttpRequest, resource_id: str) -> dict[str, Any]:
    """Read an implicit ValueSet (its definition; $expand lists its codes)."""
    resource = operations.expand(Params({"count": ["0"]}), resource_id)
    resource.pop("expansion")
    return resource


@fhir_view()
def conceptmap_translate(request: HttpRequest, resource_id: str | None = None) -> dict[str, Any]:
    """ConceptMap/$translate over the GEMs."""
    return conceptmap.translate(params_parse(request), resource_id)


@fhir_view(methods=("GET",))
def conceptmap_read(request: HttpRequest, resource_id: str) -> dict[str, Any]:
    """Read one of the implicit GEM ConceptMaps (without its groups)."""
    return conceptmap.conceptmap_read(resource_id)


@fhir_view(methods=("GET", "POST", "PUT", "DELETE", "PATCH"))
def not_found(request: HttpRequest, path: str = "") -> dict[str, Any]:
    """Anything else under /fhir/."""
    raise FhirError(404, "not-found", MSG_NO_PATH.format(path=path))
