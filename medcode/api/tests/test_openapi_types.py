"""Every success response of the REST API is described by a typed schema in the OpenAPI document (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client

from medcode.codebook import store
from medcode.rules import classifiers, modifiers, services

# Routes whose answer is still a free-form object. The code page's answer becomes typed with
# codebook.services.code_page_get (another branch of issue 23); the rest are next. Remove a route from
# here when it gets its schema: the test fails on a listed route that is typed, so the list only shrinks.
STILL_UNTYPED = {
    ("get", "/api/v1/codes/{system}/{code}"),
    ("get", "/api/v1/releases/{system}/changes"),
    ("get", "/api/v1/rules/fee"),
}


def _typed(schema: dict[str, Any], components: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    """Whether a schema names its fields: an object with properties, a list of such, or a scalar."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name in seen or _typed(components[name], components, seen | {name})
    if "anyOf" in schema:
        return all(_typed(option, components, seen) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), components, seen)
    if schema.get("type") in (None, "object"):
        return bool(schema.get("properties"))
    return True


def _untyped(document: dict[str, Any]) -> set[tuple[str, str]]:
    components = document.get("components", {}).get("schemas", {})
    found = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is None or not _typed(schema, components):
                    found.add((method, path))
    return found


def test_every_success_response_has_a_typed_schema(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    untyped = _untyped(document)
    assert untyped - STILL_UNTYPED == set(), "untyped responses"
    assert STILL_UNTYPED - untyped == set(), "typed now: remove from STILL_UNTYPED"


def test_the_claim_search_case_to_code_and_assistant_answers_are_typed(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    untyped = _untyped(document)
    for route in [
        ("post", "/api/v1/rules/check"),
        ("post", "/api/v1/rules/check/csv"),
        ("get", "/api/v1/rules/check/files/{token}"),
        ("get", "/api/v1/search"),
        ("get", "/api/v1/autocomplete"),
        ("post", "/api/v1/case2code"),
        ("post", "/api/v1/assistant/ask"),
    ]:
        assert route[0] in document["paths"][route[1]], route
        assert route not in untyped, route


def test_the_walk_sees_a_free_form_object() -> None:
    document = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"type": "object", "additionalProperties": True}}
                            }
                        }
                    }
                }
            }
        },
    }
    assert _untyped(document) == {("get", "/x")}


def test_the_typed_claim_and_modifier_answers_are_the_services_answers(default_codebook: Path, client: Client) -> None:
    # the schemas describe the answer; they neither drop a field nor add an empty one
    store.forget()
    claim = {
        "date_of_service": "2026-01-15",
        "place_of_service": "11",
        "diagnoses": ["E11.9"],
        "lines": [
            {"code": "99213", "units": 1, "dx_pointers": [1]},
            {"code": "J3420", "units": 3, "modifiers": ["59"]},
        ],
    }
    answer = client.post("/api/v1/rules/check", json.dumps(claim), content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == json.loads(json.dumps(services.claim_check_json(claim)))
    for path, expected in [
        ("/api/v1/rules/dx/I50.20", classifiers.diagnosis_facts("I50.20")),
        ("/api/v1/rules/gems/25040?direction=9to10", classifiers.gems("25040", direction="9to10")),
    ]:
        got = client.get(path)
        assert got.status_code == 200 and got.json() == json.loads(json.dumps(expected)), path
    case = {"pdx": "I50.20", "sdx": ["N17.9"], "procedures": ["0DTJ4ZZ"]}
    grouped = client.post("/api/v1/rules/drg", json.dumps(case), content_type="application/json")
    expected = classifiers.drg_group(pdx="I50.20", sdx=["N17.9"], procedures=["0DTJ4ZZ"])
    assert grouped.status_code == 200 and grouped.json() == json.loads(json.dumps(expected))
    listed = client.get("/api/v1/rules/modifiers")
    assert listed.status_code == 200
    assert listed.json() == json.loads(json.dumps(modifiers.modifier_list()))
