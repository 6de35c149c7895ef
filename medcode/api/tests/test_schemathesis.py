"""Property-based run of the REST API against its own OpenAPI schema (schemathesis): no 5xx for any input.

The FHIR endpoints are not in the OpenAPI schema; hypothesis throws arbitrary parameters at them below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.codebook import store

pytestmark = pytest.mark.django_db


def _load() -> schemathesis.BaseSchema:
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load()  # the schema itself needs neither the database nor a codebook


@pytest.fixture
def api_key(default_codebook: Path) -> Iterator[str]:
    """A key for the account endpoints; requests go through the WSGI app, so keep the test's connection open
    (as Django's test client does: closing it would end the test transaction on PostgreSQL)."""
    store.forget()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield api_key_for(make_account().user)[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_rest_api_never_answers_5xx(case: schemathesis.Case[Any], api_key: str) -> None:
    case.call_and_validate(headers={"X-API-Key": api_key}, checks=[not_a_server_error])


OPERATIONS = [
    "CodeSystem/$lookup",
    "CodeSystem/$validate-code",
    "CodeSystem/$subsumes",
    "ValueSet/$expand",
    "ConceptMap/$translate",
    "ConceptMap/gem-icd9cm-to-icd10cm/$translate",
]
NAMES = [
    "system",
    "url",
    "code",
    "codeA",
    "codeB",
    "version",
    "display",
    "filter",
    "count",
    "offset",
    "date",
    "property",
    "abstract",
    "coding",
    "valueSetVersion",
    "source",
    "target",
    "targetsystem",
    "reverse",
    "conceptMapVersion",
]
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "http://hl7.org/fhir/sid/icd-10-cm",
            "http://hl7.org/fhir/sid/icd-10-cm?fhir_vs",
            "http://hl7.org/fhir/sid/icd-9-cm",
            "urn:medcode:conceptmap:gem-icd10cm-to-icd9cm",
            "250.60",
            "E1142",
            "NoDx",
            "E11.42",
            "0DTJ4ZZ",
            "J1100",
            "-1",
            "1e9",
            "true",
        ]
    ),
)
PARAM_VALUE = st.one_of(
    st.fixed_dictionaries({"valueString": st.text(max_size=20)}),
    st.fixed_dictionaries({"valueInteger": st.integers()}),
    st.fixed_dictionaries({"valueBoolean": st.booleans()}),
    st.fixed_dictionaries(
        {
            "valueCoding": st.dictionaries(
                st.sampled_from(["system", "code", "display", "version"]),
                st.one_of(st.text(max_size=20), st.integers()),
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "valueCodeableConcept": st.fixed_dictionaries(
                {
                    "coding": st.lists(
                        st.dictionaries(st.sampled_from(["system", "code"]), st.text(max_size=10)), max_size=3
                    )
                }
            )
        }
    ),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2),
)


@given(
    operation=st.sampled_from(OPERATIONS),
    query=st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=5),
    body=st.one_of(
        st.none(),
        st.text(max_size=40),
        st.builds(
            lambda params: {"resourceType": "Parameters", "parameter": params},
            st.lists(
                st.builds(
                    lambda name, value: {"name": name, **value},
                    st.sampled_from([*NAMES, "codeableConcept", "codingA", "codingB"]),
                    PARAM_VALUE,
                ),
                max_size=4,
            ),
        ),
    ),
)
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_fhir_operations_never_answer_5xx(
    default_codebook: Path, operation: str, query: list[tuple[str, str]], body: object
) -> None:
    store.forget()
    client = Client()
    if body is None:
        response = client.get(f"/fhir/{operation}", query)
    else:
        payload = body if isinstance(body, str) else json.dumps(body)
        response = client.post(f"/fhir/{operation}", payload, content_type="application/fhir+json")
    assert response.status_code < 500, response.content[:500]
    resource = response.json()
    assert resource["resourceType"] in ("Parameters", "ValueSet", "OperationOutcome")
