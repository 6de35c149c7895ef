"""ICD-10-PCS official CMS files: the tables XML, the order file and the code file."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, ConceptKind, Note, PcsAxisValue, Record, Release
from medcode.ingest.sources.icd10pcs.common import (
    AXIS_NAMES,
    CODE_CHARS,
    MSG_BAD_CODE,
    MSG_BAD_ENCODING,
    MSG_BAD_LABEL,
    MSG_CODE_LENGTH,
    MSG_CODES_LAYOUT,
    MSG_DUPLICATE,
    MSG_EMPTY,
    MSG_MALFORMED_XML,
    MSG_NO_TABLES,
    MSG_NO_VERSION,
    MSG_ORDER_LAYOUT,
    MSG_ROW_AXIS,
    MSG_TABLE_AXIS,
    MSG_UNKNOWN_FORMAT,
    MSG_UNREADABLE,
    MSG_WRONG_ROOT,
    SOURCE_CODES_FILE,
    SOURCE_COMPOSED,
    SOURCE_ORDER,
    SYSTEM,
    effective_date_for,
)
from medcode.ingest.sources.icd10pcs.names import SECTIONS

_CODE = re.compile(r"^[0-9A-HJ-NP-Z]{1,7}$")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


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
