"""Payment rules on real rows of the CMS CY2025 files: multiple procedures, OPPS cap, anesthesia, NPP, team, 54-56.

National amounts use the January 2025 conversion factor 32.3465; every expected figure below is the PPRRVU
RVUs of the code times that factor, with the reductions RVU25A.pdf documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medcode.core.errors import ApplicationError
from medcode.rules import services
from medcode.rules.services import ClaimInvalid

pytestmark = pytest.mark.django_db
CF = 32.3465


def money(rvus: float) -> float:
    return round(rvus * CF + 1e-9, 2)


def check(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    claim = {"date_of_service": "2025-06-02", "place_of_service": "11", "lines": list(lines), **extra}
    return services.claim_check_json(claim)


def fees_of(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {line["line"]: line["fee"] for line in result["lines"]}


def steps(fee: dict[str, Any]) -> str:
    return " | ".join(s["step"] for s in fee["steps"])


def test_endoscopy_family_pays_the_others_minus_the_base(shared_rules: Path) -> None:
    # 45385 and 45380 have multiple indicator 3 and ENDO BASE 45378; the base billed with them is not paid
    result = check({"code": "45380"}, {"code": "45385"}, {"code": "45378"}, place_of_service="22")
    fee = fees_of(result)
    assert fee[2]["amount"] == money(4.57 + 2.38 + 0.56)  # the highest endoscopy, in full
    assert fee[1]["amount"] == round(money(3.56 + 1.93 + 0.47) - money(3.26 + 1.79 + 0.43), 2)
    assert fee[3]["amount"] == 0.0
    assert "minus base 45378" in fee[1]["steps"][-1]["note"] and "not paid separately" in fee[3]["steps"][-1]["note"]


def test_endoscopy_family_ranks_as_one_procedure_with_other_surgery(shared_rules: Path) -> None:
    result = check({"code": "45385"}, {"code": "45380"}, {"code": "27447"}, place_of_service="22")
    fee = fees_of(result)
    assert fee[3]["amount"] == money(19.60 + 15.30 + 3.98)  # the knee ranks first
    assert fee[1]["amount"] == round(money(4.57 + 2.38 + 0.56) * 0.5, 2)
    assert "ranked 2 of 2" in steps(fee[1]) and "ranked 2 of 2" in steps(fee[2])


def test_diagnostic_imaging_reduces_tc_50_and_pc_5_percent(shared_rules: Path) -> None:
    result = check({"code": "71250"}, {"code": "70553"})
    fee = fees_of(result)
    assert fee[2]["amount"] == money(2.29 + 7.26 + 0.16)  # highest TC: full
    pc, whole = money(1.08 + 0.39 + 0.05), money(1.08 + 2.91 + 0.06)
    assert fee[1]["amount"] == round(whole - 0.5 * (whole - pc) - 0.05 * pc + 1e-9, 2)
    assert "TC reduced 50%, PC reduced 5%" in steps(fee[1])


def test_therapy_pays_half_the_pe_of_later_units(shared_rules: Path) -> None:
    result = check({"code": "97110", "units": 2}, {"code": "97140"})
    fee = fees_of(result)
    first, pe = money(0.45 + 0.43 + 0.01), money(0.43)
    assert fee[1]["amount"] == round(first + round(first - pe * 0.5 + 1e-9, 2), 2)
    assert fee[2]["amount"] == round(money(0.43 + 0.40 + 0.01) - money(0.40) * 0.5 + 1e-9, 2)
    assert "50% of their PE" in steps(fee[2])


def test_cardiovascular_25_and_ophthalmology_20_percent_of_tc(shared_rules: Path) -> None:
    fee = fees_of(check({"code": "93306"}, {"code": "93880"}))
    assert fee[2]["amount"] == money(0.80 + 4.73 + 0.09)  # 93880 has the higher TC
    whole, pc = money(1.46 + 4.28 + 0.07), money(1.46 + 0.52 + 0.04)
    assert fee[1]["amount"] == round(whole - 0.25 * (whole - pc) + 1e-9, 2)
    eyes = fees_of(check({"code": "92134"}, {"code": "92250"}))
    whole, pc = money(0.32 + 0.63 + 0.02), money(0.32 + 0.20 + 0.01)
    assert eyes[1]["amount"] == round(whole - 0.20 * (whole - pc) + 1e-9, 2) and "TC reduced 20%" in steps(eyes[1])


def test_opps_cap_is_the_lesser_amount_at_the_locality(shared_rules: Path) -> None:
    fee = services.fee_calculate(code="71275", locality="10112-00", place_of_service="11", date="2025-06-02")
    # PFS: (1.82 x 1.000 + 6.64 x 0.869 + 0.13 x 0.575) x 32.3465 = 247.93; OPPSCAP: 233.60
    assert fee["steps"][1]["amount"] == 247.93
    assert fee["amount"] == 233.60 and "lesser of fee schedule 247.93 and OPPS-based 233.60" in steps(fee)
    tc = services.fee_calculate(code="71275", modifiers="TC", locality="10112-00", place_of_service="11")
    assert tc["amount"] == 154.60
    # two units: the second is reduced first (TC 168.93 - 50%, PC 79.00 - 5%), then compared with the cap
    two = services.fee_calculate(code="71275", units=2, locality="10112-00", place_of_service="11", date="2025-06-02")
    second = round(247.93 - 0.5 * (247.93 - 79.00) - 0.05 * 79.00 + 1e-9, 2)
    assert two["amount"] == round(233.60 + second, 2) and "(1 of 2 units capped)" in steps(two)
    national = services.fee_calculate(code="71275", place_of_service="11", date="2025-06-02")
    assert national["amount"] == money(1.82 + 6.64 + 0.13) and "CMS sets it per locality" in steps(national)


def test_anesthesia_base_plus_time_units_times_locality_cf(shared_rules: Path) -> None:
    # 00840: 6 base units; 62 minutes = 4.1 time units; Alabama anesthesia CF 19.31 (ANES2025.csv); QK pays 50%
    fee = services.fee_calculate(
        code="00840", modifiers="QK", minutes=62, locality="10112-00", place_of_service="22", date="2025-06-02"
    )
    assert fee["steps"][0]["amount"] == 10.1 and fee["steps"][1]["amount"] == 195.03
    assert fee["amount"] == 97.52 and "QK" in steps(fee)
    national = services.fee_calculate(code="00840", modifiers="AA", minutes=62, date="2025-06-02")
    assert national["amount"] == round(10.1 * 20.3178 + 1e-9, 2)
    supervised = services.fee_calculate(code="00840", modifiers="AD", locality="10112-00", date="2025-06-02")
    assert supervised["amount"] == round(3 * 19.31, 2)
    given = services.fee_calculate(code="00100", modifiers="QZ", minutes=30, base_units=5, date="2025-06-02")
    assert given["amount"] == round(7 * 20.3178 + 1e-9, 2)
    missing = services.fee_calculate(code="00100", modifiers="QZ", minutes=30, date="2025-06-02")
    assert missing["amount"] is None and "anes-base" in missing["warnings"][0]
    result = check({"code": "01402", "modifiers": "QY", "minutes": 120}, locality="10112-00")
    assert fees_of(result)[1]["amount"] == round((7 + 8.0) * 19.31 * 0.5 + 1e-9, 2)


def test_npp_team_surgery_and_global_split(shared_rules: Path) -> None:
    npp = services.fee_calculate(code="99213", place_of_service="11", provider_type="npp", date="2025-06-02")
    assert npp["amount"] == round(money(1.30 + 1.35 + 0.10) * 0.85 + 1e-9, 2) and "x 85%" in steps(npp)
    team = services.fee_calculate(code="32851", modifiers="66", place_of_service="21", date="2025-06-02")
    assert team["amount"] is None and "paid by report" in steps(team)
    not_team = services.fee_calculate(code="27447", modifiers="66", place_of_service="21", date="2025-06-02")
    assert not_team["amount"] == 0.0 and "team surgery is not permitted" in not_team["warnings"][0]
    whole = money(19.60 + 15.30 + 3.98)
    for modifier, share in (("54", 0.79), ("55", 0.21), ("56", 0.10)):
        split = services.fee_calculate(code="27447", modifiers=modifier, place_of_service="21", date="2025-06-02")
        assert split["amount"] == round(whole * share + 1e-9, 2), modifier
    visit = services.fee_calculate(code="99213", modifiers="54", place_of_service="11", date="2025-06-02")
    assert "does not apply" in visit["warnings"][0] and visit["amount"] == money(1.30 + 1.35 + 0.10)


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ({"provider_type": "nurse"}, {}, "provider_type 'nurse' must be one of"),
        ({}, {"minutes": -5}, "line 1: minutes '-5' must be a whole number"),
        ({}, {"minutes": "lots"}, "line 1: minutes 'lots' must be a whole number"),
        ({}, {"base_units": "many"}, "line 1: base_units 'many' must be a number from 0 to 30"),
    ],
)
def test_malformed_fee_inputs_get_clear_messages(
    rules_codebook: Path, extra: dict[str, Any], line: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClaimInvalid, match=message):
        services.claim_check_json({"date_of_service": "2025-06-02", "lines": [{"code": "00840", **line}], **extra})
    with pytest.raises(ApplicationError):
        services.fee_calculate(code="00840", date="2025-06-02", **{**extra, **line})
