"""FHIR terminology operations: one golden Parameters/ValueSet/OperationOutcome per case under resources/fhir/.

Each golden file holds the request, the expected status and the expected resource. Volatile values
(expansion timestamp, CapabilityStatement date) are replaced by "<volatile>" before comparing.
MEDCODE_REGEN_GOLDEN=1 rewrites the files from the current answers (review the diff before committing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from medcode.codebook import store

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parent / "resources" / "fhir"
CM = "http://hl7.org/fhir/sid/icd-10-cm"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD9 = "http://hl7.org/fhir/sid/icd-9-cm"
GEM_10TO9 = "urn:medcode:conceptmap:gem-icd10cm-to-icd9cm"
TRANSLATE = "/fhir/ConceptMap/$translate"


def _parameters(*entries: tuple[str, str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [{"name": n, f"value{k}": v} for n, k, v in entries]}


CASES: dict[str, dict[str, Any]] = {
    # CodeSystem/$lookup
    "lookup-get-icd10cm-category": {"method": "GET", "path": f"/fhir/CodeSystem/$lookup?system={CM}&code=E11"},
    "lookup-get-property-filter": {
        "method": "GET",
        "path": f"/fhir/CodeSystem/$lookup?system={CM}&code=S72.001A&property=parent&property=notSelectable",
    },
    "lookup-post-coding-hcpcs": {
        "method": "POST",
        "path": "/fhir/CodeSystem/$lookup",
        "body": {
            "resourceType": "Parameters",
            "parameter": [{"name": "coding", "valueCoding": {"system": HCPCS, "code": "J1100"}}],
        },
    },
    "lookup-instance-icd10pcs": {"method": "GET", "path": "/fhir/CodeSystem/icd-10-pcs/$lookup?code=0DTJ4ZZ"},
    "lookup-unknown-code": {"method": "GET", "path": f"/fhir/CodeSystem/$lookup?system={CM}&code=E1142"},
    "lookup-unknown-system": {"method": "GET", "path": "/fhir/CodeSystem/$lookup?system=http://loinc.org&code=1234-5"},
    "lookup-missing-code": {"method": "GET", "path": f"/fhir/CodeSystem/$lookup?system={CM}"},
    "lookup-unknown-version": {"method": "GET", "path": f"/fhir/CodeSystem/$lookup?system={CM}&code=E11&version=1999"},
    # CodeSystem/$validate-code
    "validate-code-valid": {"method": "GET", "path": f"/fhir/CodeSystem/$validate-code?url={CM}&code=E11.42"},
    "validate-code-wrong-display": {
        "method": "POST",
        "path": "/fhir/CodeSystem/$validate-code",
        "body": _parameters(("url", "Uri", CM), ("code", "Code", "E11.42"), ("display", "String", "Diabetes")),
    },
    "validate-code-unknown": {"method": "GET", "path": f"/fhir/CodeSystem/$validate-code?url={CM}&code=E11.99"},
    "validate-code-header-not-abstract": {
        "method": "GET",
        "path": f"/fhir/CodeSystem/$validate-code?url={CM}&code=E11.4&abstract=false",
    },
    "validate-code-codeableconcept": {
        "method": "POST",
        "path": "/fhir/CodeSystem/icd-10-cm/$validate-code",
        "body": {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "codeableConcept",
                    "valueCodeableConcept": {
                        "coding": [{"system": CM, "code": "E11.99"}, {"system": CM, "code": "I10"}]
                    },
                }
            ],
        },
    },
    # CodeSystem/$subsumes
    "subsumes-subsumes": {"method": "GET", "path": f"/fhir/CodeSystem/$subsumes?system={CM}&codeA=E11&codeB=E11.42"},
    "subsumes-subsumed-by": {
        "method": "POST",
        "path": "/fhir/CodeSystem/$subsumes",
        "body": {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "codingA", "valueCoding": {"system": PCS, "code": "0DTJ4ZZ"}},
                {"name": "codingB", "valueCoding": {"system": PCS, "code": "0DT"}},
            ],
        },
    },
    "subsumes-not-subsumed": {"method": "GET", "path": f"/fhir/CodeSystem/$subsumes?system={CM}&codeA=E11&codeB=I10"},
    "subsumes-equivalent": {"method": "GET", "path": "/fhir/CodeSystem/icd-10-cm/$subsumes?codeA=I10&codeB=I10"},
    # ValueSet/$expand
    "expand-filter-count": {
        "method": "GET",
        "path": f"/fhir/ValueSet/$expand?url={HCPCS}%3Ffhir_vs&filter=syringe&count=3",
    },
    "expand-code-prefix-offset": {
        "method": "GET",
        "path": f"/fhir/ValueSet/$expand?url={PCS}%3Ffhir_vs&filter=0DTJ&count=2&offset=1",
    },
    "expand-post-paged": {
        "method": "POST",
        "path": "/fhir/ValueSet/$expand",
        "body": _parameters(("url", "Uri", f"{CM}?fhir_vs"), ("offset", "Integer", 100), ("count", "Integer", 3)),
    },
    "expand-too-costly": {"method": "GET", "path": f"/fhir/ValueSet/$expand?url={CM}%3Ffhir_vs"},
    "expand-unknown-value-set": {"method": "GET", "path": "/fhir/ValueSet/$expand?url=http://example.org/vs"},
    "expand-bad-count": {"method": "GET", "path": f"/fhir/ValueSet/$expand?url={CM}%3Ffhir_vs&count=-1"},
    # ConceptMap/$translate over the GEMs
    "translate-10to9-combination": {"method": "GET", "path": f"{TRANSLATE}?system={CM}&code=E11.42"},
    "translate-9to10-equivalent": {
        "method": "POST",
        "path": TRANSLATE,
        "body": {
            "resourceType": "Parameters",
            "parameter": [{"name": "coding", "valueCoding": {"system": ICD9, "code": "001.0"}}],
        },
    },
    "translate-9to10-wider": {"method": "GET", "path": f"{TRANSLATE}?system={ICD9}&code=250.60&targetsystem={CM}"},
    "translate-9to10-alternatives": {"method": "GET", "path": f"{TRANSLATE}?system={ICD9}&code=00589"},
    "translate-9to10-combination": {"method": "GET", "path": f"{TRANSLATE}?system={ICD9}&code=073.0"},
    "translate-9to10-not-in-release": {"method": "GET", "path": f"{TRANSLATE}?system={ICD9}&code=655.00"},
    "translate-no-map": {"method": "GET", "path": f"{TRANSLATE}?system={ICD9}&code=365.70"},
    "translate-no-entry": {"method": "GET", "path": f"{TRANSLATE}?system={CM}&code=E11"},
    "translate-reverse": {
        "method": "POST",
        "path": TRANSLATE,
        "body": _parameters(
            ("url", "Uri", GEM_10TO9), ("system", "Uri", ICD9), ("code", "Code", "001.0"), ("reverse", "Boolean", True)
        ),
    },
    "translate-codeableconcept": {
        "method": "POST",
        "path": TRANSLATE,
        "body": {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "codeableConcept",
                    "valueCodeableConcept": {
                        "coding": [{"system": ICD9, "code": "250.00"}, {"system": CM, "code": "I10"}]
                    },
                }
            ],
        },
    },
    "translate-instance": {"method": "GET", "path": "/fhir/ConceptMap/gem-icd9cm-to-icd10cm/$translate?code=250.00"},
    "translate-unknown-system": {"method": "GET", "path": f"{TRANSLATE}?system=http://loinc.org&code=1234-5"},
    "translate-procedures-not-mapped": {"method": "GET", "path": f"{TRANSLATE}?system={PCS}&code=0DTJ4ZZ"},
    "translate-missing-code": {"method": "GET", "path": f"{TRANSLATE}?system={CM}"},
    "translate-no-map-to-target": {"method": "GET", "path": f"{TRANSLATE}?system={CM}&code=E11.42&targetsystem={CM}"},
    "translate-wrong-side": {"method": "GET", "path": f"{TRANSLATE}?url={GEM_10TO9}&system={ICD9}&code=250.60"},
    "translate-unknown-map": {"method": "GET", "path": f"{TRANSLATE}?url=http://example.org/cm&system={CM}&code=I10"},
    "conceptmap-read": {"method": "GET", "path": "/fhir/ConceptMap/gem-icd10cm-to-icd9cm"},
    # metadata, reads and errors
    "metadata": {"method": "GET", "path": "/fhir/metadata"},
    "codesystem-read": {"method": "GET", "path": "/fhir/CodeSystem/hcpcs"},
    "error-body-not-parameters": {
        "method": "POST",
        "path": "/fhir/CodeSystem/$lookup",
        "body": {"resourceType": "Patient"},
    },
    "error-method": {"method": "PUT", "path": "/fhir/CodeSystem/$lookup"},
    "error-xml": {"method": "GET", "path": f"/fhir/CodeSystem/$lookup?system={CM}&code=E11&_format=xml"},
    "error-unknown-path": {"method": "GET", "path": "/fhir/Patient/1"},
}


def _normalise(resource: dict[str, Any]) -> dict[str, Any]:
    resource = json.loads(json.dumps(resource))
    if "expansion" in resource:
        resource["expansion"]["timestamp"] = "<volatile>"
    if resource.get("resourceType") == "CapabilityStatement":
        resource["date"] = "<volatile>"
        resource["version"] = resource["software"]["version"] = "<volatile>"
    return resource


def _call(client: Client, case: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    method = case["method"].lower()
    if "body" in case:
        response = getattr(client, method)(case["path"], json.dumps(case["body"]), content_type="application/fhir+json")
    else:
        response = getattr(client, method)(case["path"])
    return response.status_code, response["Content-Type"], response.json()


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fhir_operation_matches_its_golden_resource(client: Client, name: str) -> None:
    case = CASES[name]
    status, content_type, resource = _call(client, case)
    assert content_type == "application/fhir+json; charset=utf-8"
    path = GOLDEN / f"{name}.json"
    got = {"request": case, "status": status, "response": _normalise(resource)}
    if os.environ.get("MEDCODE_REGEN_GOLDEN"):
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert got == expected


def test_every_error_is_an_operation_outcome(client: Client) -> None:
    for name, case in CASES.items():
        status, _, resource = _call(client, case)
        assert (resource["resourceType"] == "OperationOutcome") == (status >= 400), name
        if status >= 400:
            assert resource["issue"][0]["severity"] == "error" and resource["issue"][0]["diagnostics"], name


def test_get_and_post_give_the_same_answer(client: Client) -> None:
    by_get = client.get(f"/fhir/CodeSystem/$lookup?system={CM}&code=E11.42").json()
    body = _parameters(("system", "Uri", CM), ("code", "Code", "E11.42"))
    by_post = client.post("/fhir/CodeSystem/$lookup", json.dumps(body), content_type="application/fhir+json").json()
    assert by_get == by_post and by_get["parameter"][2] == {
        "name": "display",
        "valueString": "Type 2 diabetes mellitus with diabetic polyneuropathy",
    }


def test_fhir_is_behind_the_api_gate(client: Client, settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_API_ANON_RATE_PER_MINUTE = 1  # type: ignore[attr-defined]
    assert client.get("/fhir/metadata").status_code == 200
    limited = client.get("/fhir/metadata")
    assert limited.status_code == 429 and limited["Retry-After"]
    assert limited.json()["issue"][0]["code"] == "throttled"
    bad_key = client.get("/fhir/metadata", headers={"X-API-Key": "mc_nope"}).json()
    assert bad_key["resourceType"] == "OperationOutcome" and bad_key["issue"][0]["code"] == "login"


def test_post_needs_no_csrf_token(default_codebook: Path) -> None:
    store.forget()
    strict = Client(enforce_csrf_checks=True)
    body = _parameters(("system", "Uri", CM), ("code", "Code", "I10"))
    assert (
        strict.post("/fhir/CodeSystem/$lookup", json.dumps(body), content_type="application/fhir+json").status_code
        == 200
    )


def test_a_coding_whose_system_is_not_a_string_is_a_400(client: Client) -> None:
    """Schemathesis found POSTed Codings with a number as system (a 500 before)."""
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "coding", "valueCoding": {"system": 0, "code": "E11"}}],
    }
    response = client.post("/fhir/CodeSystem/$lookup", json.dumps(body), content_type="application/fhir+json")
    assert response.status_code == 400
    assert response.json()["issue"][0]["diagnostics"] == "Coding.system must be a string (a code system URI)"


def test_translate_get_and_post_give_the_same_answer(client: Client) -> None:
    by_get = client.get(f"{TRANSLATE}?system={ICD9}&code=250.60&reverse=false").json()
    body = _parameters(("system", "Uri", ICD9), ("code", "Code", "250.60"), ("reverse", "Boolean", False))
    by_post = client.post(TRANSLATE, json.dumps(body), content_type="application/fhir+json").json()
    assert by_get == by_post and by_get["parameter"][0] == {"name": "result", "valueBoolean": True}


@pytest.mark.parametrize(
    ("system", "code"), [(ICD9, "655.00"), (ICD9, "250.60"), (CM, "E11.42"), (ICD9, "001.0"), (CM, "O35.0XX0")]
)
def test_translate_displays_only_codes_of_the_release(client: Client, system: str, code: str) -> None:
    """A target has a display only when the active ICD-10-CM release has it; any other is named in the message."""
    answer = client.get(f"{TRANSLATE}?system={system}&code={code}").json()["parameter"]
    message = next((p["valueString"] for p in answer if p["name"] == "message"), "")
    for match in (p for p in answer if p["name"] == "match"):
        coding = next((x["valueCoding"] for x in match["part"] if x["name"] == "concept"), None)
        if coding is None:
            continue
        if "display" in coding:
            found = client.get(f"/fhir/CodeSystem/$validate-code?url={CM}&code={coding['code']}").json()
            assert found["parameter"][0]["valueBoolean"] is True
        else:
            assert coding["code"] in message or "without display" in message


def test_translate_equivalence_of_gem_flags() -> None:
    from medcode.api.fhir.conceptmap import _equivalence

    def row(approximate: bool, combination: bool = False, no_map: bool = False) -> dict[str, Any]:
        return {"approximate": approximate, "combination": combination, "no_map": no_map}

    assert _equivalence(row(False), 1, 1) == "equivalent"
    assert _equivalence(row(True, no_map=True), 0, 0) == "unmatched"
    assert _equivalence(row(True, combination=True), 0, 1) == "wider"
    assert _equivalence(row(True), 2, 1) == "narrower"
    assert _equivalence(row(True), 1, 3) == "wider"
    assert _equivalence(row(True), 1, 1) == "inexact"
