"""Typed records that every ingest source yields and that the codebook build stores.

A source module is a generator over one official file: ``parse(path) -> Iterator[Record]``.
Its first record is a :class:`Release` describing what the file is; every later record belongs
to the most recent :class:`Release` before it (one file may carry two systems, as the HCPCS file
carries codes and modifiers). Sources never touch a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

# rule-table rows: one type for ingest and the rules engine
from medcode.codebook.rows import MueValue as MueValue
from medcode.codebook.rows import PtpEdit as PtpEdit

# re-exported for older imports: their home is medcode.codebook.systems
from medcode.codebook.systems import RULE_SYSTEM_LABELS as RULE_SYSTEM_LABELS
from medcode.codebook.systems import SYSTEM_LABELS as SYSTEM_LABELS
from medcode.codebook.systems import SYSTEMS as SYSTEMS
from medcode.codebook.systems import NoteKind as NoteKind
from medcode.codebook.systems import RuleSystem as RuleSystem
from medcode.codebook.systems import System as System

ConceptKind = Literal["chapter", "section", "category", "code", "table", "range", "modifier"]

IndexName = Literal["main", "eindex", "drug", "neoplasm", "pcs"]


@dataclass(frozen=True, slots=True)
class Release:
    """What one official file is: its code system, version label and effective date."""

    system: System | RuleSystem | GuidanceSystem
    version: str
    effective_from: dt.date
    title: str
    effective_to: dt.date | None = None
    # "codes": a code-set release (concepts, notes...); "index": an index or table that leads to
    # the codes of ``system`` (it never defines codes); "guidelines": official guideline text;
    # "guidance": an official guidance document parsed into its own sections (GuidanceSection).
    content: Literal["codes", "index", "guidelines", "rules", "guidance"] = "codes"


@dataclass(frozen=True, slots=True)
class Concept:
    """One code or one grouping (chapter, block, table) of a code system, with official text."""

    code: str
    title: str
    kind: ConceptKind
    parent: str | None = None
    billable: bool = False
    short_title: str | None = None
    # Publisher fields that the page shows as they are (HCPCS pricing, BETOS, dates...).
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Note:
    """One instructional note attached to a code, verbatim, in publisher order."""

    code: str
    kind: NoteKind
    text: str


@dataclass(frozen=True, slots=True)
class SeventhCharacter:
    """A 7th-character value defined at a code (and inherited by its descendants)."""

    code: str
    char: str
    meaning: str


@dataclass(frozen=True, slots=True)
class IndexTerm:
    """One entry of an index (Alphabetic, External Cause, Drugs, Neoplasm, PCS), at any level.

    ``term_id`` is unique within the index of one release; ``parent_id`` links a subterm to its
    parent. ``codes`` holds the code(s) the entry leads to (a manifestation code in brackets in the
    printed index is given with ``manifestation``); ``cells`` holds the column codes of a table
    row (Drugs: poisoning_accidental...; Neoplasm: malignant_primary...).
    """

    index: IndexName
    term_id: int
    parent_id: int | None
    level: int
    title: str
    code: str | None = None
    manifestation: str | None = None
    see: str | None = None
    see_also: str | None = None
    nemod: str | None = None
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PcsAxisValue:
    """The meaning of one character value at one position of an ICD-10-PCS table.

    ``table`` is the first three characters for positions 4-7 and the leading characters for
    positions 1-3 ("" for the section, the section for the body system, section+body system for
    the root operation).
    """

    table: str
    position: int
    value: str
    label: str
    definition: str | None = None


@dataclass(frozen=True, slots=True)
class Guideline:
    """One paragraph of official guidelines text, with its reference (e.g. "B3.1a")."""

    section: str
    ref: str
    text: str


# Official guidance documents, each a release of its own (content "guidance").
GuidanceSystem = Literal["icd10cm-guidelines", "ncci-manual"]
GUIDANCE_LABELS: dict[str, str] = {
    "icd10cm-guidelines": "ICD-10-CM Official Guidelines for Coding and Reporting",
    "ncci-manual": "Medicare NCCI Policy Manual",
}


@dataclass(frozen=True, slots=True)
class GuidanceSection:
    """One section of an official guidance document, in the document's own numbering, text verbatim.

    ``ref`` is the document's reference ("I.C.4.a.2", "IV.H", "Appendix I"; NCCI "I.E" for chapter I,
    section E); ``parent`` the ref of the enclosing section (None at the top); ``page`` the printed page
    the section starts on ("13", "I-14"). ``text`` holds the section's own paragraphs (not its
    subsections'), separated by blank lines, with page furniture (headers, footers, page numbers) removed.
    """

    ref: str
    title: str
    level: int
    parent: str | None
    text: str
    page: str


# Billing-rule tables: their systems and labels live in medcode.codebook.systems (re-exported above).


@dataclass(frozen=True, slots=True)
class AddOnCode:
    """An add-on code and one of its primaries (type 1 and 3 list them; type 2 has none: primary None)."""

    addon: str
    primary: str | None
    addon_type: int
    effective_from: dt.date
    effective_to: dt.date | None


@dataclass(frozen=True, slots=True)
class PfsRvu:
    """One row of the Physician Fee Schedule relative value file (PPRRVU): a code, or code and modifier."""

    code: str
    modifier: str
    status: str
    work: float
    pe_nonfacility: float
    pe_facility: float
    mp: float
    nonfacility_na: bool
    facility_na: bool
    pctc: str
    global_days: str
    pre: float
    intra: float
    post: float
    multiple: str
    bilateral: str
    assistant: str
    cosurgeon: str
    team: str
    endo_base: str
    conversion_factor: float


@dataclass(frozen=True, slots=True)
class Gpci:
    """The geographic practice cost indices of one Medicare locality, with its name and counties."""

    mac: str
    locality: str
    state: str
    name: str
    work: float
    pe: float
    mp: float
    counties: str = ""


@dataclass(frozen=True, slots=True)
class OppsCap:
    """One row of the CMS OPPSCAP file: the capped facility and non-facility amounts of a code at a locality.

    For carrier-priced codes (status C) the amounts are the cap itself, which the MAC's price may not exceed.
    """

    code: str
    modifier: str
    status: str
    mac: str
    locality: str
    facility: float
    nonfacility: float


@dataclass(frozen=True, slots=True)
class AnesCf:
    """The anesthesia conversion factor of one Medicare locality (mac "00000", locality "00": the national CF)."""

    mac: str
    locality: str
    name: str
    cf: float


@dataclass(frozen=True, slots=True)
class AnesBase:
    """The anesthesia base units of one anesthesia code (from the CMS base units file, imported by the operator)."""

    code: str
    base_units: float


Record = (
    Release
    | Concept
    | Note
    | SeventhCharacter
    | IndexTerm
    | PcsAxisValue
    | Guideline
    | GuidanceSection
    | PtpEdit
    | MueValue
    | AddOnCode
    | PfsRvu
    | Gpci
    | OppsCap
    | AnesCf
    | AnesBase
)
