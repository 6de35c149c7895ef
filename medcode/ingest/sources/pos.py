"""Read the CMS Place of Service code set (CSV) into place-of-service releases and concepts."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources.common import read_text

MSG_EMPTY = "{file}: the file is empty; expected a CSV header line naming the code, name and description columns"
MSG_NOT_CSV = (
    "{file}, line {line}: expected comma-separated columns (code,name,description,...); "
    "found a single column, is the file delimited by something else?"
)
MSG_MISSING_COLUMNS = "{file}, line {line}: missing column(s) {missing}; the header has {found}"
MSG_BAD_CODE = "{file}, line {line}: '{code}' is not a place of service code; expected two digits (01-99)"
MSG_BAD_RANGE = "{file}, line {line}: '{code}' is not a range of place of service codes; expected e.g. 28-30"
MSG_BAD_SETTING = "{file}, line {line}: setting '{value}' is not one of Facility, Non-Facility (or blank)"
MSG_MISSING_VALUE = "{file}, line {line}: the {column} column is blank for code {code}"
MSG_SHORT_ROW = "{file}, line {line}: expected {expected} columns as the header says, found {found}"
MSG_DUPLICATE = "{file}, line {line}: code {code} was already given on line {first}"
MSG_NO_CODES = "{file}: no place of service codes after the header"
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file"

TITLE = "CMS Place of Service Code Set"
DEFAULT_TITLE = "CMS Place of Service Code Set (transcribed)"
DEFAULT_FILE = "pos_default.csv"
# The state of the CMS code set that pos_default.csv transcribes (POS 66 is its latest addition).
DEFAULT_VERSION = "2025-10"
DEFAULT_EFFECTIVE_FROM = dt.date(2025, 10, 1)

UNASSIGNED = "unassigned"

# Accepted header spellings (compared after lower-casing and turning non-alphanumerics into "_").
CODE_COLUMNS = ("pos_code", "code", "place_of_service_code", "pos", "place_of_service_code_s")
NAME_COLUMNS = ("pos_name", "name", "place_of_service_name")
DESCRIPTION_COLUMNS = ("pos_description", "description", "place_of_service_description")
SETTING_COLUMNS = ("pos_type", "pricing_setting", "setting", "type", "facility_type", "facility_non_facility")

SETTINGS = {"facility": "facility", "non_facility": "non-facility", "nonfacility": "non-facility"}

_CODE = re.compile(r"\d{1,2}")
_RANGE = re.compile(r"(\d{1,2})\s*[-\u2013]\s*(\d{1,2})")
_DATE_IN_NAME = re.compile(r"(20\d{2})[-_]?(0[1-9]|1[0-2])(?:[-_]?(0[1-9]|[12]\d|3[01]))?")


def parse(
    path: Path,
    *,
    version: str | None = None,
    effective_from: dt.date | None = None,
    title: str = TITLE,
) -> Iterator[Record]:
    """Yield the release, then one concept per place of service code of a CMS POS CSV file.

    The version and effective date come from the arguments, else from a date in the file name
    (``pos_2025-10.csv``), else from the file's modification date.
    """
    path = Path(path)
    name = path.name
    text = _read_text(path)
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise IngestError(MSG_EMPTY.format(file=name))
    reader = csv.reader(lines[header_index:])
    header = next(reader)
    header_line = header_index + 1
    columns = _columns(header, file=name, line=header_line)

    if effective_from is None:
        effective_from = _date_from_name(name) or _modified(path)
    yield Release(
        system="pos",
        version=version or effective_from.strftime("%Y-%m"),
        effective_from=effective_from,
        title=title,
    )

    seen: dict[str, int] = {}
    count = 0
    for offset, row in enumerate(reader, start=1):
        line = header_line + offset
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            if len(row) == 1:
                raise IngestError(MSG_NOT_CSV.format(file=name, line=line))
            raise IngestError(MSG_SHORT_ROW.format(file=name, line=line, expected=len(header), found=len(row)))
        raw_code = row[columns["code"]].strip()
        title_text = row[columns["name"]].strip()
        description = row[columns["description"]].strip()
        setting_raw = row[columns["setting"]].strip() if "setting" in columns else ""
        unassigned = title_text.lower() == UNASSIGNED
        codes = _codes(raw_code, file=name, line=line, allow_range=unassigned)
        if not title_text:
            raise IngestError(MSG_MISSING_VALUE.format(file=name, line=line, column="name", code=raw_code))
        if not description and not unassigned:
            raise IngestError(MSG_MISSING_VALUE.format(file=name, line=line, column="description", code=raw_code))
        setting = _setting(setting_raw, file=name, line=line)
        attrs: dict[str, str] = {}
        if description and description.upper() != "N/A":
            attrs["description"] = description
        if setting:
            attrs["setting"] = setting
        if unassigned:
            attrs["status"] = UNASSIGNED
        for code in codes:
            if code in seen:
                raise IngestError(MSG_DUPLICATE.format(file=name, line=line, code=code, first=seen[code]))
            seen[code] = line
            count += 1
            yield Concept(code=code, title=title_text, kind="code", billable=not unassigned, attrs=dict(attrs))
    if count == 0:
        raise IngestError(MSG_NO_CODES.format(file=name))


def default_path() -> Path:
    """Where the transcribed default code set (our own CSV layout) lives in the package."""
    return Path(str(resources.files("medcode.ingest.sources") / DEFAULT_FILE))


def parse_default() -> Iterator[Record]:
    """Yield the place of service codes transcribed from the CMS web page (embedded default)."""
    return parse(
        default_path(),
        version=DEFAULT_VERSION,
        effective_from=DEFAULT_EFFECTIVE_FROM,
        title=DEFAULT_TITLE,
    )


def _read_text(path: Path) -> str:
    return read_text(path, bad_encoding=MSG_BAD_ENCODING)


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _columns(header: list[str], *, file: str, line: int) -> dict[str, int]:
    normal = [_normal(h) for h in header]
    if len(header) == 1:
        raise IngestError(MSG_NOT_CSV.format(file=file, line=line))
    wanted = {"code": CODE_COLUMNS, "name": NAME_COLUMNS, "description": DESCRIPTION_COLUMNS}
    found: dict[str, int] = {}
    missing: list[str] = []
    for key, spellings in wanted.items():
        index = next((normal.index(s) for s in spellings if s in normal), None)
        if index is None:
            missing.append(f"{key} ({' or '.join(spellings[:2])})")
        else:
            found[key] = index
    if missing:
        raise IngestError(
            MSG_MISSING_COLUMNS.format(file=file, line=line, missing=", ".join(missing), found=", ".join(header))
        )
    setting = next((normal.index(s) for s in SETTING_COLUMNS if s in normal), None)
    if setting is not None:
        found["setting"] = setting
    return found


def _codes(raw: str, *, file: str, line: int, allow_range: bool) -> list[str]:
    if _CODE.fullmatch(raw) and int(raw) >= 1:
        return [raw.zfill(2)]
    match = _RANGE.fullmatch(raw)
    if match and allow_range:
        first, last = int(match.group(1)), int(match.group(2))
        if 1 <= first <= last <= 99:
            return [f"{n:02d}" for n in range(first, last + 1)]
        raise IngestError(MSG_BAD_RANGE.format(file=file, line=line, code=raw))
    raise IngestError(MSG_BAD_CODE.format(file=file, line=line, code=raw))


def _setting(raw: str, *, file: str, line: int) -> str:
    if not raw or raw.upper() == "N/A":
        return ""
    setting = SETTINGS.get(_normal(raw))
    if setting is None:
        raise IngestError(MSG_BAD_SETTING.format(file=file, line=line, value=raw))
    return setting


def _date_from_name(name: str) -> dt.date | None:
    match = _DATE_IN_NAME.search(name)
    if match is None:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))


def _modified(path: Path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
