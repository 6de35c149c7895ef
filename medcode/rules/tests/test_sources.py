"""Rule-file importers on real official rows (../shared/data) and on broken copies of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import shared_file
from medcode.core.errors import IngestError
from medcode.ingest.records import AnesBase, AnesCf, Gpci, MueValue, OppsCap, PfsRvu, PtpEdit, Release
from medcode.ingest.sources.rules import anesthesia, mue, ncci_ptp, pfs

RESOURCES = Path(__file__).parent / "resources"


def test_cms_ptp_file_layout() -> None:
    records = list(ncci_ptp.parse(RESOURCES / "ccipra-v321r0-f1.txt"))
    release = records[0]
    assert isinstance(release, Release)
    assert (release.system, release.effective_from, release.content) == (
        "ncci-ptp-practitioner",
        dt.date(2026, 4, 1),
        "rules",
    )
    edits = [r for r in records if isinstance(r, PtpEdit)]
    assert edits[0] == PtpEdit(
        "27447", "20610", dt.date(2019, 7, 1), None, 1, "Misuse of column two code with column one code"
    )
    deleted = next(e for e in edits if e.column1 == "36415")
    assert deleted.effective_to == dt.date(2019, 12, 31) and deleted.modifier == 9


def test_cms_ptp_file_errors_name_file_line_and_expectation(tmp_path: Path) -> None:
    text = (RESOURCES / "ccipra-v321r0-f1.txt").read_text()
    bad = tmp_path / "ccipra-v321r0-f1.txt"
    bad.write_text(text.replace("\t1\tMisuse", "\t7\tMisuse"))
    with pytest.raises(IngestError, match=r"line 3: modifier indicator '7' is not 0, 1 or 9"):
        list(ncci_ptp.parse(bad))
    bad.write_text(text.replace("20190701", "2019-13-45", 1))
    with pytest.raises(IngestError, match=r"line 3: effective date '2019-13-45' is not a date"):
        list(ncci_ptp.parse(bad))
    nameless = tmp_path / "edits.txt"
    nameless.write_text(text)
    with pytest.raises(IngestError, match="practitioner or hospital"):
        list(ncci_ptp.parse(nameless))
    headless = tmp_path / "ccipra-v321r0.txt"
    headless.write_text("27447\t20610\n")
    with pytest.raises(IngestError, match="no header row with 'Column 1'"):
        list(ncci_ptp.parse(headless))


def test_mue_cms_layout_with_indicators() -> None:
    records = list(mue.parse(RESOURCES / "MCR_MUE_OutpatientHospitalServices_Eff_04-01-2026.csv"))
    assert records[0].system == "mue-hospital" and records[0].effective_from == dt.date(2026, 4, 1)  # type: ignore[union-attr]
    assert records[1] == MueValue("99213", 1, 2, "Nature of Service/Procedure")
    assert records[2] == MueValue("20610", 2, 1, "Anatomic Consideration")


@pytest.mark.shared_data
def test_mue_practitioner_extract_real_values() -> None:
    records = list(mue.parse(shared_file("mue-practitioner-2026q2", "mue_practitioner_2026q2_dos_only.json")))
    assert records[0].system == "mue-practitioner"  # type: ignore[union-attr]
    values = {r.code: r for r in records if isinstance(r, MueValue)}
    assert len(values) == 9637
    assert values["99213"] == MueValue("99213", 2, 3)
    assert values["J1100"].value == 120


def test_mue_broken_json(tmp_path: Path) -> None:
    bad = tmp_path / "mue_practitioner_2026q2.json"
    bad.write_text('{"99213": {"maxUnits": -1, "adjudicationType": "date_of_service"}}')
    with pytest.raises(IngestError, match="MUE value '-1' for 99213 is not a whole number"):
        list(mue.parse(bad))
    bad.write_text('{"99213": ')
    with pytest.raises(IngestError, match="not a JSON object"):
        list(mue.parse(bad))


@pytest.mark.shared_data
def test_pfs_real_rows() -> None:
    records = list(pfs.parse(shared_file("pfs-rvu-2025a")))
    releases = [r for r in records if isinstance(r, Release)]
    assert [(r.system, r.effective_from) for r in releases] == [
        ("pfs", dt.date(2025, 1, 1)),
        ("gpci", dt.date(2025, 1, 1)),
        ("oppscap", dt.date(2025, 1, 1)),
        ("anes-cf", dt.date(2025, 1, 1)),
    ]
    rows = {(r.code, r.modifier): r for r in records if isinstance(r, PfsRvu)}
    knee = rows[("27447", "")]
    assert (knee.work, knee.pe_facility, knee.mp, knee.global_days, knee.nonfacility_na) == (
        19.60,
        15.30,
        3.98,
        "090",
        True,
    )
    assert (knee.multiple, knee.bilateral, knee.assistant, knee.cosurgeon, knee.team) == ("2", "1", "2", "1", "0")
    assert knee.conversion_factor == 32.3465
    visit = rows[("99213", "")]
    assert (visit.work, visit.pe_nonfacility, visit.pe_facility, visit.mp, visit.global_days) == (
        1.30,
        1.35,
        0.57,
        0.10,
        "XXX",
    )
    assert rows[("71046", "26")].work == 0.22 and rows[("71046", "TC")].pe_nonfacility == 0.69
    gpcis = {(g.mac, g.locality): g for g in records if isinstance(g, Gpci)}
    assert len(gpcis) == 109
    assert gpcis[("01112", "05")].work == 1.088 and "SAN MATEO" in gpcis[("01112", "05")].counties
    colonoscopy = rows[("45385", "")]
    assert (colonoscopy.multiple, colonoscopy.endo_base) == ("3", "45378")
    assert (knee.pre, knee.intra, knee.post) == (0.10, 0.69, 0.21)
    caps = {(c.code, c.modifier, c.mac, c.locality): c for c in records if isinstance(c, OppsCap)}
    assert len(caps) == 16100
    assert (caps[("71275", "", "10112", "00")].status, caps[("71275", "", "10112", "00")].facility) == ("A", 233.60)
    assert caps[("71275", "TC", "10112", "00")].nonfacility == 154.60
    assert caps[("70557", "TC", "10112", "00")].status == "C"
    cfs = {(c.mac, c.locality): c for c in records if isinstance(c, AnesCf)}
    assert cfs[("00000", "00")].cf == 20.3178 and cfs[("10112", "00")].cf == 19.31
    assert cfs[("02102", "01")] == AnesCf("02102", "01", "ALASKA", 27.86) and len(cfs) == 110


def test_anesthesia_base_units_file(tmp_path: Path) -> None:
    records = list(anesthesia.parse_base(RESOURCES / "anesthesia-base-units-2025.csv"))
    assert isinstance(records[0], Release) and records[0].system == "anes-base"
    assert AnesBase("00840", 6.0) in records
    bad = tmp_path / "base-units-2025.csv"
    bad.write_text("CPT Code,Base Unit\n99213,3\n")
    with pytest.raises(IngestError, match=r"line 2: '99213' is not an anesthesia code"):
        list(anesthesia.parse_base(bad))
    bad.write_text("CPT Code,Base Unit\n00840,six\n")
    with pytest.raises(IngestError, match=r"line 2: base units of 00840 'six' is not a number"):
        list(anesthesia.parse_base(bad))
    bad.write_text("Code,Descriptor\n00840,x\n")
    with pytest.raises(IngestError, match="found no header row with a code column"):
        list(anesthesia.parse_base(bad))
    undated = tmp_path / "base-units.csv"
    undated.write_text("CPT Code,Base Unit\n00840,6\n")
    with pytest.raises(IngestError, match="cannot tell which year"):
        list(anesthesia.parse_base(undated))


def test_anes_and_oppscap_broken_copies(tmp_path: Path) -> None:
    anes = tmp_path / "ANES2025.csv"
    anes.write_text("Contractor,Locality,Locality Name,National Anes CF of 20.3178\n10112 ,00 ,ALABAMA,19.3x\n")
    with pytest.raises(IngestError, match=r"ANES2025.csv, line 2: anesthesia CF '19.3x' is not a number"):
        list(anesthesia.parse_cf(anes))
    anes.write_text("Contractor,Locality,Name,CF\n10112,00,ALABAMA,19.31\n")
    with pytest.raises(IngestError, match="expected the CMS ANES file layout"):
        list(anesthesia.parse_cf(anes))
    cap = tmp_path / "OPPSCAP25_JAN.csv"
    cap.write_text("HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY,FACILITY PRICE,NON-FACILTY PRICE\n71275,,A,10112,00,2x,3\n")
    with pytest.raises(IngestError, match=r"line 2: FACILITY PRICE '2x' for 71275 is not a number"):
        list(pfs.parse_oppscap(cap))
    undated = tmp_path / "OPPSCAP_JAN.csv"
    undated.write_text("HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY,FACILITY PRICE,NON-FACILTY PRICE\n71275,,A,10112,00,2,3\n")
    with pytest.raises(IngestError, match="cannot tell which year this OPPS cap file is for"):
        list(pfs.parse_oppscap(undated))


def test_pfs_wrong_layout(tmp_path: Path) -> None:
    bad = tmp_path / "PPRRVU25_JAN.csv"
    bad.write_text("HCPCS,MOD,DESCRIPTION,STATUS\n99213,,,A\n")
    with pytest.raises(IngestError, match=r"PPRRVU25_JAN.csv, line 1: expected the PPRRVU header"):
        list(pfs.parse(bad))
    bad.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(IngestError, match="found no header row starting 'HCPCS, MOD'"):
        list(pfs.parse(bad))


@pytest.mark.shared_data
def test_pfs_fixed_width_text_file_real_rows() -> None:
    records = list(pfs.parse(shared_file("pfs-rvu-2026b", "PPRRVU2026_Apr_nonQPP.txt")))
    release = records[0]
    assert isinstance(release, Release) and release.effective_from == dt.date(2026, 4, 1)
    rows = {(r.code, r.modifier): r for r in records if isinstance(r, PfsRvu)}
    assert len(rows) == 19277
    knee = rows[("27258", "")]
    assert (knee.status, knee.work, knee.pe_nonfacility, knee.pe_facility, knee.mp) == ("A", 15.78, 11.38, 11.38, 3.35)
    assert knee.nonfacility_na and not knee.facility_na
    assert (knee.global_days, knee.pre, knee.intra, knee.post) == ("090", 0.10, 0.69, 0.21)
    assert (knee.multiple, knee.bilateral, knee.assistant, knee.cosurgeon, knee.team) == ("2", "1", "2", "1", "0")
    assert rows[("43239", "")].endo_base == "43235" and rows[("43239", "")].multiple == "3"
    assert rows[("71046", "TC")].pctc == "1" and rows[("71046", "TC")].facility_na
    assert knee.conversion_factor == 33.4009


def test_pfs_fixed_width_broken_copy(tmp_path: Path) -> None:
    head = "HDR CPT CODES AND DESCRIPTIONS ONLY ARE COPYRIGHT \n"
    good = (
        "27258" + " " * 52 + "A  15.78  11.38NA  11.38    3.35  30.51 30.510090.10.69.21212109"
        "            33.4009 090 99      0.00   0.00   0.00"
    )
    assert len(good) == 171
    cut = tmp_path / "PPRRVU2026_Apr_nonQPP.txt"
    cut.write_text(head + good + "\n" + good[:90] + "\n")
    with pytest.raises(IngestError, match=r"PPRRVU2026_Apr_nonQPP.txt, line 3: a PPRRVU record is 90 characters"):
        list(pfs.parse(cut))
    cut.write_text(head + good.replace("A  15.78", "A  15,78") + "\n")
    with pytest.raises(IngestError, match=r"line 2: work '15,78' for 27258 is not a number"):
        list(pfs.parse(cut))


@pytest.mark.shared_data
def test_gpci_2026_without_the_expired_work_floor() -> None:
    records = list(pfs.parse_gpci(shared_file("pfs-rvu-2026b", "GPCI2026.csv")))
    assert isinstance(records[0], Release) and records[0].effective_from == dt.date(2026, 1, 1)
    localities = {(g.mac, g.locality): g for g in records if isinstance(g, Gpci)}
    assert len(localities) == 109
    # the file's note: the 1.0 work floor was extended only through January 31, 2026
    assert localities[("10112", "00")].work == 0.988
    assert localities[("13202", "01")] == Gpci("13202", "01", "NY", "MANHATTAN", 1.064, 1.162, 1.586)


def test_pyoce_addons_have_primaries() -> None:
    from medcode.ingest.records import AddOnCode

    records = list(ncci_ptp.parse_pyoce_addons())
    rows = [r for r in records if isinstance(r, AddOnCode)]
    assert any(r.addon == "11045" and r.primary == "11042" and r.addon_type == 1 for r in rows)
    assert any(r.addon_type == 2 and r.primary is None for r in rows)
