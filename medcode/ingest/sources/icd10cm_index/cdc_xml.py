"""Stream the CDC ICD-10-CM index XML files: Alphabetic and External Cause indexes, Drug and Neoplasm tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from lxml import etree

from medcode.core.errors import IngestError
from medcode.ingest.records import IndexName, IndexTerm, Record, Release
from medcode.ingest.sources.icd10cm_index.columns import EMPTY_CELLS, TABLE_COLUMNS, _detect_kind, _heading_columns
from medcode.ingest.sources.icd10cm_index.common import (
    MSG_XML_COL,
    MSG_XML_ELEMENT,
    MSG_XML_KIND,
    MSG_XML_LEVEL,
    MSG_XML_NO_TITLE,
    MSG_XML_ORDER,
    MSG_XML_ROOT,
    MSG_XML_SYNTAX,
    MSG_XML_TOO_MANY_CODES,
    SourceIndex,
    _as_source,
    _clean,
    _release,
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
