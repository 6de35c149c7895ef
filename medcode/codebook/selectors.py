"""Reads over the active codebook: releases by date, concepts, notes, hierarchy, index, history."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from medcode.codebook import store
from medcode.codebook.codes import ICD10CM_IN_TEXT, code_normalize
from medcode.codebook.systems import SYSTEM_LABELS, SYSTEMS
from medcode.core import labels
from medcode.core.errors import ApplicationError, CodeNotFound, ReleaseNotFound

MSG_UNKNOWN_SYSTEM = "Unknown code system '{system}'; expected one of: {systems}"
MSG_NO_RELEASE = "No {label} release is loaded{hint}"
LOAD_HINTS = {
    "modifier": ": HCPCS Level II modifiers come with the CMS Alpha-Numeric HCPCS file (medcode build --source hcpcs FILE)",
    "cpt": ": CPT code numbers come with the default build; descriptors need an AMA licence (--source cpt FILE)",
}
MSG_NO_RELEASE_ON = "No {label} release was in effect on {date}; the earliest loaded starts {first}"
MSG_CODE_NOT_FOUND = "{code} is not {article} {label} code in {release}"
MSG_BAD_DATE = "'{value}' is not a date; expected YYYY-MM-DD"

SYSTEM_ALIASES = {
    "icd10cm": "icd10cm",
    "icd-10-cm": "icd10cm",
    "icd10": "icd10cm",
    "icd10pcs": "icd10pcs",
    "icd-10-pcs": "icd10pcs",
    "pcs": "icd10pcs",
    "hcpcs": "hcpcs",
    "cpt": "cpt",
    "pos": "pos",
    "modifier": "modifier",
    "modifiers": "modifier",
}


@dataclass(frozen=True)
class ReleaseInfo:
    id: int
    system: str
    version: str
    content: str
    effective_from: dt.date
    effective_to: dt.date | None
    title: str
    source_name: str
    source_file: str
    source_sha256: str

    @property
    def label(self) -> str:
        return SYSTEM_LABELS.get(self.system, self.system)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "system": self.system,
            "version": self.version,
            "content": self.content,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "title": self.title,
            "source": self.source_name,
            "file": self.source_file,
            "sha256": self.source_sha256,
        }


@dataclass(frozen=True)
class ConceptRow:
    id: int
    system: str
    code: str
    title: str
    short_title: str | None
    kind: str
    parent: str | None
    billable: bool
    attrs: dict[str, str]
    release: ReleaseInfo

    def as_dict(self) -> dict[str, object]:
        return {
            "system": self.system,
            "code": self.code,
            "title": self.title,
            "short_title": self.short_title,
            "kind": self.kind,
            "parent": self.parent,
            "billable": self.billable,
            "attrs": self.attrs,
            "release": self.release.version,
        }


@dataclass(frozen=True)
class NoteRow:
    code: str
    kind: str
    text: str
    inherited: bool
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexPath:
    index: str
    terms: tuple[str, ...]
    code: str
    role: str
    release: str


@dataclass
class ConceptDetail:
    """Everything a code page shows about one code in one release."""

    concept: ConceptRow
    ancestors: list[ConceptRow]
    children: list[ConceptRow]
    notes: list[NoteRow]
    seventh: list[tuple[str, str]]
    seventh_from: str | None
    index_paths: list[IndexPath] = field(default_factory=list)
    pcs_axes: list[dict[str, str | None]] = field(default_factory=list)
    history: list[dict[str, object]] = field(default_factory=list)


def _db() -> sqlite3.Connection:
    return store.connection()


def system_normalize(system: str) -> str:
    key = system.strip().lower()
    if key not in SYSTEM_ALIASES:
        raise ApplicationError(MSG_UNKNOWN_SYSTEM.format(system=system, systems=", ".join(SYSTEMS)))
    return SYSTEM_ALIASES[key]


def parse_date(value: str | None) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(MSG_BAD_DATE.format(value=value)) from None


normalize = code_normalize  # the name older callers use; the normaliser lives in medcode.codebook.codes (ADR 0051)


@lru_cache(maxsize=64)
def _releases(path: str) -> tuple[ReleaseInfo, ...]:
    rows = (
        _db()
        .execute(
            """SELECT r.id, r.system, r.version, r.content, r.effective_from, r.effective_to, r.title,
                  s.name, s.file_name, s.sha256
           FROM release r JOIN source s ON s.id = r.source_id ORDER BY r.system, r.effective_from, r.id"""
        )
        .fetchall()
    )
    return tuple(
        ReleaseInfo(
            id=r[0],
            system=r[1],
            version=r[2],
            content=r[3],
            effective_from=dt.date.fromisoformat(r[4]),
            effective_to=dt.date.fromisoformat(r[5]) if r[5] else None,
            title=r[6],
            source_name=r[7],
            source_file=r[8],
            source_sha256=r[9],
        )
        for r in rows
    )


def release_list(*, system: str | None = None, content: str | None = "codes") -> list[ReleaseInfo]:
    releases = _releases(str(store.connected_path()))
    return [r for r in releases if (system is None or r.system == system) and (content is None or r.content == content)]


def release_get(*, release_id: int) -> ReleaseInfo:
    for release in release_list(content=None):
        if release.id == release_id:
            return release
    raise ReleaseNotFound(f"No release with id {release_id}")


def release_for(*, system: str, as_of: dt.date | None = None) -> ReleaseInfo:
    """The release of ``system`` in effect on ``as_of`` (the latest one when no date is given)."""
    releases = release_list(system=system)
    label = SYSTEM_LABELS.get(system, system)
    if not releases:
        raise ReleaseNotFound(MSG_NO_RELEASE.format(label=label, hint=LOAD_HINTS.get(system, "")))
    if as_of is None:
        return releases[-1]
    in_effect = [
        r for r in releases if r.effective_from <= as_of and (r.effective_to is None or as_of <= r.effective_to)
    ]
    if not in_effect:
        raise ReleaseNotFound(
            MSG_NO_RELEASE_ON.format(label=label, date=as_of.isoformat(), first=releases[0].effective_from.isoformat())
        )
    return in_effect[-1]


def _concept(row: sqlite3.Row, release: ReleaseInfo) -> ConceptRow:
    return ConceptRow(
        id=row["id"],
        system=release.system,
        code=row["code"],
        title=row["title"],
        short_title=row["short_title"],
        kind=row["kind"],
        parent=row["parent"],
        billable=bool(row["billable"]),
        attrs=json.loads(row["attrs"]),
        release=release,
    )


CONCEPT_COLUMNS = "id, code, title, short_title, kind, parent, billable, attrs"


def concept_find(*, system: str, code: str, release: ReleaseInfo) -> ConceptRow | None:
    """The concept with this code (any case, with or without dot) in one release, or None."""
    row = (
        _db()
        .execute(
            f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE norm = ? AND release_id = ?",
            (code_normalize(code), release.id),
        )
        .fetchone()
    )
    if row is None:
        row = (
            _db()
            .execute(f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE code = ? AND release_id = ?", (code, release.id))
            .fetchone()
        )
    return _concept(row, release) if row is not None else None


def concept_get(*, system: str, code: str, as_of: dt.date | None = None) -> ConceptRow:
    """The concept in the release in effect on ``as_of``; CodeNotFound names the release searched."""
    system = system_normalize(system)
    release = release_for(system=system, as_of=as_of)
    concept = concept_find(system=system, code=code, release=release)
    if concept is None:
        raise CodeNotFound(
            MSG_CODE_NOT_FOUND.format(
                code=code, article=labels.article(release.label), label=release.label, release=release.title
            )
        )
    return concept


def concept_locate(*, code: str, as_of: dt.date | None = None) -> list[ConceptRow]:
    """Every system's concept with this code (a code typed without a system)."""
    found = []
    for system in SYSTEMS:
        try:
            release = release_for(system=system, as_of=as_of)
        except ReleaseNotFound:
            continue
        concept = concept_find(system=system, code=code, release=release)
        if concept is not None:
            found.append(concept)
    return found


def concept_children(*, concept: ConceptRow) -> list[ConceptRow]:
    rows = (
        _db()
        .execute(
            f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? AND parent = ? ORDER BY seq",
            (concept.release.id, concept.code),
        )
        .fetchall()
    )
    return [_concept(r, concept.release) for r in rows]


def concept_ancestors(*, concept: ConceptRow) -> list[ConceptRow]:
    """From the top of the hierarchy down to the concept's parent."""
    chain: list[ConceptRow] = []
    parent = concept.parent
    while parent:
        row = (
            _db()
            .execute(
                f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? AND code = ?",
                (concept.release.id, parent),
            )
            .fetchone()
        )
        if row is None:
            break
        node = _concept(row, concept.release)
        chain.append(node)
        parent = node.parent
    chain.reverse()
    return chain


def _codes_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(1) for m in ICD10CM_IN_TEXT.finditer(text)))


def concept_notes(*, concept: ConceptRow, ancestors: list[ConceptRow]) -> list[NoteRow]:
    """The code's own notes, then those of its ancestors that govern it (closest first)."""
    notes: list[NoteRow] = []
    for node, inherited in [(concept, False)] + [(a, True) for a in reversed(ancestors)]:
        for row in _db().execute(
            "SELECT code, kind, text FROM note WHERE release_id = ? AND code = ? ORDER BY id",
            (concept.release.id, node.code),
        ):
            notes.append(NoteRow(row["code"], row["kind"], row["text"], inherited, _codes_in(row["text"])))
    return notes


def seventh_characters(*, concept: ConceptRow, ancestors: list[ConceptRow]) -> tuple[list[tuple[str, str]], str | None]:
    for node in [concept, *reversed(ancestors)]:
        rows = (
            _db()
            .execute(
                "SELECT char, meaning FROM seventh_character WHERE release_id = ? AND code = ? ORDER BY rowid",
                (concept.release.id, node.code),
            )
            .fetchall()
        )
        if rows:
            return [(r[0], r[1]) for r in rows], node.code
    return [], None


@dataclass(frozen=True)
class SeventhMeaning:
    """One 7th character and its official meaning, with how many categories define it so and one of them."""

    char: str
    meaning: str
    categories: int
    example: str


@lru_cache(maxsize=8)
def _seventh_meanings(path: str, release_id: int) -> tuple[SeventhMeaning, ...]:
    rows = (
        _db()
        .execute(
            "SELECT char, meaning, count(DISTINCT code), min(code) FROM seventh_character WHERE release_id = ?"
            " GROUP BY char, meaning ORDER BY count(DISTINCT code) DESC, char",
            (release_id,),
        )
        .fetchall()
    )
    return tuple(SeventhMeaning(r[0], r[1], int(r[2]), r[3]) for r in rows)


def seventh_character_meanings(*, release: ReleaseInfo) -> tuple[SeventhMeaning, ...]:
    """Every distinct (7th character, meaning) of a release, most widely defined first."""
    return _seventh_meanings(str(store.connected_path()), release.id)


def index_paths(*, system: str, code: str, limit: int = 25) -> list[IndexPath]:
    """Index entries (any index release of the system) that lead to the code, as full term paths."""
    db = _db()
    norm = code_normalize(code)
    # PCS index entries lead to a table or a partial code (0DTJ): they lead to every code that starts so
    keys = [norm[:cut] for cut in range(3, len(norm) + 1)] if system == "icd10pcs" else [norm]
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        f"""SELECT t.release_id, t.idx, t.term_id, ic.role, r.version, t.code, t.manifestation, t.cells
           FROM index_code ic
           JOIN index_term t ON t.id = ic.index_term_id JOIN release r ON r.id = t.release_id
           WHERE ic.norm IN ({marks}) AND r.system = ?
           ORDER BY r.effective_from DESC, length(ic.norm) DESC, t.idx, t.term_id LIMIT ?""",
        (*keys, system, limit),
    ).fetchall()
    paths = []
    for release_id, idx, term_id, role, version, term_code, manifestation, cells in rows:
        shown = {"code": term_code, "manifestation": manifestation}.get(role) or json.loads(cells or "{}").get(role, "")
        terms: list[str] = []
        current: int | None = term_id
        while current is not None:
            node = db.execute(
                "SELECT parent_id, title, nemod FROM index_term WHERE release_id = ? AND idx = ? AND term_id = ?",
                (release_id, idx, current),
            ).fetchone()
            if node is None:
                break
            terms.append(node["title"])
            current = node["parent_id"]
        terms.reverse()
        paths.append(IndexPath(idx, tuple(terms), shown, role, version))
    return paths


def pcs_axes(*, concept: ConceptRow) -> list[dict[str, str | None]]:
    """For a 7-character PCS code: each character, its axis value label and definition."""
    code = concept.code
    if concept.system != "icd10pcs" or len(code) < 3:
        return []
    db = _db()
    axes = []
    for position, value in enumerate(code, start=1):
        tbl = code[: position - 1] if position <= 3 else code[:3]
        row = db.execute(
            "SELECT label, definition FROM pcs_axis WHERE release_id = ? AND tbl = ? AND position = ? AND value = ?",
            (concept.release.id, tbl, position, value),
        ).fetchone()
        axes.append(
            {
                "position": str(position),
                "value": value,
                "axis": PCS_AXIS_NAMES.get(position, ""),
                "label": row["label"] if row else None,
                "definition": row["definition"] if row else None,
            }
        )
    return axes


PARTIAL_DANGLING = frozenset(["of", "using", "with", "via", "and", "or", "to", "in", "from", "into", "for", "by"])


@dataclass(frozen=True)
class PcsPartial:
    """An ICD-10-PCS code the Alphabetic Index gives only in part ("BW20"): its table, the values its characters
    fix, and the codes that complete it."""

    code: str
    table: ConceptRow
    completions: list[ConceptRow]

    @property
    def fixed(self) -> list[dict[str, str | None]]:
        """Each character it has: its axis and the value's label (see `pcs_axes`)."""
        return pcs_axes(concept=replace(self.table, code=self.code))

    @property
    def title(self) -> str:
        """What the official titles of all its completions begin with ("Computerized Tomography (CT Scan) of
        Abdomen", "Resection of Right Testis"); failing that, the table's title and the labels of the characters
        beyond it ("Medical and Surgical, ..., Resection: Testis, Right")."""
        words = [c.title.replace(",", " ,").split() for c in self.completions]
        common: list[str] = []
        for column in zip(*words, strict=False):
            if any(w != column[0] for w in column):
                break
            common.append(column[0])
        while common and (common[-1].lower() in PARTIAL_DANGLING or common[-1] == ","):
            common.pop()
        if len(common) >= 2:
            return " ".join(common).replace(" ,", ",")
        extra = [str(axis["label"]) for axis in self.fixed[3:] if axis["label"]]
        return f"{self.table.title}: {', '.join(extra)}" if extra else self.table.title


def pcs_partial(
    *, code: str, release: ReleaseInfo | None = None, as_of: dt.date | None = None, limit: int = 200
) -> PcsPartial | None:
    """An incomplete ICD-10-PCS code (4 to 6 characters, within one table) that valid codes complete, or None."""
    norm = code_normalize(code)
    if not 4 <= len(norm) <= 6:
        return None
    release = release or release_for(system="icd10pcs", as_of=as_of)
    table = concept_find(system="icd10pcs", code=norm[:3], release=release)
    if table is None or concept_find(system="icd10pcs", code=norm, release=release) is not None:
        return None
    rows = (
        _db()
        .execute(
            f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? AND norm > ? AND norm < ? AND billable"
            " ORDER BY norm LIMIT ?",
            (release.id, norm, norm + "\uffff", limit),
        )
        .fetchall()
    )
    if not rows:
        return None
    return PcsPartial(norm, table, [_concept(r, release) for r in rows])


PCS_AXIS_NAMES = {
    1: "Section",
    2: "Body system",
    3: "Root operation",
    4: "Body part",
    5: "Approach",
    6: "Device",
    7: "Qualifier",
}


def concept_history(*, system: str, code: str) -> list[dict[str, object]]:
    """The code in every loaded release of its system: present or not, title, billable."""
    history = []
    for release in release_list(system=system):
        row = (
            _db()
            .execute(
                "SELECT title, billable FROM concept WHERE release_id = ? AND norm = ?",
                (release.id, code_normalize(code)),
            )
            .fetchone()
        )
        history.append(
            {
                "release": release.version,
                "title_of_release": release.title,
                "effective_from": release.effective_from.isoformat(),
                "present": row is not None,
                "title": row["title"] if row else None,
                "billable": bool(row["billable"]) if row else None,
            }
        )
    return history


def concept_detail(*, system: str, code: str, as_of: dt.date | None = None) -> ConceptDetail:
    concept = concept_get(system=system, code=code, as_of=as_of)
    ancestors = concept_ancestors(concept=concept)
    seventh, seventh_from = seventh_characters(concept=concept, ancestors=ancestors)
    return ConceptDetail(
        concept=concept,
        ancestors=ancestors,
        children=concept_children(concept=concept),
        notes=concept_notes(concept=concept, ancestors=ancestors),
        seventh=seventh,
        seventh_from=seventh_from,
        index_paths=index_paths(system=concept.system, code=concept.code),
        pcs_axes=pcs_axes(concept=concept),
        history=concept_history(system=concept.system, code=concept.code),
    )


def concept_suggest(
    *, system: str | None, code: str, as_of: dt.date | None = None, limit: int = 10
) -> list[ConceptRow]:
    """Closest valid codes for a code that does not exist: completions, a missing 7th character, a typo."""
    norm = code_normalize(code)
    systems = [system_normalize(system)] if system else list(SYSTEMS)
    found: list[ConceptRow] = []
    for name in systems:
        try:
            release = release_for(system=name, as_of=as_of)
        except ReleaseNotFound:
            continue
        if not norm:
            continue
        rows = (
            _db()
            .execute(
                f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? AND norm >= ? AND norm < ? "
                "ORDER BY billable DESC, length(norm), seq LIMIT ?",
                (release.id, norm, norm + "\uffff", limit),
            )
            .fetchall()
        )
        if not rows:
            # walk back one character at a time to the nearest existing ancestor and offer its children
            for cut in range(len(norm) - 1, 2, -1):
                rows = (
                    _db()
                    .execute(
                        f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? AND norm >= ? AND norm < ? "
                        "ORDER BY length(norm), seq LIMIT ?",
                        (release.id, norm[:cut], norm[:cut] + "\uffff", limit),
                    )
                    .fetchall()
                )
                if rows:
                    break
        found.extend(_concept(r, release) for r in rows)
    return found[:limit]


def concept_browse(*, system: str, as_of: dt.date | None = None) -> tuple[ReleaseInfo, list[ConceptRow]]:
    """The top level of a system's hierarchy: chapters, sections, HCPCS ranges, PCS sections."""
    system = system_normalize(system)
    release = release_for(system=system, as_of=as_of)
    rows = (
        _db()
        .execute(
            f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? AND parent IS NULL ORDER BY seq LIMIT 2000",
            (release.id,),
        )
        .fetchall()
    )
    return release, [_concept(r, release) for r in rows]


def release_diff(*, system: str, old: ReleaseInfo, new: ReleaseInfo) -> dict[str, list[dict[str, str]]]:
    """Codes added, deleted and with a revised title between two releases of a system."""
    db = _db()
    added = db.execute(
        "SELECT code, title FROM concept WHERE release_id = ? AND kind NOT IN ('chapter','section','range') "
        "AND norm NOT IN (SELECT norm FROM concept WHERE release_id = ?) ORDER BY seq",
        (new.id, old.id),
    ).fetchall()
    deleted = db.execute(
        "SELECT code, title FROM concept WHERE release_id = ? AND kind NOT IN ('chapter','section','range') "
        "AND norm NOT IN (SELECT norm FROM concept WHERE release_id = ?) ORDER BY seq",
        (old.id, new.id),
    ).fetchall()
    revised = db.execute(
        "SELECT n.code, o.title, n.title FROM concept n JOIN concept o ON o.norm = n.norm AND o.release_id = ? "
        "WHERE n.release_id = ? AND o.title != n.title AND n.kind NOT IN ('chapter','section','range') ORDER BY n.seq",
        (old.id, new.id),
    ).fetchall()
    return {
        "added": [{"code": r[0], "title": r[1]} for r in added],
        "deleted": [{"code": r[0], "title": r[1]} for r in deleted],
        "revised": [{"code": r[0], "old_title": r[1], "new_title": r[2]} for r in revised],
    }


def concept_search(*, query: str, system: str | None = None, limit: int = 20) -> list[ConceptRow]:
    """Plain full-text search over titles, codes and inclusion terms in each system's latest release."""
    words = re.findall(r"[\w]+", query.lower())
    if not words:
        return []
    match = " ".join(f'"{w}"*' for w in words)
    releases = {r.id: r for r in (release_list(system=system_normalize(system)) if system else release_list())}
    latest = {}
    for r in releases.values():
        latest[r.system] = r
    ids = ",".join(str(r.id) for r in latest.values()) or "0"
    rows = (
        _db()
        .execute(
            f"""SELECT c.id, c.code, c.title, c.short_title, c.kind, c.parent, c.billable, c.attrs, c.release_id
            FROM concept_fts f JOIN concept c ON c.id = f.rowid
            WHERE concept_fts MATCH ? AND c.release_id IN ({ids})
            ORDER BY bm25(concept_fts, 10.0, 4.0, 1.0) - c.billable LIMIT ?""",
            (match, limit),
        )
        .fetchall()
    )
    return [_concept(r, releases[r["release_id"]]) for r in rows]


# Reads for the FHIR terminology operations (CodeSystem $lookup, ValueSet $expand).

MSG_NO_VERSION = "No {label} release with version '{version}'; loaded: {versions}"
CODE_PREFIX = re.compile(r"[A-Za-z0-9]+[A-Za-z0-9.]*")


def release_by_version(*, system: str, version: str) -> ReleaseInfo:
    releases = release_list(system=system)
    for release in releases:
        if release.version == version:
            return release
    raise ReleaseNotFound(
        MSG_NO_VERSION.format(
            label=SYSTEM_LABELS.get(system, system), version=version, versions=", ".join(r.version for r in releases)
        )
    )


def concept_count(*, release: ReleaseInfo) -> int:
    row = _db().execute("SELECT count(*) FROM concept WHERE release_id = ?", (release.id,)).fetchone()
    return int(row[0])


def concept_range(*, release: ReleaseInfo, offset: int, limit: int) -> list[ConceptRow]:
    """Concepts of a release in publisher order, one page at a time."""
    rows = (
        _db()
        .execute(
            f"SELECT {CONCEPT_COLUMNS} FROM concept WHERE release_id = ? ORDER BY seq LIMIT ? OFFSET ?",
            (release.id, limit, offset),
        )
        .fetchall()
    )
    return [_concept(r, release) for r in rows]


def concept_filter(*, release: ReleaseInfo, text: str, offset: int, limit: int) -> tuple[int, list[ConceptRow]]:
    """Concepts whose code starts with `text` (a code fragment) or whose words start with its words; total and a page."""
    text = text.strip()
    db = _db()
    if CODE_PREFIX.fullmatch(text) and any(ch.isdigit() for ch in text):
        norm = code_normalize(text)
        where, args = "release_id = ? AND norm >= ? AND norm < ?", (release.id, norm, norm + "\uffff")
        total = db.execute(f"SELECT count(*) FROM concept INDEXED BY concept_norm WHERE {where}", args).fetchone()[0]
        rows = db.execute(
            f"SELECT {CONCEPT_COLUMNS} FROM concept INDEXED BY concept_norm WHERE {where} ORDER BY seq LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return int(total), [_concept(r, release) for r in rows]
    words = re.findall(r"\w+", text.lower())
    if not words:
        return 0, []
    match = " ".join(f'"{w}"*' for w in words)
    base = "FROM concept_fts f JOIN concept c ON c.id = f.rowid WHERE concept_fts MATCH ? AND c.release_id = ?"
    total = db.execute(f"SELECT count(*) {base}", (match, release.id)).fetchone()[0]
    rows = db.execute(
        f"SELECT c.id, c.code, c.title, c.short_title, c.kind, c.parent, c.billable, c.attrs {base} "
        "ORDER BY c.seq LIMIT ? OFFSET ?",
        (match, release.id, limit, offset),
    ).fetchall()
    return int(total), [_concept(r, release) for r in rows]


def source_checksums(path: Path | None = None) -> set[str]:
    """The sha256 of every official file a codebook was built from (the active one, or the file at ``path``)."""
    if path is None:
        rows = _db().execute("SELECT sha256 FROM source").fetchall()
    else:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            rows = conn.execute("SELECT sha256 FROM source").fetchall()
    return {r[0] for r in rows if r[0]}


# --- whole-table reads for the structures search and the assistant build once per release ------------------


def index_release_name(*, release: ReleaseInfo) -> str | None:
    """The index an index release holds ("main", "eindex", "drug", "neoplasm", "pcs"), or None when it is empty."""
    row = _db().execute("SELECT idx FROM index_term WHERE release_id = ? LIMIT 1", (release.id,)).fetchone()
    return None if row is None else str(row["idx"])


def index_main_terms(*, release_id: int, idx: str, letter: str) -> list[tuple[int, str]]:
    """(term id, title) of the main terms of one index that start with a letter, in index order."""
    rows = _db().execute(
        "SELECT term_id, title FROM index_term WHERE release_id = ? AND idx = ? AND level = 0"
        " AND upper(substr(title, 1, 1)) = ? ORDER BY term_id",
        (release_id, idx, letter),
    )
    return [(r[0], r[1]) for r in rows]


def index_term_row(*, release_id: int, idx: str, term_id: int) -> sqlite3.Row | None:
    """One index entry as stored."""
    row: sqlite3.Row | None = (
        _db()
        .execute(
            "SELECT * FROM index_term WHERE release_id = ? AND idx = ? AND term_id = ?", (release_id, idx, term_id)
        )
        .fetchone()
    )
    return row


def index_terms_after(*, release_id: int, idx: str, term_id: int, limit: int = 5000) -> list[sqlite3.Row]:
    """The entries that follow one in file order (its subterms come first)."""
    return (
        _db()
        .execute(
            "SELECT * FROM index_term WHERE release_id = ? AND idx = ? AND term_id > ? ORDER BY term_id LIMIT ?",
            (release_id, idx, term_id, limit),
        )
        .fetchall()
    )


def index_term_find(*, release_id: int, idx: str, parent_id: int | None, title: str, like: str) -> int | None:
    """The entry under a parent (a main term when ``parent_id`` is None) titled ``title``, else the shortest whose
    title matches the SQL pattern ``like`` (both without regard to case)."""
    db = _db()
    under = "level = 0" if parent_id is None else "parent_id = ?"
    args: tuple[object, ...] = (release_id, idx) if parent_id is None else (release_id, idx, parent_id)
    row = db.execute(
        f"SELECT term_id FROM index_term WHERE release_id = ? AND idx = ? AND {under} AND lower(title) = lower(?)"
        " ORDER BY length(title) LIMIT 1",
        (*args, title),
    ).fetchone()
    if row is None:
        row = db.execute(
            f"SELECT term_id FROM index_term WHERE release_id = ? AND idx = ? AND {under} AND lower(title) LIKE lower(?)"
            " ORDER BY length(title) LIMIT 1",
            (*args, like),
        ).fetchone()
    return None if row is None else int(row[0])


def index_term_rows(*, release_id: int) -> list[sqlite3.Row]:
    """Every entry of an index release in file order, with what the search index reads of it."""
    return (
        _db()
        .execute(
            "SELECT idx, term_id, parent_id, title, code, manifestation, cells, nemod, see, see_also FROM index_term"
            " WHERE release_id = ? ORDER BY term_id",
            (release_id,),
        )
        .fetchall()
    )


def concept_rows(*, release_id: int, order: str = "norm") -> list[sqlite3.Row]:
    """Every concept of a release as stored, ordered by normalised code ("norm") or in publisher order ("seq")."""
    if order not in ("norm", "seq"):
        raise ValueError(order)
    return (
        _db()
        .execute(
            "SELECT code, norm, title, short_title, kind, parent, billable, seq, attrs FROM concept WHERE release_id = ?"
            f" ORDER BY {order}",
            (release_id,),
        )
        .fetchall()
    )


def inclusion_texts(*, release_id: int) -> list[tuple[str, str]]:
    """(code, text) of every inclusion term and Includes note of a release, in publisher order."""
    rows = _db().execute(
        "SELECT code, text FROM note WHERE release_id = ? AND kind IN ('inclusion_term', 'includes') ORDER BY id",
        (release_id,),
    )
    return [(r[0], r[1]) for r in rows]


def guideline_paragraphs() -> list[tuple[int, str, str, str]]:
    """(release id, section, reference, text) of every official guideline paragraph, newest release first."""
    rows = _db().execute(
        "SELECT g.release_id, g.section, g.ref, g.text FROM guideline g JOIN release r ON r.id = g.release_id "
        "ORDER BY r.effective_from DESC, g.id"
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]
