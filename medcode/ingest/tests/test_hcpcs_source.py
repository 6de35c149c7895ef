"""Tests of the HCPCS Level II importer on a real excerpt, broken copies, the full files and pyoce."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources import hcpcs
from medcode.ingest.sources.hcpcs import (
    MSG_BAD_CODE,
    MSG_BAD_DATE,
    MSG_BAD_MODIFIER,
    MSG_CPT,
    MSG_DUPLICATE,
    MSG_EMPTY,
    MSG_NO_CODES,
    MSG_NO_VERSION,
    MSG_NOT_FOUND,
    MSG_PYOCE_VERSION,
    MSG_SUFFIX,
    MSG_TXT_LENGTH,
    MSG_TXT_ORDER,
    MSG_TXT_ORPHAN,
    MSG_TXT_RECORD_ID,
    MSG_TXT_SEQUENCE,
    MSG_XLSX_HEADER,
    MSG_XLSX_RECORD_ID,
    MSG_XLSX_UNREADABLE,
)

RESOURCES = Path(__file__).resolve().parent / "resources" / "hcpcs"
EXCERPT_TXT = RESOURCES / "HCPC2026_JAN_ANWEB_excerpt.txt"
EXCERPT_XLSX = RESOURCES / "HCPC2026_JAN_ANWEB_excerpt.xlsx"
BROKEN = "HCPC2026_JAN_ANWEB_broken"

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared" / "data" / "hcpcs-2026-jan"
FULL_TXT = SHARED / "HCPC2026_JAN_ANWEB_01122026.txt"
FULL_XLSX = SHARED / "HCPC2026_JAN_ANWEB_01122026.xlsx"
needs_shared = pytest.mark.skipif(
    not (FULL_TXT.is_file() and FULL_XLSX.is_file()),
    reason=f"the CMS HCPCS January 2026 files are not in {SHARED} (see ../shared/data/README.md)",
)

JAN_2026 = Release(
    system="hcpcs", version="2026-01", effective_from=dt.date(2026, 1, 1), title="HCPCS Level II January 2026"
)
MODIFIERS_JAN_2026 = Release(
    system="modifier",
    version="2026-01",
    effective_from=dt.date(2026, 1, 1),
    title="HCPCS Level II modifiers January 2026",
)
# Official long descriptors, as the January 2026 .xlsx gives them.
KNOWN = {
    "J2680": "Injection, fluphenazine decanoate, up to 25 mg",
    "A0425": "Ground mileage, per statute mile",
    "E0114": "Crutches underarm, other than wood, adjustable or fixed, pair, with pads, tips and handgrips",
    "G0008": "Administration of influenza virus vaccine",
}
KNOWN_MODIFIERS = {
    "LT": "Left side (used to identify procedures performed on the left side of the body)",
    "RT": "Right side (used to identify procedures performed on the right side of the body)",
    "XS": "Separate structure, a service that is distinct because it was performed on a separate organ/structure",
    "GA": "Waiver of liability statement issued as required by payer policy, individual case",
}


def concepts(records: list[Record]) -> dict[tuple[str, str], Concept]:
    """Concepts by (system of their release, code)."""
    found: dict[tuple[str, str], Concept] = {}
    system = ""
    for record in records:
        if isinstance(record, Release):
            system = record.system
        elif isinstance(record, Concept):
            found[(system, record.code)] = record
    return found


def excerpt_lines() -> list[str]:
    return EXCERPT_TXT.read_bytes().decode("ascii").split("\r\n")


def line_of(lines: list[str], code: str, record_id: str = "3") -> int:
    """Index in ``lines`` of the line of ``code`` (5 columns) with that record id."""
    return next(i for i, text in enumerate(lines) if text[:5] == code and text[10:11] == record_id)


def write_txt(tmp_path: Path, lines: list[str], name: str = BROKEN) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_bytes("\r\n".join(lines).encode("ascii"))
    return path


def raises(path: Path, *, version: str | None = None) -> str:
    """The message of the IngestError that reading ``path`` raises."""
    with pytest.raises(IngestError) as caught:
        list(hcpcs.parse(path, version=version))
    return caught.value.message


# --- the committed excerpt -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def excerpt() -> list[Record]:
    return list(hcpcs.parse(EXCERPT_TXT))


def test_excerpt_starts_with_the_release(excerpt: list[Record]) -> None:
    assert excerpt[0] == JAN_2026


def test_excerpt_order_ranges_codes_then_modifiers(excerpt: list[Record]) -> None:
    kinds = [r.kind if isinstance(r, Concept) else f"release {getattr(r, 'system', '?')}" for r in excerpt]
    first_code, modifier_release = kinds.index("code"), kinds.index("release modifier")
    assert kinds[0] == "release hcpcs"
    assert set(kinds[1:first_code]) == {"range"}
    assert set(kinds[first_code:modifier_release]) == {"code"}
    assert excerpt[modifier_release] == MODIFIERS_JAN_2026
    assert set(kinds[modifier_release + 1 :]) == {"modifier"}
    ranges = {r.code: r for r in excerpt if isinstance(r, Concept) and r.kind == "range"}
    codes = [r for r in excerpt if isinstance(r, Concept) and r.kind == "code"]
    assert len(codes) == 26 and kinds.count("modifier") == 6
    assert {c.parent for c in codes} == set(ranges)
    assert all(r.attrs == {"generated": "true"} and r.parent is None for r in ranges.values())
    assert all(re.fullmatch(r"[A-Z]\d{4}-[A-Z]\d{4}", code) for code in ranges)
    assert ranges["J0000-J8499"].title == "Drugs Administered Other Than Oral Method"
    by_code = {c.code: c for c in codes}
    assert by_code["J8499"].parent == "J0000-J8499"
    assert by_code["J9999"].parent == "J8500-J9999"
    assert by_code["A0425"].parent == "A0000-A0999"
    assert by_code["A4206"].parent == "A4000-A8999"


def test_excerpt_txt_and_xlsx_give_identical_records(excerpt: list[Record]) -> None:
    assert list(hcpcs.parse(EXCERPT_XLSX)) == excerpt


def test_continuation_lines_are_joined(excerpt: list[Record]) -> None:
    found = concepts(excerpt)
    assert found[("hcpcs", "E0114")].title == KNOWN["E0114"]
    assert found[("modifier", "AB")].title == (
        "Audiology service furnished personally by an audiologist without a physician/npp order for "
        "non-acute hearing assessment unrelated to disequilibrium, or hearing aids, or examinations for "
        "the purpose of prescribing, fitting, or changing hearing aids; service may be performed once "
        "every 12 months, per beneficiary"
    )
    # CMS's text has two spaces at "needle  biopsy", where the .txt breaks the line: runs of spaces
    # are made one, in both forms.
    assert found[("hcpcs", "G0417")].title == (
        "Surgical pathology, gross and microscopic examination, for prostate needle biopsy, any method, 21-40 specimens"
    )
    assert "fistula, percutaneous; direct, any site, including all imaging" in found[("hcpcs", "C9754")].title


def test_code_attrs_keep_cms_values(excerpt: list[Record]) -> None:
    j2680 = concepts(excerpt)[("hcpcs", "J2680")]
    assert j2680 == Concept(
        code="J2680",
        title=KNOWN["J2680"],
        kind="code",
        parent="J0000-J8499",
        billable=True,
        short_title="Fluphenazine decanoate 25 mg",
        attrs={
            "pricing_indicator": "51",
            "multiple_pricing_indicator": "A",
            "mcm_reference": "2049",
            "coverage_code": "D",
            "betos": "O1E",
            "type_of_service": "1,P",
            "anesthesia_base_units": "0",
            "add_date": "1982-01-01",
            "action_effective_date": "1997-01-01",
            "action_code": "N",
        },
    )


def test_modifier_concepts(excerpt: list[Record]) -> None:
    found = concepts(excerpt)
    lt = found[("modifier", "LT")]
    assert lt == Concept(
        code="LT",
        title=KNOWN_MODIFIERS["LT"],
        kind="modifier",
        parent=None,
        billable=True,
        short_title="Left side",
        attrs={
            "coverage_code": "C",
            "add_date": "1984-01-01",
            "action_effective_date": "1997-01-01",
            "action_code": "N",
        },
    )


def test_terminated_codes_are_kept_but_not_billable(excerpt: list[Record]) -> None:
    found = concepts(excerpt)
    g0417 = found[("hcpcs", "G0417")]
    assert not g0417.billable
    assert g0417.attrs["termination_date"] == "2014-12-31"
    assert g0417.attrs["lab_certification"] == "610"
    assert not found[("modifier", "CP")].billable
    assert found[("hcpcs", "G0008")].billable


def test_a_line_longer_than_the_record_with_only_blanks_is_read(excerpt: list[Record]) -> None:
    # In the real file the G9871 line carries 226 blanks after column 320.
    assert "G9871" in [line[:5] for line in excerpt_lines() if len(line) > 320]
    assert concepts(excerpt)[("hcpcs", "G9871")].title.startswith("Behavioral counseling for diabetes")


@pytest.mark.parametrize(
    ("quarter", "version", "month"),
    [
        ("JAN", "2026-01", "January"),
        ("APR", "2026-04", "April"),
        ("JUL", "2026-07", "July"),
        ("OCT", "2026-10", "October"),
    ],
)
def test_release_from_file_name(tmp_path: Path, quarter: str, version: str, month: str) -> None:
    path = tmp_path / f"HCPC2026_{quarter}_ANWEB_v2.txt"
    shutil.copy(EXCERPT_TXT, path)
    records = list(hcpcs.parse(path))
    year, number = (int(part) for part in version.split("-"))
    assert records[0] == Release(
        system="hcpcs",
        version=version,
        effective_from=dt.date(year, number, 1),
        title=f"HCPCS Level II {month} 2026",
    )
    modifier_release = next(r for r in records[1:] if isinstance(r, Release))
    assert modifier_release.title == f"HCPCS Level II modifiers {month} 2026"


def test_release_override(tmp_path: Path) -> None:
    path = tmp_path / "hcpcs.txt"
    shutil.copy(EXCERPT_TXT, path)
    assert raises(path) == MSG_NO_VERSION.format(file="hcpcs.txt")
    first = next(hcpcs.parse(path, version="2025-10"))
    assert first == Release(
        system="hcpcs",
        version="2025-10",
        effective_from=dt.date(2025, 10, 1),
        title="HCPCS Level II October 2025",
    )
    first = next(hcpcs.parse(path, effective_from=dt.date(2025, 7, 1)))
    assert isinstance(first, Release) and first.version == "2025-07"
    first = next(hcpcs.parse(EXCERPT_TXT, version="2026-01-r2"))
    assert isinstance(first, Release)
    assert (first.version, first.effective_from) == ("2026-01-r2", dt.date(2026, 1, 1))


def test_dental_codes_are_skipped(tmp_path: Path) -> None:
    lines = excerpt_lines()
    for i, text in enumerate(lines):
        if text[:5] == "E0114":
            lines[i] = "D0140" + text[5:]
    found = concepts(list(hcpcs.parse(write_txt(tmp_path, lines))))
    assert ("hcpcs", "D0140") not in found and ("hcpcs", "E0114") not in found
    assert ("hcpcs", "E0100-E9999") not in found
    assert ("hcpcs", "G0008") in found


# --- broken fixed-width copies ---------------------------------------------------------------------


def test_truncated_line(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "J2680")
    lines[i] = lines[i][:200]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_TXT_LENGTH.format(file=path.name, line=i + 1, width=320, length=200)


def test_data_beyond_the_record(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "J2680")
    lines[i] = lines[i] + "X"
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_TXT_LENGTH.format(file=path.name, line=i + 1, width=320, length=321)


def test_unknown_record_id(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "G0008")
    lines[i] = lines[i][:10] + "5" + lines[i][11:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_TXT_RECORD_ID.format(file=path.name, line=i + 1, value="5")


def test_non_numeric_sequence(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "E0114", "4")
    lines[i] = lines[i][:5] + "00X00" + lines[i][10:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_TXT_SEQUENCE.format(file=path.name, line=i + 1, value="00X00")


def test_continuation_without_its_first_line(tmp_path: Path) -> None:
    lines = excerpt_lines()
    del lines[line_of(lines, "E0114")]
    i = line_of(lines, "E0114", "4")
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_TXT_ORPHAN.format(
        file=path.name, line=i + 1, record_id="4", code="E0114", what="code", first_id="3"
    )


def test_continuation_out_of_order(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "E0114", "4")
    lines[i] = lines[i][:5] + "00100" + lines[i][10:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_TXT_ORDER.format(file=path.name, line=i + 1, value=100, code="E0114", previous=100)


def test_bad_date(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "J2680")
    lines[i] = lines[i][:268] + "19821301" + lines[i][276:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_BAD_DATE.format(
        file=path.name, where=f"line {i + 1}", field="code added date", value="19821301", code="J2680"
    )


def test_cpt_and_malformed_codes(tmp_path: Path) -> None:
    lines = excerpt_lines()
    i = line_of(lines, "J2680")
    lines[i] = "99213" + lines[i][5:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_CPT.format(file=path.name, where=f"line {i + 1}", code="99213", what="code")
    lines[i] = "J26*0" + lines[i][5:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_BAD_CODE.format(file=path.name, where=f"line {i + 1}", code="J26*0")
    lines = excerpt_lines()
    i = line_of(lines, "   LT", "7")
    lines[i] = "XX-LT" + lines[i][5:]
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_BAD_MODIFIER.format(file=path.name, where=f"line {i + 1}", code="XX-LT")


def test_duplicate_code(tmp_path: Path) -> None:
    lines = excerpt_lines()
    first = line_of(lines, "G0008")
    lines.insert(first + 1, lines[first])
    path = write_txt(tmp_path, lines)
    assert raises(path) == MSG_DUPLICATE.format(
        file=path.name, where=f"line {first + 2}", code="G0008", first=f"line {first + 1}"
    )


def test_empty_files(tmp_path: Path) -> None:
    for suffix in (".txt", ".xlsx"):
        path = tmp_path / f"{BROKEN}{suffix}"
        path.write_bytes(b"")
        assert raises(path) == MSG_EMPTY.format(file=path.name)
    blank = write_txt(tmp_path, [" " * 320, "", ""])
    assert raises(blank) == MSG_NO_CODES.format(file=blank.name)


def test_not_a_hcpcs_file(tmp_path: Path) -> None:
    path = write_txt(tmp_path, ["code,description", "A0425,Ground mileage"])
    assert raises(path) == MSG_TXT_LENGTH.format(file=path.name, line=1, width=320, length=16)
    other = tmp_path / f"{BROKEN}.csv"
    other.write_text("code,description\n")
    assert raises(other) == MSG_SUFFIX.format(file=other.name, suffix=".csv")
    missing = tmp_path / f"{BROKEN}_missing.txt"
    assert raises(missing) == MSG_NOT_FOUND.format(file=missing.name)


# --- broken workbooks ------------------------------------------------------------------------------


def test_xlsx_missing_columns(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(EXCERPT_XLSX)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for name in ("TOS3", "BETOS"):
        sheet.delete_cols(header.index(name) + 1)
        header.remove(name)
    path = tmp_path / f"{BROKEN}.xlsx"
    workbook.save(path)
    assert raises(path) == MSG_XLSX_HEADER.format(file=path.name, sheet=sheet.title, missing="BETOS, TOS3")


def test_xlsx_of_something_else(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["code", "description"])
    sheet.append(["A0425", "Ground mileage"])
    path = tmp_path / f"{BROKEN}.xlsx"
    workbook.save(path)
    message = raises(path)
    assert message.startswith(f"{path.name}, sheet '{sheet.title}', row 1: missing column(s) HCPC, SEQNUM")
    empty = openpyxl.Workbook()
    empty.save(path)
    assert raises(path) == MSG_EMPTY.format(file=path.name)


def test_xlsx_bad_record_id_and_unreadable(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(EXCERPT_XLSX)
    sheet = workbook.worksheets[0]
    sheet.cell(row=5, column=3).value = "4"
    path = tmp_path / f"{BROKEN}.xlsx"
    workbook.save(path)
    assert raises(path) == MSG_XLSX_RECORD_ID.format(file=path.name, row=5, value="4")
    shutil.copy(EXCERPT_TXT, path)
    assert raises(path) == MSG_XLSX_UNREADABLE.format(file=path.name, error="BadZipFile")


# --- the full January 2026 files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_txt() -> list[Record]:
    return list(hcpcs.parse(FULL_TXT))


@pytest.fixture(scope="module")
def full_xlsx() -> list[Record]:
    return list(hcpcs.parse(FULL_XLSX))


@pytest.mark.shared_data
@needs_shared
def test_full_counts_match_the_files(full_txt: list[Record], full_xlsx: list[Record]) -> None:
    record_ids = Counter(line[10:11] for line in FULL_TXT.read_text(encoding="ascii").splitlines())
    workbook = openpyxl.load_workbook(FULL_XLSX, read_only=True)
    xlsx_ids = Counter(str(row[2]) for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    workbook.close()
    for records in (full_txt, full_xlsx):
        kinds = Counter(r.kind for r in records if isinstance(r, Concept))
        assert kinds["code"] == record_ids["3"] == xlsx_ids["3"] == 8623
        assert kinds["modifier"] == record_ids["7"] == xlsx_ids["7"] == 383
        assert [r for r in records if isinstance(r, Release)] == [JAN_2026, MODIFIERS_JAN_2026]
    codes = [r for r in full_txt if isinstance(r, Concept) and r.kind == "code"]
    ranges = {r.code for r in full_txt if isinstance(r, Concept) and r.kind == "range"}
    assert {c.parent for c in codes} == ranges
    assert ranges == {f"{start}-{end}" for start, end, _title in hcpcs.RANGES}
    assert sum(not c.billable for c in codes) == sum(1 for c in codes if "termination_date" in c.attrs) == 1300


@pytest.mark.shared_data
@needs_shared
def test_full_txt_and_xlsx_agree(full_txt: list[Record], full_xlsx: list[Record]) -> None:
    txt, xlsx = concepts(full_txt), concepts(full_xlsx)
    assert list(txt) == list(xlsx)
    differences = set()
    for key, a in txt.items():
        b = xlsx[key]
        assert (a.code, a.title, a.short_title, a.kind, a.parent, a.billable) == (
            b.code,
            b.title,
            b.short_title,
            b.kind,
            b.parent,
            b.billable,
        )
        for name in a.attrs.keys() | b.attrs.keys():
            if a.attrs.get(name) != b.attrs.get(name):
                differences.add((a.code, name, a.attrs.get(name), b.attrs.get(name)))
    # The two official forms of January 2026 differ in their data (not in the text): the .xlsx
    # leaves the action effective date of 117 codes blank, and gives C9248 a third pricing
    # indicator (11) that the .txt does not carry.
    assert ("C9248", "pricing_indicator", "53", "53,11") in differences
    others = differences - {("C9248", "pricing_indicator", "53", "53,11")}
    assert {(name, b) for _code, name, _a, b in others} == {("action_effective_date", None)}
    assert len(others) == 117


@pytest.mark.shared_data
@needs_shared
def test_full_known_descriptors(full_txt: list[Record]) -> None:
    found = concepts(full_txt)
    for code, text in KNOWN.items():
        assert found[("hcpcs", code)].title == text
    for code, text in KNOWN_MODIFIERS.items():
        assert found[("modifier", code)].title == text
    # Long descriptors run over many 80-character lines (G0558 over 59) and come out whole.
    g0558 = found[("hcpcs", "G0558")].title
    assert g0558.startswith("Advanced primary care management services for a patient")
    assert g0558.endswith("and meaningful use of certified ehr technology")


# --- the embedded default from pyoce ---------------------------------------------------------------


def test_pyoce_default() -> None:
    records = list(hcpcs.parse_pyoce_default())
    release = records[0]
    assert isinstance(release, Release)
    assert release.system == "hcpcs" and release.version.startswith("pyoce-")
    assert release.effective_from.year >= 2026
    assert "short descriptors" in release.title
    assert not any(isinstance(r, Release) for r in records[1:])
    codes = {r.code: r for r in records if isinstance(r, Concept) and r.kind == "code"}
    ranges = {r.code for r in records if isinstance(r, Concept) and r.kind == "range"}
    assert len(codes) > 5000
    assert all(re.fullmatch(r"[A-CE-Z]\d{4}", code) for code in codes)
    assert sum(code.startswith("J") for code in codes) > 500
    assert codes["J2680"].title == "Fluphenazine decanoate 25 mg"
    assert codes["J2680"].attrs == {"descriptor": "short"}
    assert {c.parent for c in codes.values()} <= ranges
    assert "99213" not in codes and "0001A" not in codes


def test_pyoce_unknown_version() -> None:
    with pytest.raises(IngestError) as caught:
        list(hcpcs.parse_pyoce_default(ioce_version=1))
    assert caught.value.message.startswith(MSG_PYOCE_VERSION.split("{versions}")[0].format(version=1))
