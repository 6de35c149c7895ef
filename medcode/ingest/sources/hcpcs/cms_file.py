"""Parse the CMS Alpha-Numeric HCPCS file (.txt or .xlsx) into releases, ranges, codes and modifiers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Record, Release
from medcode.ingest.sources.hcpcs.layout import _NO_DATE, FIELDS, _Entry, _Field
from medcode.ingest.sources.hcpcs.messages import (
    MSG_BAD_DATE,
    MSG_BAD_NUMBER,
    MSG_EMPTY,
    MSG_NO_CODES,
    MSG_NO_DESCRIPTOR,
    MSG_NO_VERSION,
    MSG_NOT_FOUND,
    MSG_SUFFIX,
)
from medcode.ingest.sources.hcpcs.ranges import range_concepts, range_of
from medcode.ingest.sources.hcpcs.txt import _read_txt
from medcode.ingest.sources.hcpcs.xlsx import _read_xlsx

TITLE = "HCPCS Level II {month} {year}"
MODIFIER_TITLE = "HCPCS Level II modifiers {month} {year}"

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
