"""Read HCPCS Level II codes and modifiers: the CMS Alpha-Numeric HCPCS file, or the pyoce default."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Literal

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release

MSG_NOT_FOUND = "{file}: no such file; expected the CMS Alpha-Numeric HCPCS file (ANWEB .txt or .xlsx)"
MSG_EMPTY = "{file}: the file is empty; expected the CMS Alpha-Numeric HCPCS file (ANWEB .txt or .xlsx)"
MSG_SUFFIX = (
    "{file}: cannot read a '{suffix}' file; expected the CMS Alpha-Numeric HCPCS file as the "
    "fixed-width ANWEB .txt or the .xlsx"
)
MSG_NO_VERSION = (
    "{file}: cannot tell the release from the file name; expected a CMS name such as "
    "HCPC2026_JAN_ANWEB_01122026.txt (JAN, APR, JUL or OCT), or pass version='2026-01' "
    "and/or effective_from"
)
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file; expected the ANWEB fixed-width .txt"
MSG_TXT_LENGTH = (
    "{file}, line {line}: expected a {width}-character ANWEB record, found {length} characters "
    "(a truncated line, or not the CMS Alpha-Numeric HCPCS file)"
)
MSG_TXT_RECORD_ID = (
    "{file}, line {line}: record identification code '{value}' in column 11 is unknown; expected "
    "3 or 4 (procedure code, first or next line) or 7 or 8 (modifier, first or next line)"
)
MSG_TXT_SEQUENCE = "{file}, line {line}: sequence number '{value}' in columns 6-10 is not a number"
MSG_TXT_ORPHAN = (
    "{file}, line {line}: continuation record (id {record_id}) for '{code}' does not follow a line of "
    "that {what}; expected its first line (record id {first_id}) before it"
)
MSG_TXT_ORDER = (
    "{file}, line {line}: sequence number {value} of '{code}' does not follow {previous}; "
    "expected the descriptor lines of a code in ascending order"
)
MSG_BAD_CODE = (
    "{file}, {where}: '{code}' is not a HCPCS Level II code; expected a letter and four digits in columns 1-5"
)
MSG_BAD_MODIFIER = (
    "{file}, {where}: '{code}' is not a HCPCS Level II modifier; expected two letters or digits "
    "(in columns 4-5, columns 1-3 blank)"
)
MSG_CPT = (
    "{file}, {where}: '{code}' is a CPT (Level I) {what}, whose descriptor needs an AMA licence; "
    "expected the Level II ANWEB file, which carries none"
)
MSG_DUPLICATE = "{file}, {where}: '{code}' was already given ({first}); expected one record per code"
MSG_NO_DESCRIPTOR = "{file}, {where}: '{code}' has no long descriptor"
MSG_BAD_DATE = "{file}, {where}: {field} '{value}' of '{code}' is not a date; expected YYYYMMDD or blank"
MSG_BAD_NUMBER = "{file}, {where}: {field} '{value}' of '{code}' is not a number"
MSG_NO_CODES = "{file}: no HCPCS codes or modifiers found; expected the CMS Alpha-Numeric HCPCS file"
MSG_XLSX_UNREADABLE = "{file}: cannot open it as a workbook ({error}); expected the CMS HCPCS .xlsx"
MSG_XLSX_HEADER = (
    "{file}, sheet '{sheet}', row 1: missing column(s) {missing}; expected the CMS ANWEB header "
    "(HCPC, SEQNUM, RECID, LONG DESCRIPTION, SHORT DESCRIPTION, PRICE1 ... ACTION CD)"
)
MSG_XLSX_RECORD_ID = "{file}, row {row}: RECID '{value}' is unknown; expected 3 (procedure code) or 7 (modifier)"
MSG_XLSX_SEQUENCE = "{file}, row {row}: SEQNUM '{value}' is not a number"
MSG_PYOCE_MISSING = "The pyoce package (CMS I/OCE data) is not installed; it carries the default HCPCS list"
MSG_PYOCE_VERSION = "pyoce carries no I/OCE version {version}; it carries {versions}"
MSG_PYOCE_EMPTY = "pyoce carries no HCPCS Level II codes for I/OCE version {version}"

TITLE = "HCPCS Level II {month} {year}"
MODIFIER_TITLE = "HCPCS Level II modifiers {month} {year}"
PYOCE_TITLE = "HCPCS Level II short descriptors (CMS I/OCE {ioce} data, pyoce {version})"

RECORD_WIDTH = 320
LEVEL2_CODE = re.compile(r"[A-Z]\d{4}")
MODIFIER_CODE = re.compile(r"[A-Z0-9]{2}")
# CDT dental codes (D0120...) are ADA copyrighted: never imported, whichever file carries them.
CDT_LETTER = "D"

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_QUARTERS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
_NAME = re.compile(r"HCPC(?P<year>(?:19|20)\d{2})_?(?P<month>JAN|APR|JUL|OCT)", re.IGNORECASE)
_VERSION = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")

# The code ranges of HCPCS Level II by their section headings. Titles are ours (after the usual
# CMS/industry headings), so range concepts carry attrs {"generated": "true"}.
RANGES: tuple[tuple[str, str, str], ...] = (
    ("A0000", "A0999", "Transportation Services Including Ambulance"),
    ("A2000", "A2999", "Skin Substitutes"),
    ("A4000", "A8999", "Medical and Surgical Supplies"),
    ("A9000", "A9999", "Administrative, Miscellaneous and Investigational"),
    ("B4000", "B9999", "Enteral and Parenteral Therapy"),
    ("C1000", "C9999", "Outpatient PPS"),
    ("E0100", "E9999", "Durable Medical Equipment"),
    ("G0000", "G9999", "Procedures/Professional Services (Temporary)"),
    ("H0001", "H9999", "Alcohol and Drug Abuse Treatment Services"),
    ("J0000", "J8499", "Drugs Administered Other Than Oral Method"),
    ("J8500", "J9999", "Chemotherapy Drugs"),
    ("K0000", "K9999", "Temporary Codes (DME MACs)"),
    ("L0000", "L4999", "Orthotic Procedures and Devices"),
    ("L5000", "L9999", "Prosthetic Procedures"),
    ("M0000", "M9999", "Other Medical Services"),
    ("P0000", "P9999", "Pathology and Laboratory Services"),
    ("Q0000", "Q9999", "Temporary Codes"),
    ("R0000", "R9999", "Diagnostic Radiology Services"),
    ("S0000", "S9999", "Temporary National Codes (Non-Medicare)"),
    ("T1000", "T9999", "National Codes Established for State Medicaid Agencies"),
    ("U0000", "U9999", "Coronavirus Diagnostic Panel"),
    ("V0000", "V2999", "Vision Services"),
    ("V5000", "V5999", "Hearing and Speech-Language Pathology Services"),
)
# A code outside every range above falls into its letter's range with this title.
LETTER_RANGE_TITLE = "HCPCS Level II {letter} codes"
GENERATED = {"generated": "true"}


Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class _Field:
    """One detail field of the ANWEB record: attr key, label, txt columns and xlsx header(s)."""

    key: str
    label: str
    spans: Spans  # 1-based inclusive columns of the .txt, one span per occurrence
    columns: tuple[str, ...]  # .xlsx header names, one per occurrence
    kind: Literal["text", "date", "number"] = "text"


def _occurs(start: int, width: int, count: int, column: str) -> tuple[Spans, tuple[str, ...]]:
    spans = tuple((start + i * width, start + (i + 1) * width - 1) for i in range(count))
    return spans, tuple(f"{column}{i + 1}" for i in range(count))


def _one(start: int, end: int, column: str) -> tuple[Spans, tuple[str, ...]]:
    return ((start, end),), (column,)


# The detail fields of the first line of a record (HCPC2026_recordlayout.txt, items 9-30). A field
# that occurs several times gives one attr, its non-blank occurrences joined by commas.
FIELDS: tuple[_Field, ...] = (
    _Field("pricing_indicator", "pricing indicator", *_occurs(120, 2, 4, "PRICE")),
    _Field("multiple_pricing_indicator", "multiple pricing indicator", *_one(128, 128, "MULT_PI")),
    _Field("cim_reference", "coverage issues manual reference", *_occurs(129, 6, 3, "CIM")),
    _Field("mcm_reference", "Medicare carriers manual reference", *_occurs(147, 8, 3, "MCM")),
    _Field("statute", "statute number", *_one(171, 180, "STATUTE")),
    _Field("lab_certification", "lab certification code", *_occurs(181, 3, 8, "LABCERT")),
    _Field("cross_reference", "cross reference code", *_occurs(205, 5, 5, "XREF")),
    _Field("coverage_code", "coverage code", *_one(230, 230, "COV")),
    _Field("asc_payment_group", "ASC payment group", *_one(231, 232, "ASC_GRP")),
    _Field("asc_payment_group_date", "ASC group date", *_one(233, 240, "ASC_DT"), kind="date"),
    _Field("mog_payment_group", "MOG payment group", *_one(241, 243, "OPPS")),
    _Field("mog_payment_policy_indicator", "MOG payment policy", *_one(244, 244, "OPPS_PI")),
    _Field("mog_effective_date", "MOG effective date", *_one(245, 252, "OPPS_DT"), kind="date"),
    _Field("processing_note", "processing note number", *_one(253, 256, "PROCNOTE")),
    _Field("betos", "BETOS code", *_one(257, 259, "BETOS")),
    _Field("type_of_service", "type of service", *_occurs(261, 1, 5, "TOS")),
    _Field("anesthesia_base_units", "anesthesia base units", *_one(266, 268, "ANEST_BU"), kind="number"),
    _Field("add_date", "code added date", *_one(269, 276, "ADD DT"), kind="date"),
    _Field("action_effective_date", "action effective date", *_one(277, 284, "ACT EFF DT"), kind="date"),
    _Field("termination_date", "termination date", *_one(285, 292, "TERM DT"), kind="date"),
    _Field("action_code", "action code", *_one(293, 293, "ACTION CD")),
)
XLSX_COLUMNS: tuple[str, ...] = (
    "HCPC",
    "SEQNUM",
    "RECID",
    "LONG DESCRIPTION",
    "SHORT DESCRIPTION",
    *(column for f in FIELDS for column in f.columns),
)

# Record identification codes (column 11): first and next lines of procedure codes and modifiers.
_FIRST_CODE, _NEXT_CODE, _FIRST_MODIFIER, _NEXT_MODIFIER = "3", "4", "7", "8"
_NO_DATE = "00000000"


@dataclass(slots=True)
class _Entry:
    """One code or modifier as read from either form, before conversion to a Concept."""

    code: str
    modifier: bool
    where: str
    long_parts: list[str]
    short: str
    raw: dict[str, list[str]]
    last_sequence: int = 0


def parse(
    path: Path,
    *,
    version: str | None = None,
    effective_from: dt.date | None = None,
) -> Iterator[Record]:
    """Yield the HCPCS release, ranges and codes, then the modifier release and modifiers.

    Reads the CMS Alpha-Numeric HCPCS file as the fixed-width ANWEB ``.txt`` or the ``.xlsx``
    (chosen by suffix); both give the same records. The version and effective date come from the
    file name (``HCPC2026_JAN_...`` is 2026-01, from 2026-01-01) unless given. Long descriptors
    are the official text with each run of spaces made one (the ``.txt`` wraps them at 80
    characters and cannot keep a double space at a line break). Dental (CDT) codes are skipped.
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in (".txt", ".xlsx"):
        raise IngestError(MSG_SUFFIX.format(file=name, suffix=path.suffix or "(no suffix)"))
    version, effective_from = _release_of(name, version, effective_from)
    if not path.is_file():
        raise IngestError(MSG_NOT_FOUND.format(file=name))
    if path.stat().st_size == 0:
        raise IngestError(MSG_EMPTY.format(file=name))
    entries = _read_txt(path) if suffix == ".txt" else _read_xlsx(path)
    if not entries:
        raise IngestError(MSG_NO_CODES.format(file=name))

    month, year = MONTHS[effective_from.month - 1], effective_from.year
    codes = [_concept(name, entry, effective_from) for entry in entries if not entry.modifier]
    modifiers = [_concept(name, entry, effective_from) for entry in entries if entry.modifier]
    yield Release(
        system="hcpcs",
        version=version,
        effective_from=effective_from,
        title=TITLE.format(month=month, year=year),
    )
    yield from range_concepts(concept.code for concept in codes)
    yield from codes
    if modifiers:
        yield Release(
            system="modifier",
            version=version,
            effective_from=effective_from,
            title=MODIFIER_TITLE.format(month=month, year=year),
        )
        yield from modifiers


def parse_pyoce_default(*, ioce_version: int | None = None) -> Iterator[Record]:
    """Yield HCPCS Level II codes with their short descriptors from the I/OCE data pyoce carries.

    The newest I/OCE version by default. Only Level II codes (a letter and four digits, not CDT
    dental codes); CPT codes and their descriptors are never read. pyoce carries no modifier
    descriptors, so no modifiers are yielded.
    """
    try:
        from pyoce.dao.provider import LmdbDataProvider
    except ImportError:  # pragma: no cover - pyoce is a dependency
        raise IngestError(MSG_PYOCE_MISSING) from None

    provider = LmdbDataProvider.get_instance()
    versions: dict[int, dict[str, Any]] = {}
    for _key, row in provider.get_multi("version_range", ""):
        versions[int(row["version"])] = row
    chosen = max(versions) if ioce_version is None else ioce_version
    if chosen not in versions:
        raise IngestError(
            MSG_PYOCE_VERSION.format(version=chosen, versions=", ".join(str(v) for v in sorted(versions)))
        )
    meta = versions[chosen]
    ioce = str(meta["version_id"])
    effective_from = _yyyymmdd(int(meta["date_started"]))

    short: dict[str, str] = {}
    for key, row in provider.get_multi("data_hcpcs", ""):
        code, lo, hi = key.decode("ascii").split("|")
        if not LEVEL2_CODE.fullmatch(code) or code[0] == CDT_LETTER:
            continue
        if not int(lo) <= chosen <= int(hi):
            continue
        descriptor = str(row.get("description") or "").strip()
        if descriptor:
            short[code] = descriptor
    if not short:
        raise IngestError(MSG_PYOCE_EMPTY.format(version=chosen))

    yield Release(
        system="hcpcs",
        version=f"pyoce-{ioce}",
        effective_from=effective_from,
        title=PYOCE_TITLE.format(ioce=ioce, version=package_version("pyoce")),
    )
    codes = sorted(short)
    yield from range_concepts(codes)
    for code in codes:
        yield Concept(
            code=code,
            title=short[code],
            kind="code",
            parent=range_of(code),
            billable=True,
            short_title=short[code],
            attrs={"descriptor": "short"},
        )


def range_of(code: str) -> str:
    """The code of the range concept ("A0000-A0999") that a Level II code belongs to."""
    for start, end, _title in RANGES:
        if start <= code <= end:
            return f"{start}-{end}"
    return f"{code[0]}0000-{code[0]}9999"


def range_concepts(codes: Iterable[str]) -> Iterator[Concept]:
    """The range concepts that hold at least one of ``codes``, in code order (titles are ours)."""
    titles = {f"{start}-{end}": title for start, end, title in RANGES}
    used = sorted({range_of(code) for code in codes})
    for code in used:
        title = titles.get(code) or LETTER_RANGE_TITLE.format(letter=code[0])
        yield Concept(code=code, title=title, kind="range", attrs=dict(GENERATED))


def _release_of(name: str, version: str | None, effective_from: dt.date | None) -> tuple[str, dt.date]:
    derived: tuple[str, dt.date] | None = None
    match = _NAME.search(name)
    if match is not None:
        year, month = int(match["year"]), _QUARTERS[match["month"].upper()]
        derived = (f"{year:04d}-{month:02d}", dt.date(year, month, 1))
    if version is None:
        if effective_from is not None:
            version = f"{effective_from.year:04d}-{effective_from.month:02d}"
        elif derived is not None:
            version = derived[0]
    if effective_from is None and version is not None:
        stated = _VERSION.fullmatch(version)
        if stated is not None and 1 <= int(stated["month"]) <= 12:
            effective_from = dt.date(int(stated["year"]), int(stated["month"]), 1)
        elif derived is not None:
            effective_from = derived[1]
    if version is None or effective_from is None:
        raise IngestError(MSG_NO_VERSION.format(file=name))
    return version, effective_from


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise IngestError(MSG_BAD_ENCODING.format(file=path.name)) from None


def _read_txt(path: Path) -> list[_Entry]:
    """The codes and modifiers of a fixed-width ANWEB file, continuation lines gathered."""
    name = path.name
    entries: list[_Entry] = []
    seen: dict[str, _Entry] = {}
    current: _Entry | None = None
    for index, physical in enumerate(_read_text(path).split("\n")):
        line = index + 1
        text = physical.rstrip("\r")
        if not text.strip():
            continue
        # One line of the real file (2026-01, G9871) carries blanks beyond column 320.
        if len(text) < RECORD_WIDTH or text[RECORD_WIDTH:].strip():
            raise IngestError(MSG_TXT_LENGTH.format(file=name, line=line, width=RECORD_WIDTH, length=len(text)))
        record_id = text[10]
        sequence_text = text[5:10]
        if not sequence_text.isdigit():
            raise IngestError(MSG_TXT_SEQUENCE.format(file=name, line=line, value=sequence_text))
        sequence = int(sequence_text)
        where = f"line {line}"
        if record_id in (_FIRST_CODE, _FIRST_MODIFIER):
            modifier = record_id == _FIRST_MODIFIER
            code = _check_code(name, where, text[0:5], modifier=modifier)
            current = None
            if code is None:  # a CDT code: skipped with its continuation lines
                continue
            if code in seen:
                raise IngestError(MSG_DUPLICATE.format(file=name, where=where, code=code, first=seen[code].where))
            current = _Entry(
                code=code,
                modifier=modifier,
                where=where,
                long_parts=[text[11:91]],
                short=text[91:119],
                raw={f.key: [text[a - 1 : b] for a, b in f.spans] for f in FIELDS},
                last_sequence=sequence,
            )
            seen[code] = current
            entries.append(current)
        elif record_id in (_NEXT_CODE, _NEXT_MODIFIER):
            modifier = record_id == _NEXT_MODIFIER
            code = text[0:5].strip()
            if current is None and code[:1] == CDT_LETTER and not modifier:
                continue
            if current is None or current.code != code or current.modifier != modifier:
                raise IngestError(
                    MSG_TXT_ORPHAN.format(
                        file=name,
                        line=line,
                        record_id=record_id,
                        code=code,
                        what="modifier" if modifier else "code",
                        first_id=_FIRST_MODIFIER if modifier else _FIRST_CODE,
                    )
                )
            if sequence <= current.last_sequence:
                raise IngestError(
                    MSG_TXT_ORDER.format(
                        file=name, line=line, value=sequence, code=code, previous=current.last_sequence
                    )
                )
            current.long_parts.append(text[11:91])
            current.last_sequence = sequence
        else:
            raise IngestError(MSG_TXT_RECORD_ID.format(file=name, line=line, value=record_id))
    return entries


def _read_xlsx(path: Path) -> list[_Entry]:
    """The codes and modifiers of the ANWEB workbook (one row per code, descriptors joined)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise IngestError(MSG_XLSX_UNREADABLE.format(file=name, error=type(exc).__name__)) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(_cell(value) for value in header):
            raise IngestError(MSG_EMPTY.format(file=name))
        index = {_header_key(_cell(value)): i for i, value in enumerate(header) if _cell(value)}
        missing = [column for column in XLSX_COLUMNS if _header_key(column) not in index]
        if missing:
            raise IngestError(MSG_XLSX_HEADER.format(file=name, sheet=sheet.title, missing=", ".join(missing)))
        at = {column: index[_header_key(column)] for column in XLSX_COLUMNS}
        width = max(at.values()) + 1
        entries: list[_Entry] = []
        seen: dict[str, _Entry] = {}
        for number, values in enumerate(rows, start=2):
            cells = [_cell(value) for value in values]
            if not any(cell.strip() for cell in cells):
                continue
            cells += [""] * (width - len(cells))
            where = f"row {number}"
            record_id = cells[at["RECID"]].strip()
            if record_id not in (_FIRST_CODE, _FIRST_MODIFIER):
                raise IngestError(MSG_XLSX_RECORD_ID.format(file=name, row=number, value=record_id))
            sequence = cells[at["SEQNUM"]].strip()
            if not sequence.isdigit():
                raise IngestError(MSG_XLSX_SEQUENCE.format(file=name, row=number, value=sequence))
            modifier = record_id == _FIRST_MODIFIER
            code = _check_code(name, where, cells[at["HCPC"]], modifier=modifier)
            if code is None:
                continue
            if code in seen:
                raise IngestError(MSG_DUPLICATE.format(file=name, where=where, code=code, first=seen[code].where))
            entry = _Entry(
                code=code,
                modifier=modifier,
                where=where,
                long_parts=[cells[at["LONG DESCRIPTION"]]],
                short=cells[at["SHORT DESCRIPTION"]],
                raw={f.key: [cells[at[column]] for column in f.columns] for f in FIELDS},
            )
            seen[code] = entry
            entries.append(entry)
        return entries
    finally:
        workbook.close()


def _header_key(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def _cell(value: object) -> str:
    """A workbook cell as the text the fixed-width file would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_code(file: str, where: str, raw: str, *, modifier: bool) -> str | None:
    """The code of a first line, checked; None for a CDT code, which is skipped."""
    code = raw.strip().upper()
    if modifier:
        if raw.rstrip()[:-2].strip() or not MODIFIER_CODE.fullmatch(code):
            raise IngestError(MSG_BAD_MODIFIER.format(file=file, where=where, code=raw.strip()))
        if code.isdigit():
            raise IngestError(MSG_CPT.format(file=file, where=where, code=code, what="modifier"))
        return code
    if re.fullmatch(r"\d{4}[0-9A-Z]", code):
        raise IngestError(MSG_CPT.format(file=file, where=where, code=code, what="code"))
    if not LEVEL2_CODE.fullmatch(code):
        raise IngestError(MSG_BAD_CODE.format(file=file, where=where, code=raw.strip()))
    if code[0] == CDT_LETTER:
        return None
    return code


def _concept(file: str, entry: _Entry, effective_from: dt.date) -> Concept:
    # The .txt wraps the long descriptor at 80 characters on word boundaries (the break takes the
    # space); joining the lines with one space and making every run of spaces one gives the same
    # text from both forms.
    title = " ".join(" ".join(entry.long_parts).split())
    if not title:
        raise IngestError(MSG_NO_DESCRIPTOR.format(file=file, where=entry.where, code=entry.code))
    attrs = _attrs(file, entry)
    termination = attrs.get("termination_date")
    billable = termination is None or dt.date.fromisoformat(termination) >= effective_from
    return Concept(
        code=entry.code,
        title=title,
        kind="modifier" if entry.modifier else "code",
        parent=None if entry.modifier else range_of(entry.code),
        billable=billable,
        short_title=entry.short.strip() or None,
        attrs=attrs,
    )


def _attrs(file: str, entry: _Entry) -> dict[str, str]:
    """The detail fields of an entry as attrs: CMS values, dates as YYYY-MM-DD, blanks left out."""
    attrs: dict[str, str] = {}
    for f in FIELDS:
        values = [value.strip() for value in entry.raw[f.key]]
        values = [value for value in values if value]
        if not values:
            continue
        if f.kind == "date":
            value = values[0]
            if value == _NO_DATE:
                continue
            attrs[f.key] = _iso_date(file, entry, f, value)
        elif f.kind == "number":
            if not values[0].isdigit():
                raise IngestError(
                    MSG_BAD_NUMBER.format(file=file, where=entry.where, field=f.label, value=values[0], code=entry.code)
                )
            attrs[f.key] = values[0]
        else:
            attrs[f.key] = ",".join(values)
    return attrs


def _iso_date(file: str, entry: _Entry, f: _Field, value: str) -> str:
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise IngestError(
            MSG_BAD_DATE.format(file=file, where=entry.where, field=f.label, value=value, code=entry.code)
        ) from None


def _yyyymmdd(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)
