"""The Medicare NCCI Policy Manual (CMS, all chapters as one text file), read into chapters and sections.

The file opens with the complete table of contents ("Chapter I - General Correct Coding Policies", with an en dash,
then "A. Introduction I-3" ...). Each chapter follows with a cover page, its own contents, and its
text, where a section heading is its letter and title ("E.Modifiers and Modifier Indicators").
Every page ends with "Revision Date (Medicare): 1/1/2026" and its page label ("I-14"); those lines
are page furniture and are removed, the label kept as the section's page. Every section of the
complete contents must be found, in order, or the file is refused (truncated or not the manual).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import GuidanceSection, Record, Release
from medcode.ingest.sources.common import read_text

MSG_BAD_ENCODING = "{file} is neither UTF-8 nor Windows-1252 text; expected the NCCI Policy Manual as text"
MSG_NOT_MANUAL = (
    "{file} is not the Medicare NCCI Policy Manual as text: its first lines should read"
    " 'yyyy Complete Table of Contents' and 'Medicare NCCI Coding Policy Manual'"
)
MSG_NO_CHAPTERS = "{file}: the table of contents lists no chapters ('Chapter I - ...' lines)"
MSG_MISSING_SECTION = (
    "{file}: the table of contents lists Chapter {chapter}, section {letter} '{title}' but the text has no such"
    " heading after {after}; the file may be truncated or damaged"
)
MSG_NO_DATE = "{file}: found no 'Revision Date (Medicare): m/d/yyyy' line telling when this manual took effect"

TITLE = "Medicare NCCI Policy Manual"
HEAD = re.compile(r"^(\d{4}) Complete Table of Contents$")
CHAPTER_TOC = re.compile(r"^Chapter ([IVX]+)\s+[\u2013-]\s+(.+)$")
SECTION_TOC = re.compile(r"^([A-Z])\.\s*(.+?)\s+([IVX]+-\d+)$")
SECTION_TOC_START = re.compile(r"^([A-Z])\.\s*(.+)$")
PAGE_LABEL = re.compile(r"^(?:Intro|[IVX]+)-\d+$")
REVISION = re.compile(r"^Revision Date \(Medicare\): (\d{1,2})/(\d{1,2})/(\d{4})$")
TOC_FURNITURE = re.compile(r"^(Page \d+|\w+ \d{1,2}, \d{4})$")
COVER = re.compile(r"^(CHAPTER ([IVX]+)|INTRODUCTION)$")
LEADER = re.compile(r"\.{5,}|…")
PARAGRAPH_END = 72  # a line this much shorter than the text width ends its paragraph


@dataclass
class TocChapter:
    """One chapter of the complete table of contents, with its sections (letter, title, page)."""

    number: str
    title: str
    sections: list[tuple[str, str, str]] = field(default_factory=list)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _similar(printed: str, found: str) -> bool:
    """A contents line and a heading name the same section (the manual's contents may word it a little apart)."""
    a, b = _norm(printed), _norm(found)
    shorter = min(len(a), len(b))
    if shorter and a[: min(12, shorter)] == b[: min(12, shorter)]:
        return True
    words_a, words_b = set(re.findall(r"\w+", printed.lower())), set(re.findall(r"\w+", found.lower()))
    return bool(words_a) and len(words_a & words_b) / len(words_a | words_b) >= 0.5


def toc_chapters(lines: list[str]) -> tuple[list[TocChapter], int]:
    """The complete table of contents and the index of the first line after it."""
    chapters: list[TocChapter] = []
    pending = ""
    index = 1
    for number, line in enumerate(lines[1:], 1):
        index = number
        if COVER.match(line):
            break
        if TOC_FURNITURE.match(line) or not line:
            continue
        chapter = CHAPTER_TOC.match(line)
        if chapter:
            chapters.append(TocChapter(chapter[1], chapter[2]))
            pending = ""
            continue
        if not chapters:
            continue
        section = SECTION_TOC.match(f"{pending} {line}".strip())
        if section and SECTION_TOC_START.match(pending or line):
            chapters[-1].sections.append((section[1], " ".join(section[2].split()), section[3]))
            pending = ""
        elif SECTION_TOC_START.match(line) and not pending:
            pending = line  # a title that wraps: its page label is on a later line
        elif pending:
            pending = f"{pending} {line}"
        elif not chapters[-1].sections:
            chapters[-1].title = f"{chapters[-1].title} {line}"  # "(CPT codes 00000 - 01999)", a wrapped title
    return chapters, index


@dataclass
class _Open:
    ref: str
    title: str
    level: int
    parent: str | None
    lines: list[tuple[str, int]] = field(default_factory=list)  # (text, page index)
    page: int = 0


def _paragraphs(lines: list[str]) -> str:
    """Hard-wrapped lines joined into paragraphs: a short line ending a sentence ends its paragraph."""
    out: list[str] = []
    current = ""
    for line in lines:
        if not current:
            current = line
        elif line.startswith(("•", "\uf0b7", "o ")):
            current += "\n" + line
        elif current.endswith("-") and not current.endswith(" -"):
            current += line
        else:
            current += " " + line
        if len(line) < PARAGRAPH_END and line.rstrip().endswith((".", ":", ")")):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return "\n\n".join(p.strip() for p in out if p.strip())


def parse(path: Path) -> Iterator[Record]:
    """Yield the release, then the introduction, each chapter and each of its sections, in document order."""
    path = Path(path)
    text = read_text(path, bad_encoding=MSG_BAD_ENCODING)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    head = HEAD.match(lines[0] if lines else "")
    if head is None or not any("NCCI" in line and "Policy Manual" in line for line in lines[1:4]):
        raise IngestError(MSG_NOT_MANUAL.format(file=path.name))
    chapters, start = toc_chapters(lines)
    if not chapters:
        raise IngestError(MSG_NO_CHAPTERS.format(file=path.name))
    revision = next((REVISION.match(line) for line in lines if REVISION.match(line)), None)
    if revision is None:
        raise IngestError(MSG_NO_DATE.format(file=path.name))
    month, day, year = (int(g) for g in revision.groups())
    version = head[1]
    yield Release(
        system="ncci-manual",
        version=version,
        effective_from=dt.date(year, month, day),
        title=f"{TITLE} {version}",
        content="guidance",
    )
    yield from _sections(path, lines[start:], chapters)


def _sections(path: Path, lines: list[str], chapters: list[TocChapter]) -> list[GuidanceSection]:
    labels: list[str] = []  # page labels in order; a line's page is the label that closes its page
    opened: list[_Open] = []
    current: _Open | None = None
    by_number = {c.number: c for c in chapters}
    chapter: TocChapter | None = None
    expected = 0  # index of the next section of the chapter
    in_cover = True
    after = "the start"
    skip_label = False
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if REVISION.match(line):
            skip_label = True
            continue
        if skip_label and PAGE_LABEL.match(line):
            labels.append(line)
            skip_label = False
            continue
        skip_label = False
        cover = COVER.match(line)
        if cover:
            in_cover = True
            if cover[2]:
                _finish_chapter(path, chapter, expected, after)
                chapter = by_number.get(cover[2])
                expected = 0
            else:
                current = _Open("Intro", "Introduction", 0, None, page=len(labels))
                opened.append(current)
            continue
        if in_cover:
            # the cover and the chapter's own contents end where its text starts: "Chapter I" / "Introduction"
            if chapter is not None and line == f"Chapter {chapter.number}":
                in_cover = False
                current = _Open(chapter.number, chapter.title, 0, None, page=len(labels))
                opened.append(current)
                # the chapter's subtitle line(s) repeat its title
                while i < len(lines) and lines[i] and _norm(lines[i]) in _norm(chapter.title):
                    i += 1
            elif chapter is None and line == "Introduction" and opened and not LEADER.search(line):
                in_cover = False
            continue
        if chapter is not None and expected < len(chapter.sections):
            letter, title, _page = chapter.sections[expected]
            heading = SECTION_TOC_START.match(line)
            if heading and heading[1] == letter:
                found = heading[2]
                while len(_norm(found)) < len(_norm(title)) and i < len(lines) and lines[i]:
                    if not _norm(title).startswith(_norm(f"{found} {lines[i]}")):
                        break
                    found = f"{found} {lines[i]}"
                    i += 1
                if _similar(title, found):
                    current = _Open(f"{chapter.number}.{letter}", found, 1, chapter.number, page=len(labels))
                    opened.append(current)
                    expected += 1
                    after = f"Chapter {chapter.number}, section {letter}"
                    continue
        if current is not None and line:
            current.lines.append((line, len(labels)))
    _finish_chapter(path, chapter, expected, after)
    missing = [c for c in chapters if not any(o.ref == c.number for o in opened)]
    if missing:
        first = missing[0]
        letter, title, _ = first.sections[0] if first.sections else ("", first.title, "")
        raise IngestError(
            MSG_MISSING_SECTION.format(file=path.name, chapter=first.number, letter=letter, title=title, after=after)
        )

    def label(index: int) -> str:
        return labels[index] if index < len(labels) else (labels[-1] if labels else "")

    return [
        GuidanceSection(
            ref=o.ref,
            title=o.title,
            level=o.level,
            parent=o.parent,
            text=_paragraphs([t for t, _ in o.lines]),
            page=label(o.page),
        )
        for o in opened
    ]


def _finish_chapter(path: Path, chapter: TocChapter | None, expected: int, after: str) -> None:
    if chapter is not None and expected < len(chapter.sections):
        letter, title, _ = chapter.sections[expected]
        raise IngestError(
            MSG_MISSING_SECTION.format(file=path.name, chapter=chapter.number, letter=letter, title=title, after=after)
        )
