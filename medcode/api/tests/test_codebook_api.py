"""REST v1 codebook endpoints and the OpenAPI schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from medcode.codebook import store

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client()


def test_openapi_schema_builds_and_lists_the_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "medcode API"
    assert {"/api/v1/codes/{system}/{code}", "/api/v1/releases", "/api/v1/search"} <= set(schema["paths"])
    assert client.get("/api/v1/docs").status_code == 200


def test_code_lookup(client: Client) -> None:
    data = client.get("/api/v1/codes/icd10cm/e1142").json()
    assert data["code"] == "E11.42" and data["concept"]["billable"] is True


def test_errors_are_json_with_a_message(client: Client) -> None:
    response = client.get("/api/v1/codes/icd10cm/S72.001Z")
    assert response.status_code == 404 and "S72.001A" in {s["code"] for s in response.json()["suggestions"]}
    response = client.get("/api/v1/codes/icd9/250.00")
    assert response.status_code == 400 and response.json()["error"].startswith("Unknown code system")
    response = client.get("/api/v1/search", {"q": "fracture", "limit": "many"})
    assert response.status_code == 422 and "limit" in response.json()["error"]


def test_releases_and_search(client: Client) -> None:
    releases = client.get("/api/v1/releases").json()
    assert any(r["system"] == "icd10cm" and r["version"] == "2026-04" for r in releases)
    results = client.get("/api/v1/search", {"q": "S72.001"}).json()["results"]
    assert results[0]["code"] == "S72.001"
