"""Read CPT codes: an operator's licensed AMA data file, or bare code numbers from public CMS data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources.common import MSG_PYOCE_MISSING as MSG_PYOCE_MISSING
from medcode.ingest.sources.common import MSG_PYOCE_VERSION as MSG_PYOCE_VERSION
from medcode.ingest.sources.common import pyoce_version, read_text, yyyymmdd

MSG_EMPTY = "{file}: the file is empty; expected one CPT code per line as code<TAB>descriptor"
MSG_NO_TAB = (
    "{file}, line {line}: expected tab-delimited columns (code<TAB>descriptor); "
    "found no tab, is the file delimited by something else?"
)
MSG_MISSING_COLUMNS = (
    "{file}, line {line}: the header has no {missing} column; expected e.g. "
    "'CPT Code<TAB>Long Descriptor' or 'Concept Id<TAB>CPT Code<TAB>Long Descriptor', found: {found}"
)
MSG_BAD_CODE = (
    "{file}, line {line}: '{code}' is not a CPT code; expected 5 characters, 4 digits then a digit "
    "or F (Category II), T (Category III), U (PLA), M (MAAA) or A"
)
MSG_SHORT_ROW = "{file}, line {line}: expected {expected} tab-delimited columns, found {found}"
MSG_NO_DESCRIPTOR = "{file}, line {line}: code {code} has no descriptor"
MSG_DUPLICATE = "{file}, line {line}: code {code} was already given on line {first}"
MSG_NO_CODES = "{file}: no CPT codes after the header"
MSG_NO_VERSION = (
    "{file}: cannot tell which CPT year this file is; name it with the year (e.g. LONGULT_2026.txt) "
    "or pass the version (e.g. version='2026')"
)
MSG_BAD_VERSION = "{file}: version '{version}' does not name a CPT year; expected e.g. 2026"
MSG_NO_DATA_FILE = "{file}: the folder holds no AMA data file; expected one of {names}"
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file"

LICENSED_TITLE = "CPT {year} (AMA licensed data file)"
PUBLIC_TITLE = "CPT code numbers from public CMS files (no descriptors)"

# 4 digits then: a digit (Category I), F (Category II), T (Category III), U (Proprietary Laboratory
# Analyses), M (Multianalyte Assays with Algorithmic Analyses), A (vaccine administration).
CODE_PATTERN = re.compile(r"\d{4}[0-9FTUMA]")
CATEGORIES = {"F": "II", "T": "III", "U": "PLA", "M": "MAAA", "A": "I"}

# AMA data file names in the order a folder is searched (long descriptors first).
DATA_FILE_NAMES = ("LONGULT.txt", "LONGUT.txt", "LONG.txt", "MEDU.txt", "MED.txt", "SHORTU.txt", "SHORT.txt")

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CODE_HEADERS = ("cpt_code", "code", "cpt", "hcpcs")
_DESCRIPTOR_HEADERS = (
    "long_descriptor",
    "descriptor",
    "medium_descriptor",
    "short_descriptor",
    "description",
    "long_description",
)
_CONCEPT_ID_HEADERS = ("concept_id", "conceptid")
_CONCEPT_ID = re.compile(r"\d{1,12}")

# The public facts of one pyoce HCPCS row that a CPT page may show (never its descriptor).
_ADDON_FLAGS = (("addon_type1", "1"), ("addon_type2", "2"), ("addon_type3", "3"))
_NO_APC = "00000"


def cpt_category(code: str) -> str:
    """CPT category of a code from its last character: I, II, III, PLA or MAAA."""
    return CATEGORIES.get(code[-1], "I")


def parse(path: Path, *, version: str | None = None) -> Iterator[Record]:
    """Yield the release, then one concept per code of an AMA CPT data file (code<TAB>descriptor).

    Newer AMA files start with a header and may carry a concept id first
    ("Concept Id<TAB>CPT Code<TAB>Long Descriptor"); both layouts are read. A folder is searched
    for the AMA file names (long descriptors first). The year comes from ``version`` or else
    from the file or folder name.
    """
    path = _data_file(Path(path))
    name = path.name
    year = _year(path, version)
    lines = _read_text(path).splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise IngestError(MSG_EMPTY.format(file=name))

    head = lines[first].split("\t")
    code_col, descriptor_col, concept_col, start = _layout(head, file=name, line=first + 1)
    width = max(code_col, descriptor_col, concept_col if concept_col is not None else 0) + 1

    yield Release(
        system="cpt",
        version=version or str(year),
        effective_from=dt.date(year, 1, 1),
        title=LICENSED_TITLE.format(year=year),
    )
    seen: dict[str, int] = {}
    for index in range(start, len(lines)):
        raw = lines[index]
        line = index + 1
        if not raw.strip():
            continue
        if "\t" not in raw:
            raise IngestError(MSG_NO_TAB.format(file=name, line=line))
        cells = raw.rstrip("\r\n").split("\t")
        if len(cells) < width:
            raise IngestError(MSG_SHORT_ROW.format(file=name, line=line, expected=width, found=len(cells)))
        code = cells[code_col].strip().upper()
        if not CODE_PATTERN.fullmatch(code):
            raise IngestError(MSG_BAD_CODE.format(file=name, line=line, code=cells[code_col].strip()))
        descriptor = cells[descriptor_col].strip()
        if not descriptor:
            raise IngestError(MSG_NO_DESCRIPTOR.format(file=name, line=line, code=code))
        if code in seen:
            raise IngestError(MSG_DUPLICATE.format(file=name, line=line, code=code, first=seen[code]))
        seen[code] = line
        attrs = {"descriptor_source": "ama", "cpt_category": cpt_category(code)}
        if concept_col is not None and cells[concept_col].strip():
            attrs["ama_concept_id"] = cells[concept_col].strip()
        yield Concept(code=code, title=descriptor, kind="code", billable=True, attrs=attrs)
    if not seen:
        raise IngestError(MSG_NO_CODES.format(file=name))


def parse_public_codes(*, ioce_version: int | None = None) -> Iterator[Record]:
    """Yield the CPT code numbers of one I/OCE release (the newest by default) with public facts.

    The codes come from the HCPCS table of the CMS I/OCE data that pyoce carries. Titles are
    empty: a CPT descriptor needs an AMA licence, and the short descriptors in that table are
    never read.
    """
    provider, chosen, meta = pyoce_version(ioce_version)
    status_labels = _labels(provider.get_multi("data_status_indicator", ""), chosen)

    yield Release(
        system="cpt",
        version=f"public-ioce-{meta['version_id']}",
        effective_from=yyyymmdd(int(meta["date_started"])),
        title=PUBLIC_TITLE,
    )
    concepts: dict[str, Concept] = {}
    for key, row in provider.get_multi("data_hcpcs", ""):
        code, lo, hi = key.decode("ascii").split("|")
        if not (int(lo) <= chosen <= int(hi)) or not CODE_PATTERN.fullmatch(code):
            continue
        concepts[code] = Concept(
            code=code, title="", kind="code", billable=True, attrs=_public_attrs(code, row, status_labels)
        )
    for code in sorted(concepts):
        yield concepts[code]


def _public_attrs(code: str, row: dict[str, Any], status_labels: dict[str, str]) -> dict[str, str]:
    attrs = {"descriptor_source": "none", "cpt_category": cpt_category(code)}
    status = row.get("status_indicator")
    if status:
        attrs["status_indicator"] = str(status)
        if status in status_labels:
            attrs["status_indicator_label"] = status_labels[status]
    apc = row.get("apc")
    if apc and apc != _NO_APC:
        attrs["apc"] = str(apc)
    addon = ",".join(kind for flag, kind in _ADDON_FLAGS if row.get(flag))
    if addon:
        attrs["addon_type"] = addon
    return attrs


def _labels(rows: list[tuple[bytes, dict[str, Any]]], version: int) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, row in rows:
        value = key.decode("ascii").split("|")[0]
        if int(row["lo_version"]) <= version <= int(row["hi_version"]):
            labels[value] = " ".join(str(row["description"]).split())
    return labels


def _data_file(path: Path) -> Path:
    if not path.is_dir():
        return path
    by_name = {child.name.lower(): child for child in path.iterdir() if child.is_file()}
    for wanted in DATA_FILE_NAMES:
        if wanted.lower() in by_name:
            return by_name[wanted.lower()]
    raise IngestError(MSG_NO_DATA_FILE.format(file=path.name, names=", ".join(DATA_FILE_NAMES)))


def _year(path: Path, version: str | None) -> int:
    if version is not None:
        match = _YEAR.search(version)
        if match is None:
            raise IngestError(MSG_BAD_VERSION.format(file=path.name, version=version))
        return int(match.group(1))
    for part in (path.name, path.parent.name, path.parent.parent.name):
        match = _YEAR.search(part)
        if match is not None:
            return int(match.group(1))
    raise IngestError(MSG_NO_VERSION.format(file=path.name))


def _read_text(path: Path) -> str:
    return read_text(path, bad_encoding=MSG_BAD_ENCODING)


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _layout(head: list[str], *, file: str, line: int) -> tuple[int, int, int | None, int]:
    """Column of the code, of the descriptor, of the concept id (or None), and the first data line."""
    if len(head) < 2:
        raise IngestError(MSG_NO_TAB.format(file=file, line=line))
    cells = [cell.strip() for cell in head]
    codes = [bool(CODE_PATTERN.fullmatch(cell.upper())) for cell in cells]
    if len(cells) >= 3 and _CONCEPT_ID.fullmatch(cells[0]) and codes[1]:
        return 1, 2, 0, line - 1
    if codes[0]:
        return 0, 1, None, line - 1
    normal = [_normal(cell) for cell in cells]
    if not any(h in _CODE_HEADERS + _DESCRIPTOR_HEADERS + _CONCEPT_ID_HEADERS for h in normal) and any(
        ch.isdigit() for ch in cells[0]
    ):
        # Not a header but a data line whose code is malformed.
        bad = cells[1] if len(cells) >= 3 and _CONCEPT_ID.fullmatch(cells[0]) else cells[0]
        raise IngestError(MSG_BAD_CODE.format(file=file, line=line, code=bad))
    code_col = next((normal.index(h) for h in _CODE_HEADERS if h in normal), None)
    descriptor_col = next((normal.index(h) for h in _DESCRIPTOR_HEADERS if h in normal), None)
    if code_col is None or descriptor_col is None:
        missing = "code (CPT Code)" if code_col is None else "descriptor (Long Descriptor)"
        raise IngestError(MSG_MISSING_COLUMNS.format(file=file, line=line, missing=missing, found=" | ".join(cells)))
    concept_col = next((normal.index(h) for h in _CONCEPT_ID_HEADERS if h in normal), None)
    return code_col, descriptor_col, concept_col, line
