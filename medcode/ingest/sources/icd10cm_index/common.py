"""ICD-10-CM index source: error messages, index kinds and titles, the release of a file, text cleaning."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Final, Literal

from medcode.core.errors import IngestError
from medcode.ingest.records import IndexName, Release

SourceIndex = Literal["main", "eindex", "drug", "neoplasm"]

MSG_NOT_READABLE = "{path}: cannot read the file ({reason})"
MSG_UNSUPPORTED_INDEX = "{path}: index {index!r} is not read by this importer, expected one of {expected}"
MSG_NO_YEAR = (
    "{path}: cannot tell the fiscal year, expected a year in <version> or <title> (XML) or in the file "
    "name like ICD10CM_2025_Index.csv (CSV); pass version= and effective_from="
)
MSG_XML_SYNTAX = "{path}, line {line}: not well-formed XML: {detail}"
MSG_XML_ROOT = (
    "{path}, line {line}: root element is <{found}>, expected <ICD10CM.index> "
    "(a CDC ICD-10-CM index, drug table or neoplasm table file)"
)
MSG_XML_ELEMENT = "{path}, line {line}: unexpected <{found}> inside <{parent}>, expected one of {expected}"
MSG_XML_ORDER = "{path}, line {line}: <{found}> comes after the subterms of its term, expected it before them"
MSG_XML_NO_TITLE = "{path}, line {line}: <{element}> has no <title>, expected one before its codes and subterms"
MSG_XML_LEVEL = '{path}, line {line}: <term level="{found}"> inside a level-{parent} term, expected level="{expected}"'
MSG_XML_COL = '{path}, line {line}: <{element} col="{found}">, expected a column number {expected}'
MSG_XML_HEADING = (
    "{path}, line {line}: column heading {text!r} is not a known {index} column, expected one of {expected}"
)
MSG_XML_HEADINGS_UNKNOWN = (
    "{path}, line {line}: column headings {found} are neither the Table of Drugs and Chemicals nor the Neoplasm Table"
)
MSG_XML_KIND = "{path}: the file is the {found} index, but the {expected} index was asked for"
MSG_XML_TOO_MANY_CODES = "{path}, line {line}: a third <code> in one term, expected a code and at most a manifestation"
MSG_CSV_ENCODING = "{path}, line {line}: not UTF-8 text ({reason})"
MSG_CSV_HEADER = (
    "{path}, line 1: CSV header is {found}, expected {expected} (the Alphabetic Index CSV; the drug and "
    "neoplasm tables are read from the CDC XML files)"
)
MSG_CSV_SYNTAX = "{path}, line {line}: malformed CSV: {detail}"
MSG_CSV_KIND = "{path}: the index CSV holds the Alphabetic or External Cause index, not the {index} index"
MSG_CSV_FIELDS = "{path}, line {line}: {found} fields, expected {expected} ({header})"
MSG_CSV_LEVEL = "{path}, line {line}: Level {found!r} is not a level, expected an integer from 0 to 9"
MSG_CSV_LEVEL_JUMP = "{path}, line {line}: Level {level} after {after}, expected a level from 0 to {most}"
MSG_CSV_EMPTY_TERM = "{path}, line {line}: empty Term and NonEssModif, expected the text of the index entry"

SOURCE_INDEXES: Final[tuple[SourceIndex, ...]] = ("main", "eindex", "drug", "neoplasm")

INDEX_TITLES: Final[dict[SourceIndex, str]] = {
    "main": "Index to Diseases and Injuries",
    "eindex": "External Cause of Injuries Index",
    "drug": "Table of Drugs and Chemicals",
    "neoplasm": "Neoplasm Table",
}

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _as_source(path: Path, index: IndexName) -> SourceIndex:
    """``index`` as one of the indexes this module reads."""
    for known in SOURCE_INDEXES:
        if index == known:
            return known
    raise IngestError(MSG_UNSUPPORTED_INDEX.format(path=path, index=index, expected=", ".join(SOURCE_INDEXES)))


def _release(
    path: Path,
    kind: SourceIndex,
    *,
    found: list[str | None],
    version: str | None,
    effective_from: dt.date | None,
) -> Release:
    """The Release of one index file: the year comes from ``found`` (first that has one) or ``version``."""
    year: int | None = None
    for text in [*found, version]:
        match = _YEAR.search(text or "")
        if match:
            year = int(match.group(1))
            break
    if year is None and (version is None or effective_from is None):
        raise IngestError(MSG_NO_YEAR.format(path=path))
    label = str(year) if year is not None else str(version)
    return Release(
        system="icd10cm",
        version=version or label,
        effective_from=effective_from or dt.date(int(label) - 1, 10, 1),
        title=f"ICD-10-CM FY{label} {INDEX_TITLES[kind]}",
        content="index",
    )


def _clean(text: str | None) -> str | None:
    """Text with runs of whitespace made one space; None when nothing is left."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None
