"""ICD-10-CM index importers: Alphabetic, External Cause, Drugs and Neoplasm (CDC XML) and the index CSV."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from lxml import etree

from medcode.core.errors import IngestError
from medcode.ingest.records import IndexName, IndexTerm, Record, Release

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

# Canonical cell names of the two tables, in the CDC's column order. A column heading is matched by
# its key words (first match wins, so "accidental (unintentional)" is not taken for "intentional").
DRUG_COLUMNS: Final[tuple[str, ...]] = (
    "poisoning_accidental",
    "poisoning_intentional",
    "poisoning_assault",
    "poisoning_undetermined",
    "adverse_effect",
    "underdosing",
)
NEOPLASM_COLUMNS: Final[tuple[str, ...]] = (
    "malignant_primary",
    "malignant_secondary",
    "ca_in_situ",
    "benign",
    "uncertain_behavior",
    "unspecified_behavior",
)
TABLE_COLUMNS: Final[dict[SourceIndex, tuple[str, ...]]] = {
    "drug": DRUG_COLUMNS,
    "neoplasm": NEOPLASM_COLUMNS,
}
_HEADING_WORDS: Final[dict[SourceIndex, tuple[tuple[str, str], ...]]] = {
    "drug": (
        ("accidental", "poisoning_accidental"),
        ("intentional", "poisoning_intentional"),
        ("self-harm", "poisoning_intentional"),
        ("assault", "poisoning_assault"),
        ("undetermined", "poisoning_undetermined"),
        ("adverse", "adverse_effect"),
        ("underdosing", "underdosing"),
    ),
    "neoplasm": (
        ("primary", "malignant_primary"),
        ("secondary", "malignant_secondary"),
        ("situ", "ca_in_situ"),
        ("benign", "benign"),
        ("uncertain", "uncertain_behavior"),
        ("unspecified", "unspecified_behavior"),
    ),
}
# Cells that print as a dash are empty: the CDC writes "--" in the drug table and "-" in the neoplasm table.
EMPTY_CELLS: Final = frozenset({"", "-", "--", "\u2013", "\u2014"})

CSV_HEADER: Final[tuple[str, ...]] = (
    "RowID",
    "Letter",
    "Level",
    "Term",
    "See",
    "SeeAlso",
    "NonEssModif",
    "Code",
)

_ROOT_TAG: Final = "ICD10CM.index"
_TERM_TAGS: Final = frozenset({"mainTerm", "term"})
TERM_ELEMENTS: Final = (
    "title",
    "diff",
    "see",
    "seeAlso",
    "code",
    "seecat",
    "subcat",
    "manif",
    "warning",
    "cell",
    "term",
)
_ROOT_CHILDREN: Final = ("version", "title", "indexHeading", "letter")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def parse(
    path: Path,
    *,
    index: IndexName | None = None,
    version: str | None = None,
    effective_from: dt.date | None = None,
) -> Iterator[Record]:
    """Yield a Release, then one IndexTerm per entry at every level, in file order.

    The kind of file is taken from its content (a CDC XML file, or the CSV flattening of the
    Alphabetic Index) unless ``index`` says it; ``version`` and ``effective_from`` override what the
    file says (FY N takes effect on October 1 of N-1).
    """
    path = Path(path)
    if index is not None:
        _as_source(path, index)
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise IngestError(MSG_NOT_READABLE.format(path=path, reason=exc.strerror or exc)) from exc
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        yield from _parse_xml(path, index=index, version=version, effective_from=effective_from)
    else:
        yield from _parse_csv(path, index=index, version=version, effective_from=effective_from)


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


# --- XML -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    """A term being read: what its elements said so far, and whether it was yielded."""

    term_id: int
    parent_id: int | None
    level: int
    line: int
    element: str
    title: str | None = None
    nemod: str | None = None
    code: str | None = None
    manifestation: str | None = None
    see: str | None = None
    see_also: str | None = None
    cells: dict[str, str] = field(default_factory=dict)
    done: bool = False


def _text(element: Any, *, skip: frozenset[str] = frozenset({"old"})) -> str:
    """All text inside ``element`` except that of ``skip`` children (addenda <old>, title <nemod>)."""
    parts: list[str] = [str(element.text or "")]
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in skip:
            parts.append(_text(child, skip=skip))
        parts.append(str(child.tail or ""))
    return "".join(parts)


def _title(element: Any) -> tuple[str, str | None]:
    """The printed title of a <title> (or addenda <diff>) without its nonessential modifiers, and those."""
    nemods = [_clean(_text(n)) for n in element.iter("nemod")]
    nemod = _clean(" ".join(n for n in nemods if n))
    title = _clean(_text(element, skip=frozenset({"old", "nemod"})))
    if title is None:  # a title that is nothing but a nonessential modifier
        title = _clean(_text(element)) or ""
    return title, nemod


def _join(old: str | None, new: str | None) -> str | None:
    if old and new:
        return f"{old}; {new}"
    return old or new


def _heading_columns(path: Path, kind: SourceIndex, heads: list[tuple[int, str, int]]) -> dict[int, str]:
    """Map column numbers to canonical cell names from the <head col="n"> definitions."""
    columns: dict[int, str] = {}
    words = _HEADING_WORDS[kind]
    for col, text, line in heads:
        if col == 1:  # the term column: "Substance", "Neoplasm"
            continue
        lowered = text.lower()
        name = next((name for word, name in words if word in lowered), None)
        if name is None or name in columns.values():
            raise IngestError(
                MSG_XML_HEADING.format(
                    path=path, line=line, text=text, index=kind, expected=", ".join(TABLE_COLUMNS[kind])
                )
            )
        columns[col] = name
    return columns


def _detect_kind(path: Path, heads: list[tuple[int, str, int]], title: str | None) -> SourceIndex:
    """The kind of an XML index from its column headings, or else its title."""
    if heads:
        text = " ".join(t for _, t, _ in heads).lower()
        if "poisoning" in text or "substance" in text:
            return "drug"
        if "malignant" in text or "neoplasm" in text:
            return "neoplasm"
        raise IngestError(MSG_XML_HEADINGS_UNKNOWN.format(path=path, line=heads[0][2], found=[t for _, t, _ in heads]))
    if title and "EXTERNAL CAUSE" in title.upper():
        return "eindex"
    return "main"


def _parse_xml(
    path: Path, *, index: IndexName | None, version: str | None, effective_from: dt.date | None
) -> Iterator[Record]:
    """Stream a CDC index XML (ICD10CM.index) with iterparse, clearing each term once it is read."""
    kind: SourceIndex | None = None
    columns: dict[int, str] = {}
    version_text: str | None = None
    file_title: str | None = None
    heads: list[tuple[int, str, int]] = []
    stack: list[_Frame] = []
    next_id = 1
    root_seen = False

    def start_index() -> Release:
        nonlocal kind, columns
        detected = _detect_kind(path, heads, file_title)
        if index is not None:
            # Column headings or a file title tell the kind for sure; a bare file is what it is asked to be.
            if (heads or file_title is not None) and index != detected:
                raise IngestError(MSG_XML_KIND.format(path=path, found=detected, expected=index))
            kind = _as_source(path, index)
        else:
            kind = detected
        if kind in TABLE_COLUMNS:
            if heads:
                columns = _heading_columns(path, kind, heads)
            else:
                columns = {n: name for n, name in enumerate(TABLE_COLUMNS[kind], start=2)}
        return _release(
            path,
            kind,
            found=[version_text, file_title, path.name],
            version=version,
            effective_from=effective_from,
        )

    def emit(frame: _Frame) -> IndexTerm:
        if frame.title is None:
            raise IngestError(MSG_XML_NO_TITLE.format(path=path, line=frame.line, element=frame.element))
        frame.done = True
        assert kind is not None
        return IndexTerm(
            index=kind,
            term_id=frame.term_id,
            parent_id=frame.parent_id,
            level=frame.level,
            title=frame.title,
            code=frame.code,
            manifestation=frame.manifestation,
            see=frame.see,
            see_also=frame.see_also,
            nemod=frame.nemod,
            cells=dict(frame.cells),
        )

    def unexpected(element: Any, parent: Any, expected: tuple[str, ...]) -> IngestError:
        return IngestError(
            MSG_XML_ELEMENT.format(
                path=path,
                line=element.sourceline,
                found=element.tag,
                parent=parent.tag,
                expected=", ".join(f"<{e}>" for e in expected),
            )
        )

    def column(element: Any) -> int:
        raw = element.get("col")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise IngestError(
                MSG_XML_COL.format(path=path, line=element.sourceline, element=element.tag, found=raw, expected="1-9")
            ) from None

    def read_field(frame: _Frame, element: Any) -> None:
        tag = element.tag
        if frame.done:
            raise IngestError(MSG_XML_ORDER.format(path=path, line=element.sourceline, found=tag))
        if tag in ("title", "diff"):
            frame.title, frame.nemod = _title(element)
            return
        text = _clean(_text(element))
        if tag == "code":
            if frame.code is None:
                frame.code = text
            elif frame.manifestation is None:  # <code>E11.36</code><code>H28</code>: "E11.36 [H28]"
                frame.manifestation = text
            else:
                raise IngestError(MSG_XML_TOO_MANY_CODES.format(path=path, line=element.sourceline))
        elif tag == "manif":
            frame.manifestation = _join(frame.manifestation, text)
        elif tag == "see":
            frame.see = _join(frame.see, text)
        elif tag == "seeAlso":
            frame.see_also = _join(frame.see_also, text)
        elif tag in ("seecat", "subcat"):  # printed "see category T71", "see subcategory T75.0"
            word = "category" if tag == "seecat" else "subcategory"
            frame.see = _join(frame.see, f"{word} {text}" if text else None)
        elif tag == "cell":
            col = column(element)
            if col not in columns:
                expected = ", ".join(str(c) for c in sorted(columns)) if columns else "(this index has no columns)"
                raise IngestError(
                    MSG_XML_COL.format(path=path, line=element.sourceline, element="cell", found=col, expected=expected)
                )
            if text is not None and text not in EMPTY_CELLS:
                frame.cells[columns[col]] = text
        # <warning> (an editorial flag of the addenda) has no place in an IndexTerm: skipped.

    context = etree.iterparse(
        str(path),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for event, element in context:
            tag = element.tag
            parent = element.getparent()
            if not root_seen:
                root_seen = True
                if tag != _ROOT_TAG:
                    raise IngestError(MSG_XML_ROOT.format(path=path, line=element.sourceline, found=tag))
                continue
            if parent is None:  # the end of the root element
                if kind is None:
                    yield start_index()
                continue
            ptag = parent.tag
            if event == "start":
                if ptag == _ROOT_TAG:
                    if tag not in _ROOT_CHILDREN:
                        raise unexpected(element, parent, _ROOT_CHILDREN)
                    if tag == "letter" and kind is None:
                        yield start_index()
                elif ptag == "letter":
                    if tag not in ("title", "diff", "mainTerm"):
                        raise unexpected(element, parent, ("title", "mainTerm"))
                    if tag == "mainTerm":
                        stack.append(_Frame(next_id, None, 0, element.sourceline, tag))
                        next_id += 1
                elif ptag in _TERM_TAGS:
                    if tag not in TERM_ELEMENTS:
                        raise unexpected(element, parent, TERM_ELEMENTS)
                    if tag == "term":
                        owner = stack[-1]
                        if not owner.done:
                            yield emit(owner)
                        raw = element.get("level")
                        if raw is None or not raw.strip().isdigit() or int(raw) != owner.level + 1:
                            raise IngestError(
                                MSG_XML_LEVEL.format(
                                    path=path,
                                    line=element.sourceline,
                                    found=raw,
                                    parent=owner.level,
                                    expected=owner.level + 1,
                                )
                            )
                        stack.append(_Frame(next_id, owner.term_id, owner.level + 1, element.sourceline, tag))
                        next_id += 1
                elif ptag == "indexHeading" and tag != "head":
                    raise unexpected(element, parent, ("head",))
                continue
            # event == "end"
            if tag in _TERM_TAGS:
                frame = stack.pop()
                if not frame.done:
                    yield emit(frame)
                element.clear(keep_tail=True)
                while element.getprevious() is not None:
                    del parent[0]
            elif ptag in _TERM_TAGS:
                read_field(stack[-1], element)
            elif tag == "letter":
                element.clear(keep_tail=True)
                while element.getprevious() is not None:
                    del parent[0]
            elif ptag == _ROOT_TAG:
                if tag == "version":
                    version_text = _clean(_text(element))
                elif tag == "title":
                    file_title = _clean(_text(element))
            elif tag == "head":
                heads.append((column(element), _clean(_text(element)) or "", element.sourceline))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else "?"
        raise IngestError(MSG_XML_SYNTAX.format(path=path, line=line, detail=exc.msg or exc)) from exc


# --- CSV -------------------------------------------------------------------------------------------


def _parse_csv(
    path: Path, *, index: IndexName | None, version: str | None, effective_from: dt.date | None
) -> Iterator[Record]:
    """Read the CSV flattening of the Alphabetic (or External Cause) Index: one row per entry, with Level."""
    if index not in (None, "main", "eindex"):
        raise IngestError(MSG_CSV_KIND.format(path=path, index=index))
    # The two CSVs share one header: only the argument or the file name tells the External Cause one.
    external = index == "eindex" or (index is None and "external" in path.name.lower())
    kind: SourceIndex = "eindex" if external else "main"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
            if tuple(h.strip() for h in header) != CSV_HEADER:
                raise IngestError(
                    MSG_CSV_HEADER.format(path=path, found=",".join(header) or "empty", expected=",".join(CSV_HEADER))
                )
            yield _release(path, kind, found=[path.name], version=version, effective_from=effective_from)
            parents: list[int] = []  # parents[level] = term_id of the latest row at that level
            term_id = 0
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(CSV_HEADER):
                    raise IngestError(
                        MSG_CSV_FIELDS.format(
                            path=path,
                            line=line,
                            found=len(row),
                            expected=len(CSV_HEADER),
                            header=",".join(CSV_HEADER),
                        )
                    )
                _row_id, _letter, raw_level, term, see, see_also, nemod, code = row
                try:
                    level = int(raw_level)
                except ValueError:
                    raise IngestError(MSG_CSV_LEVEL.format(path=path, line=line, found=raw_level)) from None
                if level < 0:
                    raise IngestError(MSG_CSV_LEVEL.format(path=path, line=line, found=raw_level))
                if level > len(parents):
                    after = f"Level {len(parents) - 1}" if parents else "the header"
                    raise IngestError(
                        MSG_CSV_LEVEL_JUMP.format(path=path, line=line, level=level, after=after, most=len(parents))
                    )
                # A printed title that starts with its nonessential modifier ("(somatoform) pain
                # disorder") lost its words in the flattening: the modifier is all that is left.
                title = _clean(term) or _clean(nemod)
                if not title:
                    raise IngestError(MSG_CSV_EMPTY_TERM.format(path=path, line=line))
                term_id += 1
                del parents[level:]
                parent_id = parents[-1] if parents else None
                parents.append(term_id)
                yield IndexTerm(
                    index=kind,
                    term_id=term_id,
                    parent_id=parent_id,
                    level=level,
                    title=title,
                    code=_clean(code),
                    see=_clean(see),
                    see_also=_clean(see_also),
                    nemod=_clean(nemod),
                )
        except UnicodeDecodeError as exc:
            raise IngestError(MSG_CSV_ENCODING.format(path=path, line=reader.line_num + 1, reason=exc.reason)) from exc
        except csv.Error as exc:
            raise IngestError(MSG_CSV_SYNTAX.format(path=path, line=reader.line_num, detail=exc)) from exc
