"""ICD-10-CM Tabular List XML (CDC icd10cm_tabular_<year>.xml) to codebook records."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from medcode.codebook.systems import NoteKind
from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Note, Record, Release, SeventhCharacter

MSG_MALFORMED_XML = "{file}: malformed XML at line {line}: {reason}"
MSG_WRONG_ROOT = "{file}: expected root element <ICD10CM.tabular>, found <{root}>"
MSG_NO_VERSION = "{file}: no <version> element and no version given; expected e.g. <version>2026</version>"
MSG_MISSING_NAME = "{file}: line {line}: <{tag}> without a <name> (expected a code such as A00.0)"
MSG_MISSING_DESC = "{file}: line {line}: code {code} has no <desc> (expected its official title)"
MSG_BAD_CODE = "{file}: line {line}: '{code}' is not an ICD-10-CM code (expected a letter, two letters or digits, then an optional dot and up to 4 more)"
MSG_DUPLICATE = "{file}: line {line}: code {code} appears twice"
MSG_BAD_EXTENSION = "{file}: line {line}: <extension> without a single-character char attribute under {code}"
MSG_NO_CHAPTERS = "{file}: no <chapter> elements: this is not a complete ICD-10-CM tabular file"

NOTE_TAGS: dict[str, NoteKind] = {
    "includes": "includes",
    "inclusionTerm": "inclusion_term",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "notes": "note",
    "sevenChrNote": "seven_chr_note",
}

CODE_RE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](\.[0-9A-Z]{1,4})?$")

DEFAULT_FILE = "icd10c-tabular-April-1-2026.xml"
DEFAULT_CODE_LIST = "code-list-April-2026.txt"


@dataclass
class _Context:
    file: str
    seen: set[str] = field(default_factory=set)
    confirmed: frozenset[str] | None = None


def _package_data() -> Path:
    # Located without importing the package, which would parse the whole file at import time.
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise IngestError("The simple-icd-10-cm package is not installed: it carries the default ICD-10-CM file")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def default_path() -> Path:
    """The official FY2026 (April 1, 2026) tabular XML carried by the simple-icd-10-cm package."""
    return _package_data() / DEFAULT_FILE


def default_code_list() -> Path:
    """The code list beside it, used to confirm which 7th-character codes exist."""
    return _package_data() / DEFAULT_CODE_LIST


def read_code_list(path: Path) -> frozenset[str]:
    """Codes (without dots) from a plain list or a CMS order file (icd10cm_order_<year>.txt)."""
    codes: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if len(line) > 14 and line[:5].strip().isdigit() and line[5] == " ":
                codes.add(line[6:13].strip())
            else:
                token = line.strip().split(" ", 1)[0].replace(".", "")
                if token:
                    codes.add(token)
    return frozenset(codes)


def effective_date_for(version: str, file_name: str) -> dt.date:
    """FY N starts on October 1 of N-1; an April update file starts on April 1 of N."""
    year = int(re.sub(r"\D", "", version)[:4])
    if "april" in file_name.lower():
        return dt.date(year, 4, 1)
    return dt.date(year - 1, 10, 1)


def parse(
    path: Path,
    *,
    version: str | None = None,
    effective_from: dt.date | None = None,
    code_list: Path | None = None,
) -> Iterator[Record]:
    """Yield the release, every chapter, block, category and code, their notes and 7th characters.

    Full 7-character codes are generated from 7th-character definitions as CMS's code files list
    them (placeholder X up to the sixth character). When ``code_list`` is given, a generated code is
    kept only if the list has it (a few categories exclude some 7th characters).
    """
    name = path.name
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        raise IngestError(MSG_MALFORMED_XML.format(file=name, line=line, reason=exc.msg)) from exc
    except OSError as exc:
        raise IngestError(MSG_MALFORMED_XML.format(file=name, line="?", reason=str(exc))) from exc
    root = tree.getroot()
    if root.tag != "ICD10CM.tabular":
        raise IngestError(MSG_WRONG_ROOT.format(file=name, root=root.tag))
    version_text = (root.findtext("version") or "").strip()
    version = version or version_text
    if not version:
        raise IngestError(MSG_NO_VERSION.format(file=name))
    if "april" in name.lower() and "-" not in version:
        version = f"{version}-04"
    chapters = root.findall("chapter")
    if not chapters:
        raise IngestError(MSG_NO_CHAPTERS.format(file=name))
    yield Release(
        system="icd10cm",
        version=version,
        effective_from=effective_from or effective_date_for(version, name),
        title=f"ICD-10-CM FY{version[:4]} tabular list" + (" (April 1 update)" if version.endswith("-04") else ""),
    )
    ctx = _Context(file=name, confirmed=read_code_list(code_list) if code_list else None)
    for chapter in chapters:
        number = (chapter.findtext("name") or "").strip()
        if not number:
            raise IngestError(MSG_MISSING_NAME.format(file=name, line=chapter.sourceline, tag="chapter"))
        yield Concept(code=number, title=_text(chapter.find("desc")), kind="chapter")
        yield from _notes(chapter, number)
        for section in chapter.findall("section"):
            section_id = section.get("id", "")
            code = section_id if "-" in section_id else f"{section_id}-{section_id}"
            yield Concept(code=code, title=_text(section.find("desc")), kind="section", parent=number)
            yield from _notes(section, code)
            for diag in section.findall("diag"):
                yield from _diag(diag, parent=code, inherited_7th=None, ctx=ctx)


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _notes(element: etree._Element, code: str) -> Iterator[Record]:
    for child in element:
        kind = NOTE_TAGS.get(str(child.tag))
        if kind is None:
            continue
        for note in child.findall("note"):
            text = _text(note)
            if text:
                yield Note(code=code, kind=kind, text=text)


def _diag(
    diag: etree._Element,
    *,
    parent: str,
    inherited_7th: dict[str, str] | None,
    ctx: _Context,
) -> Iterator[Record]:
    code = (diag.findtext("name") or "").strip()
    if not code:
        raise IngestError(MSG_MISSING_NAME.format(file=ctx.file, line=diag.sourceline, tag="diag"))
    if not CODE_RE.match(code):
        raise IngestError(MSG_BAD_CODE.format(file=ctx.file, line=diag.sourceline, code=code))
    if code in ctx.seen:
        raise IngestError(MSG_DUPLICATE.format(file=ctx.file, line=diag.sourceline, code=code))
    ctx.seen.add(code)
    title = _text(diag.find("desc"))
    if not title:
        raise IngestError(MSG_MISSING_DESC.format(file=ctx.file, line=diag.sourceline, code=code))
    own_7th: dict[str, str] = {}
    seventh_notes: list[str] = []
    definition = diag.find("sevenChrDef")
    if definition is not None:
        for extension in definition:
            if extension.tag == "note":  # a note after an extension qualifies it (H34.81: 2 stable, "Old ...")
                seventh_notes.append(_text(extension))
                continue
            char = extension.get("char", "")
            if extension.tag != "extension" or len(char) != 1:
                raise IngestError(MSG_BAD_EXTENSION.format(file=ctx.file, line=extension.sourceline, code=code))
            own_7th[char] = _text(extension)
    sevenths = own_7th or inherited_7th
    children = diag.findall("diag")
    needs_7th = not children and sevenths is not None
    yield Concept(
        code=code,
        title=title,
        kind="category" if len(code) == 3 else "code",
        parent=parent,
        billable=not children and not needs_7th,
        attrs={"requires_7th": "true"} if needs_7th else {},
    )
    yield from _notes(diag, code)
    for text in seventh_notes:
        yield Note(code=code, kind="seven_chr_note", text=text)
    for char, meaning in own_7th.items():
        yield SeventhCharacter(code=code, char=char, meaning=meaning)
    for child in children:
        yield from _diag(child, parent=code, inherited_7th=sevenths, ctx=ctx)
    if needs_7th and sevenths is not None:
        stem = code if "." in code else code + "."
        stem = stem.ljust(7, "X")
        for char, meaning in sevenths.items():
            full = stem + char
            if ctx.confirmed is not None and full.replace(".", "") not in ctx.confirmed:
                continue
            if full in ctx.seen:
                raise IngestError(MSG_DUPLICATE.format(file=ctx.file, line=diag.sourceline, code=full))
            ctx.seen.add(full)
            yield Concept(
                code=full,
                title=f"{title}, {meaning}",
                kind="code",
                parent=code,
                billable=True,
                attrs={"seventh_character": char},
            )


def parse_default() -> Iterator[Record]:
    """The embedded default: the FY2026 tabular, 7th-character codes confirmed by the code list."""
    return parse(default_path(), code_list=default_code_list())
