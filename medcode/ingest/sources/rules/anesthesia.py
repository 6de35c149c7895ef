"""Anesthesia payment data: the CMS ANES file (conversion factor by locality) and the base units by code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import AnesBase, AnesCf, Record, Release
from medcode.ingest.sources.rules import tabular

MSG_NO_ANES_FILE = "{file}: holds no anesthesia conversion factor file (e.g. ANES2025.csv)"
MSG_ANES_HEADER = (
    "{file}: found no header row Contractor, Locality, Locality Name, National Anes CF of ...; "
    "expected the CMS ANES file layout"
)
MSG_NO_YEAR = "{file}: cannot tell which year this file is for; name it with the year (e.g. ANES2025.csv)"
MSG_BAD_NUMBER = "{file}, line {line}: {column} '{value}' is not a number"
MSG_BAD_LOCALITY = "{file}, line {line}: contractor '{mac}' and locality '{locality}' must be numbers"
MSG_NO_ROWS = "{file}: no rows after the header"
MSG_BASE_HEADER = (
    "{file}: found no header row with a code column (CPT Code, HCPCS or Code) and a base units column "
    "(Base Unit or Base Units); expected the CMS anesthesia base units file"
)
MSG_BASE_CODE = "{file}, line {line}: '{code}' is not an anesthesia code (five digits, 00100-01999)"
MSG_BASE_RANGE = "{file}, line {line}: base units {value} for {code} is outside 0-30"

NATIONAL_MAC = "00000"
NATIONAL_LOCALITY = "00"
ANES_CODE = re.compile(r"0[01]\d{3}")
CF_TITLE = "Anesthesia conversion factors (CMS {file})"
BASE_TITLE = "Anesthesia base units (CMS {file})"
_YEAR = re.compile(r"(20\d{2})")
_NATIONAL = re.compile(r"national\s+anes\w*\s+cf\s+of\s+\$?([0-9]+\.[0-9]+)", re.IGNORECASE)


def _year(name: str, path: Path, names: list[str]) -> dt.date:
    for candidate in (name, path.name, *names):
        if match := _YEAR.search(candidate):
            return dt.date(int(match.group(1)), 1, 1)
        if found := tabular.effective_date_in_name(candidate):
            return dt.date(found.year, 1, 1)
    raise IngestError(MSG_NO_YEAR.format(file=name))


def parse_cf(path: Path) -> Iterator[Record]:
    """Yield the anesthesia CF release: the national CF (from the header) and one row per locality."""
    path = Path(path)
    members = tabular.members(path)
    names = [n for n, _ in members]
    found = [(n, c) for n, c in members if n.upper().startswith("ANES") or len(members) == 1]
    if not found:
        raise IngestError(MSG_NO_ANES_FILE.format(file=path.name))
    name, content = found[0]
    effective = _year(name, path, names)
    rows: list[AnesCf] = []
    national: float | None = None
    for row in tabular.rows(name, content):
        if national is None:
            heads = [tabular.normal(c) for c in row.cells]
            match = _NATIONAL.search(row.cell(3))
            if heads[:2] == ["contractor", "locality"] and match:
                national = float(match.group(1))
                rows.append(AnesCf(NATIONAL_MAC, NATIONAL_LOCALITY, "NATIONAL", national))
            continue
        mac, locality = row.cell(0), row.cell(1)
        if not mac and not locality:
            continue
        if not mac.isdigit() or not locality.isdigit():
            raise IngestError(MSG_BAD_LOCALITY.format(file=row.file, line=row.line, mac=mac, locality=locality))
        raw = row.cell(3).replace("$", "")
        try:
            cf = float(raw)
        except ValueError:
            raise IngestError(
                MSG_BAD_NUMBER.format(file=row.file, line=row.line, column="anesthesia CF", value=raw)
            ) from None
        rows.append(AnesCf(mac.zfill(5), locality.zfill(2), row.cell(2).rstrip("*").strip(), cf))
    if national is None:
        raise IngestError(MSG_ANES_HEADER.format(file=name))
    if len(rows) == 1:
        raise IngestError(MSG_NO_ROWS.format(file=name))
    yield Release(
        system="anes-cf",
        version=f"{effective.isoformat()} {Path(name).stem}",
        effective_from=effective,
        title=CF_TITLE.format(file=name),
        content="rules",
    )
    yield from rows


def parse_base(path: Path) -> Iterator[Record]:
    """Yield the base units release from the CMS anesthesia base units file (CSV or xlsx; descriptors never read)."""
    path = Path(path)
    members = tabular.members(path)
    names = [n for n, _ in members]
    name, content = members[0]
    effective = _year(name, path, names)
    columns: tuple[int, int] | None = None
    rows: list[AnesBase] = []
    for row in tabular.rows(name, content):
        if columns is None:
            heads = [tabular.normal(c) for c in row.cells]
            code_at = next(
                (i for i, h in enumerate(heads) if h in {"cpt code", "hcpcs", "code", "cpt", "hcpcs code"}), None
            )
            base_at = next((i for i, h in enumerate(heads) if h.startswith("base unit")), None)
            if code_at is not None and base_at is not None:
                columns = (code_at, base_at)
            continue
        code, raw = row.cell(columns[0]).upper(), row.cell(columns[1])
        if not code and not raw:
            continue
        if not ANES_CODE.fullmatch(code):
            raise IngestError(MSG_BASE_CODE.format(file=row.file, line=row.line, code=code))
        try:
            units = float(raw)
        except ValueError:
            raise IngestError(
                MSG_BAD_NUMBER.format(file=row.file, line=row.line, column=f"base units of {code}", value=raw)
            ) from None
        if not 0 <= units <= 30:
            raise IngestError(MSG_BASE_RANGE.format(file=row.file, line=row.line, value=raw, code=code))
        rows.append(AnesBase(code, units))
    if columns is None:
        raise IngestError(MSG_BASE_HEADER.format(file=name))
    if not rows:
        raise IngestError(MSG_NO_ROWS.format(file=name))
    yield Release(
        system="anes-base",
        version=f"{effective.isoformat()} {Path(name).stem}",
        effective_from=effective,
        title=BASE_TITLE.format(file=name),
        content="rules",
    )
    yield from rows
