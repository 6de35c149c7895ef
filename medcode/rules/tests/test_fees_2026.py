"""CY2026 fees on the CMS RVU26B fixed-width PPRRVU file and the CY2026 GPCIs, against hand-computed rows.

Every expected amount below is worked by hand from the rows of PPRRVU2026_Apr_nonQPP.txt and GPCI2026.csv
(quoted in the comments): (work x PW GPCI + PE x PE GPCI + MP x MP GPCI) x 33.4009, rounded to cents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED_DATA
from medcode.rules import services

pytestmark = pytest.mark.django_db
RVU26B = SHARED_DATA / "pfs-rvu-2026b"
CF = 33.4009
DOS = "2026-05-04"
# GPCI2026.csv (PW GPCI without the 1.0 floor, PE GPCI, MP GPCI)
ALABAMA = ("10112-00", 0.988, 0.875, 0.566)
ALASKA = ("02102-01", 1.500, 1.065, 0.551)
MANHATTAN = ("13202-01", 1.064, 1.162, 1.586)


def by_hand(work: float, pe: float, mp: float, locality: tuple[str, float, float, float]) -> float:
    _, gw, gpe, gmp = locality
    return round((work * gw + pe * gpe + mp * gmp) * CF + 1e-9, 2)


def amount(code: str, locality: tuple[str, float, float, float], pos: str, modifiers: str | None = None) -> float:
    fee = services.fee_calculate(code=code, locality=locality[0], place_of_service=pos, modifiers=modifiers, date=DOS)
    assert fee["release"].endswith("PPRRVU2026_Apr_nonQPP"), fee["release"]
    return float(fee["amount"])


def test_office_visit_non_facility_and_facility_at_three_localities(cy2026: Path) -> None:
    # 99213: work 1.30, non-facility PE 1.46, facility PE 0.33, MP 0.09
    for locality in (ALABAMA, ALASKA, MANHATTAN):
        assert amount("99213", locality, "11") == by_hand(1.30, 1.46, 0.09, locality)
        assert amount("99213", locality, "22") == by_hand(1.30, 0.33, 0.09, locality)
    # (1.30 x 0.988 + 1.46 x 0.875 + 0.09 x 0.566) x 33.4009 = 2.61284 x 33.4009 = 87.27
    assert amount("99213", ALABAMA, "11") == 87.27


def test_global_surgery_code_is_paid_at_the_facility_rate(cy2026: Path) -> None:
    # 27258: work 15.78, PE 11.38 (non-facility NA), MP 3.35, global 090, pre/intra/post .10/.69/.21
    fee = services.fee_calculate(code="27258", locality=MANHATTAN[0], place_of_service="21", date=DOS)
    assert fee["amount"] == by_hand(15.78, 11.38, 3.35, MANHATTAN)
    row = fee["rvu_rows"][0]
    assert row["global_days"] == "090"
    surgeon_only = services.fee_calculate(
        code="27258", locality=MANHATTAN[0], place_of_service="21", modifiers="54", date=DOS
    )
    assert surgeon_only["amount"] == round(by_hand(15.78, 11.38, 3.35, MANHATTAN) * (0.10 + 0.69), 2)


def test_professional_and_technical_components(cy2026: Path) -> None:
    # 71046 global: 0.21 / 0.76 / 0.02; -26: 0.21 / 0.08 / 0.01; -TC: 0.00 / 0.68 / 0.01 (PC/TC indicator 1)
    assert amount("71046", ALASKA, "11") == by_hand(0.21, 0.76, 0.02, ALASKA)
    assert amount("71046", ALASKA, "11", "26") == by_hand(0.21, 0.08, 0.01, ALASKA)
    assert amount("71046", ALASKA, "11", "TC") == by_hand(0.00, 0.68, 0.01, ALASKA)


def test_every_2026_locality_is_offered(cy2026: Path) -> None:
    import datetime as dt

    from medcode.rules import selectors

    release = selectors.rule_release(system="gpci", as_of=dt.date.fromisoformat(DOS))
    assert release is not None and "GPCI2026" in (selectors.release_label(release) or "")
    assert selectors.locality_get(key=MANHATTAN[0], release=release) is not None
