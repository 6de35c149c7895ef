"""The pure rule engines, one finding type at a time, on hand-made rows."""

from __future__ import annotations

import dataclasses
import datetime as dt

from medcode.rules.engine import addon, anesthesia, codes, fees, mue, ncci
from medcode.rules.engine.claim import Claim, RuleData, claim_check
from medcode.rules.engine.types import AddOnRow, CodeStatus, DiagnosisStatus, Line, MueValue, PtpEdit

DOS = dt.date(2026, 1, 15)


def line(number: int, code: str, *modifiers: str, units: int = 1, dos: dt.date = DOS) -> Line:
    return Line(number, code, tuple(modifiers), units, dos)


EDIT1 = PtpEdit("27447", "20610", dt.date(2019, 7, 1), None, 1, "Misuse of column two code with column one code")
EDIT0 = PtpEdit("99213", "99211", dt.date(2020, 1, 1), None, 0)


def test_ptp_indicator_1_without_modifier_is_an_error() -> None:
    [finding] = ncci.ptp_check(lines=[line(1, "27447"), line(2, "20610")], edits=[EDIT1], release="r")
    assert (finding.rule, finding.severity, finding.codes, finding.lines) == (
        "ncci_ptp",
        "error",
        ("27447", "20610"),
        (1, 2),
    )
    assert "modifier indicator 1" in finding.message and "Misuse of column two" in finding.message


def test_ptp_indicator_1_with_59_or_x_modifier_is_bypassed() -> None:
    for modifier in ("59", "XS", "XU"):
        [finding] = ncci.ptp_check(lines=[line(1, "27447"), line(2, "20610", modifier)], edits=[EDIT1], release="r")
        assert finding.severity == "info" and f"modifier {modifier} bypasses" in finding.message


def test_ptp_anatomic_modifiers_bypass_only_on_different_sides() -> None:
    same = ncci.ptp_check(lines=[line(1, "27447", "RT"), line(2, "20610", "RT")], edits=[EDIT1], release="r")
    other = ncci.ptp_check(lines=[line(1, "27447", "RT"), line(2, "20610", "LT")], edits=[EDIT1], release="r")
    assert same[0].severity == "error" and other[0].severity == "info"


def test_ptp_indicator_0_cannot_be_bypassed() -> None:
    [finding] = ncci.ptp_check(lines=[line(1, "99213"), line(2, "99211", "59")], edits=[EDIT0], release="r")
    assert finding.severity == "error" and "no modifier bypasses" in finding.message


def test_ptp_dates_and_indicator_9() -> None:
    old = PtpEdit("36415", "36416", dt.date(2019, 1, 1), dt.date(2019, 12, 31), 1)
    deleted = PtpEdit("27447", "20610", dt.date(2019, 1, 1), None, 9)
    lines = [line(1, "36415"), line(2, "36416"), line(3, "27447"), line(4, "20610")]
    assert ncci.ptp_check(lines=lines, edits=[old, deleted], release="r") == []
    # different dates of service never conflict
    assert (
        ncci.ptp_check(
            lines=[line(1, "27447"), line(2, "20610", dos=DOS + dt.timedelta(days=1))], edits=[EDIT1], release="r"
        )
        == []
    )


def test_mue_line_and_date_of_service_indicators() -> None:
    values = {"A": MueValue("A", 2, 1), "B": MueValue("B", 2, 2), "C": MueValue("C", 2, 3), "Z": MueValue("Z", 0, 3)}
    lines = [
        line(1, "A", units=2),
        line(2, "A", units=2),
        line(3, "B"),
        line(4, "B", units=2),
        line(5, "C", units=3),
        line(6, "Z"),
    ]
    found = {f.codes[0]: f for f in mue.mue_check(lines=lines, values=values, release="r")}
    assert "A" not in found  # MAI 1: 2 units per line is within the value
    assert found["B"].lines == (3, 4) and "3 units" in found["B"].message and "never paid" in found["B"].message
    assert "may be paid on appeal" in found["C"].message
    assert "not payable" in found["Z"].message


def test_addon_types() -> None:
    rows = {
        "11045": (AddOnRow("11045", "11042", 1),),
        "0054T": (AddOnRow("0054T", None, 2),),
        "0984T": (AddOnRow("0984T", "36221", 3),),
    }
    found = addon.addon_check(lines=[line(1, "11045"), line(2, "0054T"), line(3, "0984T")], addons=rows, release="r")
    severities = {f.codes[0]: f.severity for f in found}
    assert severities == {"11045": "error", "0054T": "info", "0984T": "warning"}
    assert addon.addon_check(lines=[line(1, "11042"), line(2, "11045")], addons=rows, release="r") == []


def test_code_validity_unknown_not_yet_deleted_terminated() -> None:
    statuses = {
        "ZZZZZ": CodeStatus("ZZZZZ", None, False),
        "99999": CodeStatus("99999", "cpt", False, "CPT 2026", (("CPT 2027", dt.date(2027, 1, 1)),)),
        "G0001": CodeStatus("G0001", "hcpcs", False, "HCPCS 2026", (("HCPCS 2019", dt.date(2019, 1, 1)),)),
        "G0002": CodeStatus("G0002", "hcpcs", True, "HCPCS 2026", terminated=dt.date(2025, 12, 31)),
        "99213": CodeStatus("99213", "cpt", True, "CPT 2026"),
    }
    found = {
        f.codes[0]: f.message
        for f in codes.validity_check(lines=[line(i, c) for i, c in enumerate(statuses, 1)], statuses=statuses)
    }
    assert "not a HCPCS Level II or CPT code" in found["ZZZZZ"]
    assert "not yet in effect" in found["99999"]
    assert "deleted or replaced" in found["G0001"]
    assert "terminated" in found["G0002"]
    assert "99213" not in found


def test_diagnoses_billable_seventh_pointer_and_excludes1() -> None:
    diagnoses = [
        DiagnosisStatus("E11.9", True, True, excludes1=("E10",)),
        DiagnosisStatus("E10.9", True, True),
        DiagnosisStatus("S52.5", True, False, completions=("S52.50", "S52.51")),
        DiagnosisStatus("S72.001", True, False, needs_seventh=True, completions=("S72.001A",)),
        DiagnosisStatus("X99.99", False, False),
    ]
    found = codes.diagnosis_check(diagnoses=diagnoses, lines=[Line(1, "99213", (), 1, DOS, None, (9,))], release="r")
    messages = " | ".join(f.message for f in found)
    assert "S52.5 is a category" in messages and "S72.001 needs a 7th character" in messages
    assert "X99.99 is not an ICD-10-CM code" in messages and "points to diagnosis 9" in messages
    [excludes] = [f for f in found if f.rule == "excludes1"]
    assert excludes.codes == ("E11.9", "E10.9")


def test_excludes1_ranges_cover_the_codes_inside_them() -> None:
    diagnoses = [
        DiagnosisStatus("R73.09", True, True, excludes1=("E08-E13",)),
        DiagnosisStatus("E14.0", True, True),  # outside the range: no finding
        DiagnosisStatus("C81.92", True, True),
        DiagnosisStatus("D47.Z9", True, True, excludes1=("C810-C814",)),
    ]
    assert codes.excludes1_check(diagnoses=diagnoses) == []
    diagnoses.append(DiagnosisStatus("E11.9", True, True))
    [finding] = codes.excludes1_check(diagnoses=diagnoses)
    assert finding.codes == ("R73.09", "E11.9") and "(E08-E13)" in finding.message


def test_status_codes() -> None:
    statuses = {"A0021": CodeStatus("A0021", "hcpcs", True, coverage="M")}
    found = codes.status_check(
        lines=[line(1, "36415"), line(2, "A0021")], pfs_status={"36415": "X"}, statuses=statuses, pfs_release="p"
    )
    assert [f.severity for f in found] == ["error", "error"]
    assert "statutory exclusion" in found[0].message and "coverage code M" in found[1].message


RVU = fees.Rvu("27447", "", "A", 19.60, 15.30, 15.30, 3.98, True, False, "0", "090", "2", "1", "2", "1", "0", 32.3465)
SMALL = fees.Rvu("20610", "", "A", 0.79, 0.96, 0.40, 0.09, False, False, "0", "000", "2", "1", "1", "0", "0", 32.3465)


def test_fee_base_amount_national() -> None:
    amount, steps, problems = fees.base_fee(rvu=RVU, locality=fees.NATIONAL, facility=True)
    assert amount == round(38.88 * 32.3465, 2) and not problems and len(steps) == 2


def test_fee_adjustments_step_by_step() -> None:
    rvus = {("27447", ""): RVU, ("20610", ""): SMALL}
    lines = [line(1, "20610"), line(2, "27447", "50"), line(3, "27447", "80")]
    result, findings = fees.claim_fees(
        lines=lines, rvus=rvus, locality=fees.NATIONAL, facility_of={1: True, 2: True, 3: True}, release="p"
    )
    by_line = {f.line: f for f in result}
    base = round(38.88 * 32.3465, 2)
    assert by_line[2].amount == round(base * 1.5, 2)  # bilateral, ranked first
    assert any("ranked" in s.label for s in by_line[1].steps)  # the small procedure is ranked below
    assert any("assistant at surgery" in s.label for s in by_line[3].steps)
    assert findings == []
    cosurgeon, problems = fees.line_fee(line=line(1, "20610", "62"), rvus=rvus, locality=fees.NATIONAL, facility=True)
    assert cosurgeon.amount == 0.0 and "co-surgeons are not permitted" in problems[0]


def test_claim_check_orders_errors_first() -> None:
    claim = Claim(dos=DOS, setting="practitioner", lines=(line(1, "27447"), line(2, "20610", "59"), line(3, "ZZZZZ")))
    statuses = {c: CodeStatus(c, "cpt", True) for c in ("27447", "20610")} | {"ZZZZZ": CodeStatus("ZZZZZ", None, False)}
    data = RuleData(ptp=(EDIT1,), ptp_release="r", statuses=statuses)
    outcome = claim_check(claim=claim, data=data)
    assert [f.severity for f in outcome.findings] == ["error", "info"]


def test_sixth_surgery_of_a_date_is_priced_by_report_and_indicator_1_pays_25_percent() -> None:
    rows = {
        (f"1000{i}", ""): fees.Rvu(
            f"1000{i}", "", "A", 10 - i, 0, 0, 0, False, False, "0", "010", "2", "0", "0", "0", "0", 1.0
        )
        for i in range(6)
    }
    lines = [line(i + 1, f"1000{i}") for i in range(6)]
    result, _ = fees.claim_fees(lines=lines, rvus=rows, locality=fees.NATIONAL, facility_of={}, release="p")
    assert [f.amount for f in result] == [10.0, 4.5, 4.0, 3.5, 3.0, None]
    assert "by report" in result[5].steps[-1].note
    old = {k: dataclasses.replace(v, multiple="1") for k, v in rows.items()}
    result, _ = fees.claim_fees(lines=lines[:3], rvus=old, locality=fees.NATIONAL, facility_of={}, release="p")
    assert [f.amount for f in result] == [10.0, 4.5, 2.0]


def test_anesthesia_time_units_and_medical_direction() -> None:
    assert anesthesia.time_units(62) == 4.1 and anesthesia.time_units(8) == 0.5 and anesthesia.time_units(60) == 4.0
    priced = anesthesia.anesthesia_fee(
        line=Line(1, "00840", ("QX",), 1, DOS, minutes=90), base_units=6, cf=20.0, cf_label="test"
    )
    assert priced.amount == 120.0 and "QX" in priced.steps[-1][0]
    unpriced = anesthesia.anesthesia_fee(line=Line(1, "00840", (), 1, DOS), base_units=6, cf=20.0, cf_label="t")
    assert unpriced.amount == 120.0 and any("no anesthesia time" in p for p in unpriced.problems)
    assert any("pricing modifier" in p for p in unpriced.problems)


def test_carrier_priced_imaging_shows_its_cap_and_no_amount() -> None:
    row = fees.Rvu("70557", "", "C", 0, 0, 0, 0, False, False, "1", "XXX", "4", "0", "0", "0", "0", 32.3465)
    pricing = fees.Pricing(caps={("70557", ""): fees.Cap("C", 613.90, 613.90)})
    fee, _ = fees.line_fee(
        line=line(1, "70557"), rvus={("70557", ""): row}, locality=fees.NATIONAL, facility=False, pricing=pricing
    )
    assert fee.amount is None and "may not exceed 613.90" in fee.steps[-1].label
