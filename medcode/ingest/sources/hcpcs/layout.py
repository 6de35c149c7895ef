"""The ANWEB record layout: code patterns, detail fields, record identification codes, code checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from medcode.core.errors import IngestError
from medcode.ingest.sources.hcpcs.messages import MSG_BAD_CODE, MSG_BAD_MODIFIER, MSG_CPT

RECORD_WIDTH = 320
LEVEL2_CODE = re.compile(r"[A-Z]\d{4}")
MODIFIER_CODE = re.compile(r"[A-Z0-9]{2}")
# CDT dental codes (D0120...) are ADA copyrighted: never imported, whichever file carries them.
CDT_LETTER = "D"

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
