"""The ICD-10-CM Official Guidelines for Coding and Reporting (the CDC/CMS PDF), read into its own sections.

The PDF is laid out by a word processor: headings carry the document's own markers ("Section I.",
"C.", "4.", "a.", "2)", "(a)", "(i)") and each level has its own indent. Text is read line by line
with pdfminer.six; a line is a heading when its marker is the next one expected at some level
(the first child of the open section, or the next sibling of an open one) and it sits at that
level's indent. The document's own table of contents (pages 2-6) is parsed too, and every entry
of it must be found, in order, among the headings: a truncated or foreign PDF fails there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import GuidanceSection, Record, Release

MSG_NOT_PDF = "{file} is not a readable PDF ({problem}); expected the ICD-10-CM Official Guidelines PDF from CDC/CMS"
MSG_NOT_GUIDELINES = (
    "{file} is not the ICD-10-CM Official Guidelines for Coding and Reporting: its first page does not say"
    " 'ICD-10-CM Official Guidelines for Coding and Reporting' with 'FY yyyy' and the effective dates"
    " '(October 1, yyyy - September 30, yyyy)'"
)
MSG_NO_TOC = "{file}: found no table of contents (headings with dot leaders and page numbers) on pages 2-8"
MSG_MISSING_HEADING = (
    "{file}: the table of contents lists '{heading}' (page {page}) but the text has no such heading after"
    " '{after}'; the file may be truncated or damaged"
)

TITLE = "ICD-10-CM Official Guidelines for Coding and Reporting"
DATES = re.compile(r"\((\w+ \d{1,2}, \d{4})\s*[-\u2013]\s*(\w+ \d{1,2}, \d{4})\)")
VERSION = re.compile(r"\bFY\s?(\d{4})\b")
FURNITURE = re.compile(r"^(ICD-10-CM Official Guidelines for Coding and Reporting|FY \d{4}|Page \d+ of \d+)$")
FOOTER_Y = 70.0  # points from the bottom of the page: the running footer sits below this
ROW_TOLERANCE = 3.0  # text lines whose tops are this close form one printed line
INDENT_TOLERANCE = 12.0
TOC_LINE = re.compile(r"^(?P<head>.*?)\s*(?:\.{2,}|…+)[.\s…]*(?P<page>\d+)\s*$")
TOC_MARKER = re.compile(r"^(?:Section [IV]+\.|[A-Z]\.|\d{1,2}\.|[a-z]\.|\d{1,2}\)|\([a-z]+\))\s*")
ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
SECTION_ROMAN = ("I", "II", "III", "IV")

# Heading markers, outermost first: (level, pattern whose group 1 is the ordinal, how ordinals count)
MARKERS: tuple[tuple[int, re.Pattern[str], str], ...] = (
    (0, re.compile(r"^Section (I|II|III|IV)\.\s+(?=\S)"), "section"),
    (1, re.compile(r"^([A-Z])\.\s*(?=[A-Z“\"(])"), "upper"),
    (2, re.compile(r"^(\d{1,2})\.\s+(?=\S)"), "number"),
    (3, re.compile(r"^([a-z])\.\s+(?=\S)"), "lower"),
    (4, re.compile(r"^(\d{1,2})\)(?:\s+(?=\S)|(?=[A-Z]))"), "number"),
    (5, re.compile(r"^\(([a-z])\)(?:\s+(?=\S)|(?=[A-Z]))"), "lower"),
    (6, re.compile(r"^\(([ivx]+)\)(?:\s+(?=\S)|(?=[A-Z]))"), "roman"),
)
APPENDIX = re.compile(r"^Appendix (I)\s*$")


@dataclass(frozen=True)
class Row:
    """One printed line: its page, left edge, top and text (pieces on the same line joined by a space)."""

    page: int
    x: float
    top: float
    text: str


@dataclass(frozen=True)
class TocEntry:
    """One line of the document's table of contents: the heading as printed and its page."""

    heading: str
    page: int


def _ordinal(kind: str, value: str) -> int:
    if kind == "section":
        return SECTION_ROMAN.index(value) + 1
    if kind == "upper":
        return ord(value) - ord("A") + 1
    if kind == "lower":
        return ord(value) - ord("a") + 1
    if kind == "roman":
        return ROMAN.index(value) + 1 if value in ROMAN else 99
    return int(value)


def read_rows(path: Path) -> list[list[Row]]:
    """The printed lines of every page, top to bottom, running header and footer removed."""
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LTTextLine
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfminer.psexceptions import PSException
    except ImportError as exc:  # pragma: no cover - a dependency
        raise IngestError(f"pdfminer.six is not installed: {exc}") from None

    def lines(node: object) -> Iterator[LTTextLine]:
        if isinstance(node, LTTextLine):
            yield node
        elif hasattr(node, "__iter__"):
            for child in node:
                yield from lines(child)

    pages: list[list[Row]] = []
    try:
        for number, layout in enumerate(extract_pages(path), 1):
            pieces = sorted(
                ((line.y1, line.x0, line.get_text().strip()) for line in lines(layout)),
                key=lambda p: (-p[0], p[1]),
            )
            rows: list[list[tuple[float, float, str]]] = []
            for top, x, text in pieces:
                if rows and abs(rows[-1][0][0] - top) <= ROW_TOLERANCE:
                    rows[-1].append((top, x, text))
                else:
                    rows.append([(top, x, text)])
            page: list[Row] = []
            for row in rows:
                row.sort(key=lambda p: p[1])
                text = " ".join(" ".join(t.split()) for _, _, t in row if t.strip())
                top = row[0][0]
                if top < FOOTER_Y and FURNITURE.match(text):
                    continue
                page.append(Row(number, row[0][1], top, text))
            pages.append(page)
    except (PDFSyntaxError, PSException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise IngestError(MSG_NOT_PDF.format(file=path.name, problem=exc.__class__.__name__)) from None
    except Exception as exc:  # pdfminer raises its own error types for damaged files
        if exc.__class__.__module__.startswith("pdfminer"):
            raise IngestError(MSG_NOT_PDF.format(file=path.name, problem=str(exc) or type(exc).__name__)) from None
        raise
    if not pages:
        raise IngestError(MSG_NOT_PDF.format(file=path.name, problem="no pages"))
    return pages


def _release(path: Path, first: list[Row]) -> Release:
    head = " ".join(r.text for r in first[:6])
    version = VERSION.search(head)
    dates = DATES.search(head)
    if TITLE not in head or version is None or dates is None:
        raise IngestError(MSG_NOT_GUIDELINES.format(file=path.name))
    try:
        start, end = (dt.datetime.strptime(d, "%B %d, %Y").date() for d in dates.groups())
    except ValueError:
        raise IngestError(MSG_NOT_GUIDELINES.format(file=path.name)) from None
    label = f"FY {version.group(1)}"
    return Release(
        system="icd10cm-guidelines",
        version=label,
        effective_from=start,
        effective_to=end,
        title=f"{TITLE} {label}",
        content="guidance",
    )


def toc_entries(pages: list[list[Row]]) -> list[TocEntry]:
    """The table of contents as printed: each heading (marker and title) with its page number."""
    entries: list[TocEntry] = []
    pending = ""
    for page in pages[1:8]:
        for row in page:
            match = TOC_LINE.match(row.text)
            if match is None and pending and row.text.isdigit():
                # a long heading ends its own line; its page number follows alone
                entries.append(TocEntry(" ".join(pending.split()), int(row.text)))
                pending = ""
                continue
            if match is None:
                # a heading too long for one line continues on the next, where the leader and page are
                if entries or pending or MARKERS[0][1].match(row.text):
                    # "Appendix I  116" prints its page number apart from the leader line that follows
                    pending = f"{pending} {re.sub(r'\s+\d+$', '', row.text)}".strip() if row.text else pending
                continue
            heading = " ".join(f"{pending} {match['head']}".split()).strip()
            pending = ""
            entries.append(TocEntry(heading, int(match["page"])))
        if entries and not any(TOC_LINE.match(r.text) for r in page):
            break
    # the first line names the document itself
    return [e for e in entries if e.heading != TITLE]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def same_heading(printed: str, found: str) -> bool:
    """A table-of-contents line and a heading of the text name the same section.

    The marker must be the same; the titles may differ in a word, as the document's own contents and
    headings sometimes do ("involving chemotherapy" / "involving antineoplastic chemotherapy").
    """
    a, b = _norm(printed), _norm(found)
    if a and a == b:
        return True
    if a.startswith(b) or b.startswith(a):
        return min(len(a), len(b)) > 6
    marker_a, _, rest_a = printed.partition(" ")
    marker_b, _, rest_b = found.partition(" ")
    if marker_a != marker_b:
        return False
    words_a = set(re.findall(r"[a-z0-9]+", rest_a.lower()))
    words_b = set(re.findall(r"[a-z0-9]+", rest_b.lower()))
    return bool(words_a) and len(words_a & words_b) / len(words_a | words_b) >= 0.5


@dataclass
class _Open:
    level: int
    ordinal: int
    ref: str
    title: str
    page: int
    paragraphs: list[list[str]]
    parent: str | None = None


def _heading(row: Row, stack: list[_Open], indents: dict[int, float]) -> tuple[int, int, str, str] | None:
    """(level, ordinal, label, title) when the row is the next heading expected, else None."""
    if APPENDIX.match(row.text):
        return (0, 5, "Appendix I", "")
    depth = stack[-1].level if stack else -1
    for level, pattern, kind in MARKERS:
        match = pattern.match(row.text)
        if match is None or level > depth + 1:
            continue
        if level in indents and abs(indents[level] - row.x) > INDENT_TOLERANCE:
            continue
        ordinal = _ordinal(kind, match.group(1))
        open_at = next((o for o in stack if o.level == level), None)
        expected = open_at.ordinal + 1 if open_at is not None else 1
        if ordinal != expected or (level == 0 and stack and stack[0].ref.startswith("Appendix")):
            continue
        return level, ordinal, match.group(1), row.text[match.end() :].strip()
    return None


def _ref(stack: list[_Open], level: int, label: str) -> str:
    if level == 0:
        return label
    parent = next(o for o in reversed(stack) if o.level == level - 1)
    return f"{parent.ref}.{label}"


def _text(paragraphs: list[list[str]]) -> str:
    out = []
    for lines in paragraphs:
        text = ""
        for line in lines:
            if not text:
                text = line
            elif line.startswith(("•", "\uf0b7", "o ")):
                text += "\n" + line  # a list item starts its own line
            elif text.endswith("-") and not text.endswith(" -"):
                text += line  # a word or code broken at the hyphen: "ICD-" + "10-CM"
            else:
                text += " " + line
        if text.strip():
            out.append(text.strip())
    return "\n\n".join(out)


def parse(path: Path) -> Iterator[Record]:
    """Yield the release, then every section of the guidelines in document order."""
    path = Path(path)
    pages = read_rows(path)
    release = _release(path, pages[0])
    toc = toc_entries(pages)
    if len(toc) < 10:
        raise IngestError(MSG_NO_TOC.format(file=path.name))
    yield release
    titles = frozenset(_norm(TOC_MARKER.sub("", entry.heading)) for entry in toc)
    sections = _sections(pages, toc[0].page, titles)
    _check_toc(path, toc, sections)
    yield from sections


def _sections(pages: list[list[Row]], body_from: int, titles: frozenset[str] = frozenset()) -> list[GuidanceSection]:
    """Every section in document order: the introduction (page 1), then the body from its first page."""
    intro = _Open(-1, 0, "Introduction", "Introduction", 1, [[]])
    for row in pages[0][3:]:
        _add(intro, row)
    opened: list[_Open] = [intro]
    stack: list[_Open] = []
    indents: dict[int, float] = {}
    last_top: float | None = None
    for page in pages[body_from - 1 :]:
        last_top = None
        for row in page:
            found = _heading(row, stack, indents)
            if found is not None:
                level, ordinal, label, title = found
                indents.setdefault(level, row.x)
                while stack and stack[-1].level >= level:
                    stack.pop()
                ref = label if label == "Appendix I" else _ref(stack, level, label)
                section = _Open(level, ordinal, ref, title, row.page, [[]], stack[-1].ref if stack else None)
                stack.append(section)
                opened.append(section)
                last_top = row.top
                continue
            if not stack:
                continue
            current = stack[-1]
            # the rest of a heading that wraps: the next line, close below it, before any text
            if (
                current.paragraphs == [[]]
                and last_top is not None
                and last_top - row.top < 20
                and _continues_title(current.title, row.text, titles)
            ):
                joiner = "" if current.title.endswith("-") else " "
                current.title = f"{current.title}{joiner}{row.text}".strip()
                last_top = row.top
                continue
            last_top = None
            _add(current, row)
    return [_close(section) for section in opened]


def _continues_title(title: str, text: str, titles: frozenset[str] = frozenset()) -> bool:
    """The line after a heading is the rest of its title: the contents print the title longer, or the line
    goes on lowercase, or the title ends on a word that needs more ("of", "and", a hyphen)."""
    if not text:
        return False
    own, longer = _norm(title), _norm(f"{title} {text}")
    if own and own not in titles and any(t.startswith(longer) for t in titles):
        return True
    if not title:
        return True  # "Appendix I" stands alone; its title is the next line
    return text[0].islower() or title.rstrip().endswith(
        (" of", " and", " the", " to", " or", " with", ",", " for", " in", "-")
    )


def _add(section: _Open, row: Row) -> None:
    if not row.text:
        if section.paragraphs[-1]:
            section.paragraphs.append([])
        return
    section.paragraphs[-1].append(row.text)


def _close(section: _Open) -> GuidanceSection:
    return GuidanceSection(
        ref=section.ref,
        title=section.title.strip(),
        level=max(section.level, 0),
        parent=section.parent,
        text=_text(section.paragraphs),
        page=str(section.page),
    )


def heading_text(section: GuidanceSection) -> str:
    """The heading as the table of contents prints it: marker and title."""
    last = section.ref.rsplit(".", 1)[-1]
    if section.level == 0:
        if section.ref.startswith("Appendix"):
            return f"{section.ref} {section.title}"
        return f"Section {section.ref}. {section.title}"
    marker = {1: f"{last}.", 2: f"{last}.", 3: f"{last}.", 4: f"{last})", 5: f"({last})", 6: f"({last})"}
    return f"{marker[section.level]} {section.title}"


def _check_toc(path: Path, toc: list[TocEntry], sections: list[GuidanceSection]) -> None:
    """Every table-of-contents entry is a heading of the text, in the same order."""
    headings = [heading_text(s) for s in sections]
    position = 0
    after = "the start"
    for entry in toc:
        marked = any(pattern.match(entry.heading) for _, pattern, _ in MARKERS) or entry.heading.startswith("Appendix")
        # a line without a marker ("Reserved for future guideline expansion") is the text of the section before
        if not marked and position and _norm(entry.heading) in _norm(sections[position - 1].text):
            continue
        found = next((i for i in range(position, len(headings)) if same_heading(entry.heading, headings[i])), None)
        if found is None:
            raise IngestError(
                MSG_MISSING_HEADING.format(file=path.name, heading=entry.heading, page=entry.page, after=after)
            )
        position = found + 1
        after = entry.heading
