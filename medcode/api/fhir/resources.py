"""FHIR R4 building blocks: Parameters in and out, OperationOutcome, errors carrying an issue code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json; charset=utf-8"

MSG_BODY_NOT_JSON = "The request body is not JSON: {error}"
MSG_BODY_NOT_PARAMETERS = "The request body must be a Parameters resource (resourceType 'Parameters')"
MSG_PARAM_SHAPE = "Parameter #{index} needs a name and exactly one value[x]"
MSG_PARAM_REPEATED = "Parameter '{name}' may be given only once"
MSG_PARAM_TYPE = "Parameter '{name}' must be a {expected}"
MSG_PARAM_REQUIRED = "Parameter '{name}' is required"


class FhirError(Exception):
    """An error answered with an OperationOutcome: HTTP status, issue type code and diagnostics."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def outcome(*, code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


@dataclass
class Params:
    """Operation input: name -> values; a value is a str (from the query or value[x] primitives) or a dict (Coding...)."""

    values: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.values.setdefault(name, []).append(value)

    def all(self, name: str) -> list[Any]:
        return self.values.get(name, [])

    def one(self, name: str) -> Any | None:
        found = self.values.get(name, [])
        if len(found) > 1:
            raise FhirError(400, "invalid", MSG_PARAM_REPEATED.format(name=name))
        return found[0] if found else None

    def string(self, name: str) -> str | None:
        value = self.one(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise FhirError(400, "invalid", MSG_PARAM_TYPE.format(name=name, expected="string"))
        return value

    def required(self, name: str) -> str:
        value = self.string(name)
        if value is None or value == "":
            raise FhirError(400, "required", MSG_PARAM_REQUIRED.format(name=name))
        return value

    def integer(self, name: str) -> int | None:
        value = self.one(name)
        if value is None:
            return None
        try:
            number = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 0 or str(value).strip() not in (str(number), f"+{number}"):
            raise FhirError(400, "invalid", MSG_PARAM_TYPE.format(name=name, expected="non-negative integer"))
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.one(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        raise FhirError(400, "invalid", MSG_PARAM_TYPE.format(name=name, expected="boolean (true or false)"))

    def coding(self, name: str) -> dict[str, Any] | None:
        value = self.one(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise FhirError(400, "invalid", MSG_PARAM_TYPE.format(name=name, expected="Coding (send it by POST)"))
        return value


PRIMITIVE_VALUES = (
    "valueString",
    "valueCode",
    "valueUri",
    "valueUrl",
    "valueCanonical",
    "valueDate",
    "valueDateTime",
    "valueInteger",
    "valueUnsignedInt",
    "valuePositiveInt",
    "valueBoolean",
    "valueId",
)


def params_parse(request: HttpRequest) -> Params:
    """Query parameters, plus for POST the Parameters resource in the body (FHIR's two ways to call an operation)."""
    params = Params()
    for name in request.GET:
        if name.startswith("_"):
            continue
        for query_value in request.GET.getlist(name):
            params.add(name, query_value)
    if request.method != "POST" or not request.body.strip():
        return params
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FhirError(400, "structure", MSG_BODY_NOT_JSON.format(error=exc)) from None
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise FhirError(400, "structure", MSG_BODY_NOT_PARAMETERS)
    entries = body.get("parameter", [])
    if not isinstance(entries, list):
        raise FhirError(400, "structure", MSG_BODY_NOT_PARAMETERS)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise FhirError(400, "structure", MSG_PARAM_SHAPE.format(index=index))
        values = [k for k in entry if k.startswith("value")]
        if len(values) != 1:
            raise FhirError(400, "structure", MSG_PARAM_SHAPE.format(index=index))
        value: Any = entry[values[0]]
        if values[0] in PRIMITIVE_VALUES:
            if values[0] == "valueBoolean":
                value = value if isinstance(value, bool) else str(value)
            elif not isinstance(value, str | int) or isinstance(value, bool):
                raise FhirError(400, "structure", MSG_PARAM_SHAPE.format(index=index))
            else:
                value = str(value) if not isinstance(value, bool) else value
        elif not isinstance(value, dict):
            raise FhirError(400, "structure", MSG_PARAM_SHAPE.format(index=index))
        params.add(entry["name"], value)
    return params


def parameters(*entries: dict[str, Any] | None) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [e for e in entries if e is not None]}


def param(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"name": name, f"value{kind}": value}


def part(name: str, *parts: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "part": list(parts)}
