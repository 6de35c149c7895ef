"""The fee calculator and claim checker pages: what they say without the fee schedule, and with the CY2026 files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils.html import escape

from medcode.codebook import store
from medcode.rules import services

pytestmark = pytest.mark.django_db
CF = 33.4009
DASH = "\N{EN DASH}"
MANHATTAN = ("13202-01", 1.064, 1.162, 1.586)  # GPCI2026.csv: PW, PE, MP


def by_hand(work: float, pe: float, mp: float, gpci: tuple[str, float, float, float]) -> str:
    _, gw, gpe, gmp = gpci
    return f"${round((work * gw + pe * gpe + mp * gmp) * CF + 1e-9, 2):.2f}"


@pytest.fixture
def default_only(default_codebook: Path) -> None:
    """The embedded default: no fee schedule, no GPCI file."""
    store.forget()


def test_fee_page_without_the_rvu_file_says_once_which_file_adds_amounts(default_only: None, client: Client) -> None:
    page = client.get("/rules/fees/?code=27258&pos=11")
    body = page.content.decode()
    assert page.status_code == 200  # the input is fine; the data is what is missing
    assert body.count(escape(services.MSG_AMOUNTS_NEED)) == 1
    assert "PPRRVU" in services.MSG_AMOUNTS_NEED and "medcode update" in services.MSG_AMOUNTS_NEED
    assert 'role="alert"' not in body  # no error box besides the one notice


def test_claim_page_without_the_rvu_file_says_it_once_and_labels_rules(default_only: None, client: Client) -> None:
    form = {
        "date_of_service": "2026-05-04",
        "setting": "hospital",
        "code1": "27447",
        "code2": "20610",
        "diagnoses": "S72.001",
    }
    body = client.post("/rules/check/", form).content.decode()
    assert body.count(escape(services.MSG_AMOUNTS_NEED)) == 1
    assert "Expected allowed" not in body  # no column of dashes: the notice says why once
    # rules, severities, settings and counts in words (the JSON keeps the identifiers)
    assert "NCCI procedure-to-procedure edit" in body and ">ncci_ptp<" not in body
    assert ">dx_billable<" not in body and "Billable diagnosis" in body
    assert ">Error</span>" in body and ">error</span>" not in body
    assert "Outpatient hospital" in body
    errors = re.search(r"(\d+) errors?\b", body)
    assert errors is not None
    assert not re.search(r"\b1 errors\b", body)
    one = client.post("/rules/check/", {"date_of_service": "2026-05-04", "code1": "27447", "code2": "20610"})
    assert re.search(r">1 error<", one.content.decode()), "a single error is counted in the singular"
    api = client.post(
        "/api/v1/rules/check",
        {"date_of_service": "2026-05-04", "setting": "hospital", "lines": [{"code": "27447"}, {"code": "20610"}]},
        content_type="application/json",
    ).json()
    assert {f["rule"] for f in api["findings"]} >= {"ncci_ptp"} and api["setting"] == "hospital"


def test_fee_page_with_cy2026_files_gives_both_settings_and_every_locality(cy2026: Path, client: Client) -> None:
    # 99213 in PPRRVU2026_Apr_nonQPP.txt: work 1.30, non-facility PE 1.46, facility PE 0.33, MP 0.09
    body = client.get(f"/rules/fees/?code=99213&pos=11&locality={MANHATTAN[0]}&date=2026-05-04").content.decode()
    assert escape(services.MSG_AMOUNTS_NEED) not in body and "amounts-missing" not in body
    assert "Non-facility rate" in body and "How the amount is reached" in body
    assert "x conversion factor 33.4009" in body
    compare = body[body.index("fee-compare") :]
    assert by_hand(1.30, 1.46, 0.09, MANHATTAN) in compare and by_hand(1.30, 0.33, 0.09, MANHATTAN) in compare
    every = client.get("/rules/fees/?code=99213&pos=11&all=1&date=2026-05-04").content.decode()
    table = every[every.index("fee-compare") : every.index("</table>", every.index("fee-compare"))]
    assert table.count("<tr>") == 1 + 109  # the header and the 109 localities of GPCI2026.csv
    assert "every locality (109)" in every
    # 27258 has no non-facility PE (NA): the non-facility column says NA, not an amount
    hip = client.get(f"/rules/fees/?code=27258&pos=11&locality={MANHATTAN[0]}&date=2026-05-04").content.decode()
    row = hip[hip.index("fee-compare") :]
    assert "<td>NA</td>" in row and by_hand(15.78, 11.38, 3.35, MANHATTAN) in row


def test_claim_page_with_cy2026_files_shows_amounts_step_by_step(cy2026: Path, client: Client) -> None:
    form = {"date_of_service": "2026-05-04", "place_of_service": "11", "locality": MANHATTAN[0], "code1": "99213"}
    body = client.post("/rules/check/", form).content.decode()
    assert "amounts-missing" not in body and "Expected allowed" in body
    assert by_hand(1.30, 1.46, 0.09, MANHATTAN) in body and "x conversion factor 33.4009" in body
    assert "PPRRVU2026_Apr_nonQPP" in body
    assert ">Non-facility<" in body


def _column1_pairs(body: str) -> list[str]:
    part = body[body.index('id="ptp-c1"') : body.index("</details>", body.index('id="ptp-c1"'))]
    return re.findall(r'class="ptp-pair" href="[^"]*">([0-9A-Z]{5})</a>', part)


def test_ncci_pair_lists_are_complete_paged_and_filtered_without_javascript(default_only: None, client: Client) -> None:
    date = "date=2026-05-04"
    first = client.get(f"/codes/cpt/27258/?{date}").content.decode()
    assert "222 edits with 27258 as column 1" in first
    assert f"1{DASH}100 of 222" in first and len(_column1_pairs(first)) == 100
    assert 'href="?date=2026-05-04&amp;c1=2#ptp"' in first  # the next page, as a plain link
    pages = [_column1_pairs(client.get(f"/codes/cpt/27258/?{date}&c1={n}").content.decode()) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [100, 100, 22]
    every = [code for page in pages for code in page]
    assert len(set(every)) == 222 and every == sorted(every)  # no pair twice, none hidden, in code order
    shown_all = client.get(f"/codes/cpt/27258/?{date}&all_pairs=1").content.decode()
    assert _column1_pairs(shown_all) == every and f"1{DASH}222 of 222" in shown_all
    # the filter is a GET form: the server narrows the list (here to the 1200x repair codes)
    assert '<form class="inline ptp-filter" method="get"' in first
    filtered = client.get(f"/codes/cpt/27258/?{date}&pairs=1200").content.decode()
    assert _column1_pairs(filtered) == [c for c in every if "1200" in c] and "matching “1200” (222 in all)" in filtered
    hostile = client.get(f"/codes/cpt/27258/?{date}&pairs=%3Cscript%3Ealert(1)&c1=-5").content.decode()
    assert "<script>alert" not in hostile and "none matching" in hostile
    past_the_end = client.get(f"/codes/cpt/27258/?{date}&c1=99").content.decode()
    assert len(_column1_pairs(past_the_end)) == 22  # the last page


def test_code_page_fee_schedule_values_read_in_words(cy2026: Path, client: Client) -> None:
    body = client.get("/codes/cpt/27258/?date=2026-05-04").content.decode()
    facts = body[body.index('id="billing-h"') :]
    assert '<span class="mono">A</span> <span class="small">Active Code</span>' in facts
    assert "Major surgery with a 1-day preoperative period and 90-day postoperative period" in facts
    assert "Physician Service Codes" in facts  # PC/TC indicator 0
    radiology = client.get("/codes/cpt/71046/?date=2026-05-04").content.decode()
    assert "Diagnostic Tests for Radiology Services" in radiology
    assert "The global concept does not apply to the code" in radiology
