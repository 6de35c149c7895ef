"""Build a new codebook file beside the active one, validate it, and activate it atomically."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from medcode.codebook import store
from medcode.codebook.codes import code_normalize
from medcode.core.errors import IngestError, ReleaseNotFound
from medcode.ingest import fetch as fetching
from medcode.ingest import release_checks, validate, workspace
from medcode.ingest.records import (
    AddOnCode,
    AnesBase,
    AnesCf,
    Concept,
    Gpci,
    GuidanceSection,
    Guideline,
    IndexTerm,
    MueValue,
    Note,
    OppsCap,
    PcsAxisValue,
    PfsRvu,
    PtpEdit,
    Record,
    Release,
    SeventhCharacter,
)
from medcode.ingest.sources import DEFAULT_SOURCES, source_kind

MSG_NO_RELEASE_FIRST = "{file}: the source produced data before saying which release it is"
MSG_NOTHING_TO_BUILD = "Nothing to build: give --default or at least one --source NAME PATH_OR_URL"
MSG_UNKNOWN_BUILD = "No codebook build '{build_id}' in {directory}"

BATCH = 5000
INDEX_CODE = re.compile(r"^[A-Z0-9][0-9A-Z]{2}(\.?[0-9A-Z]{0,4})?-?$")


@dataclass(frozen=True)
class SourceSpec:
    """A source name and where its file is (path or URL)."""

    name: str
    location: str


@dataclass
class ImportedSource:
    name: str
    origin: str
    sha256: str
    releases: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    release_ids: list[int] = field(default_factory=list)


@dataclass
class BuildResult:
    """What a build produced: its id, file, sources and validation report."""

    build_id: str
    path: Path
    activated: bool
    seconds: float
    sources: list[ImportedSource]
    report: validate.Report

    def as_dict(self) -> dict[str, object]:
        return {
            "build": self.build_id,
            "path": str(self.path),
            "activated": self.activated,
            "seconds": round(self.seconds, 1),
            "sources": [
                {
                    "name": s.name,
                    "origin": s.origin,
                    "sha256": s.sha256,
                    "releases": s.releases,
                    "counts": s.counts,
                }
                for s in self.sources
            ],
            "validation": self.report.as_dict(),
        }


def _schema() -> str:
    return (resources.files("medcode.codebook") / "schema.sql").read_text(encoding="utf-8")


RULES_MARKER = "-- Billing-rule tables"
RULE_TABLES = ("ptp_edit", "mue_value", "addon_code", "pfs_rvu", "gpci", "oppscap", "anes_cf", "anes_base")


def _rules_schema() -> str:
    """The rule-table part of the schema (IF NOT EXISTS), applied to codebooks built before it existed."""
    schema = _schema()
    return schema[schema.index(RULES_MARKER) :]


def _new_build_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def release_build(
    *,
    sources: Iterable[SourceSpec] = (),
    default: bool = False,
    activate: bool = True,
    directory: Path | None = None,
    show_progress: bool = True,
    extend_active: bool = True,
    allow_shrink: bool = False,
) -> BuildResult:
    """Import sources into a new codebook file (starting from the active one), validate, then activate.

    Nothing is written where the active codebook or other builds live until the new file is
    complete and valid: the work happens in a temporary file that is removed on any failure, and
    what a killed build left is removed when the next build starts. A new release that holds fewer
    codes than the active release it replaces or succeeds (by more than ``release_checks.MAX_SHRINK``),
    or less than every whole release of its system holds, is refused unless ``allow_shrink``.
    """
    specs = list(sources)
    if not specs and not default:
        raise IngestError(MSG_NOTHING_TO_BUILD)
    directory = directory or store.codebook_dir()
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    build_id = _new_build_id()
    work = workspace.workspace_open(directory=directory, build_id=build_id)
    temp = work.codebook
    imported: list[ImportedSource] = []
    try:
        active = store.active_path(directory)
        base = active if extend_active else None
        conn = _open_target(temp, base)
        try:
            with _progress(show_progress) as progress:
                if default:
                    for part in DEFAULT_SOURCES:
                        file = part.file()
                        origin = str(file) if file else f"package: {part.what}"
                        sha = fetching.sha256_of(file) if file and file.is_file() else ""
                        imported.append(
                            _import(conn, part.name, part.parse, origin=origin, sha256=sha, progress=progress)
                        )
                for spec in specs:
                    kind = source_kind(spec.name)
                    kind.reader()  # fail on unsupported sources before downloading anything
                    fetched = fetching.fetch(spec.location, workdir=work.downloads, show_progress=show_progress)
                    imported.append(
                        _import(
                            conn,
                            spec.name,
                            functools.partial(kind.parse, fetched.path),
                            origin=fetched.origin,
                            sha256=fetched.sha256,
                            progress=progress,
                        )
                    )
                problems = release_checks.releases_check(
                    conn,
                    active=active,
                    new_releases=[
                        (release_id, s.origin.rsplit("/", 1)[-1]) for s in imported for release_id in s.release_ids
                    ],
                    allow_shrink=allow_shrink,
                )
                if problems:
                    raise IngestError(release_checks.MSG_REFUSED.format(problems=" ".join(problems)))
                task = progress.add_task("full-text index", total=None)
                _rebuild_fts(conn)
                progress.update(task, completed=1, total=1)
            report = validate.codebook_validate(conn)
            if not report.ok:
                raise IngestError(validate.MSG_INVALID.format(problems="; ".join(report.errors[:10])))
            conn.execute("INSERT OR REPLACE INTO build(key, value) VALUES ('id', ?)", (build_id,))
            conn.execute(
                "INSERT OR REPLACE INTO build(key, value) VALUES ('built_at', ?)",
                (dt.datetime.now(dt.UTC).isoformat(),),
            )
            conn.commit()
            conn.execute("ANALYZE")  # planner statistics: prefix look-ups use the code index
            conn.execute("VACUUM")
        finally:
            conn.close()
        final = directory / f"{build_id}.sqlite"
        os.replace(temp, final)
        final.chmod(0o444)
    finally:
        work.close()  # the partial codebook (on failure) and any downloads; then the lock goes
    if activate:
        release_activate(build_id=build_id, directory=directory)
    return BuildResult(build_id, final, activate, time.monotonic() - started, imported, report)


def release_activate(*, build_id: str, directory: Path | None = None) -> Path:
    """Point the ACTIVE marker at a finished build, atomically (readers see old or new, never half)."""
    directory = directory or store.codebook_dir()
    path = directory / f"{build_id}.sqlite"
    if not path.exists():
        raise ReleaseNotFound(MSG_UNKNOWN_BUILD.format(build_id=build_id, directory=directory))
    handle, temp_name = tempfile.mkstemp(prefix=".active-", dir=directory)
    with os.fdopen(handle, "w") as out:
        out.write(build_id + "\n")
    os.replace(temp_name, directory / store.ACTIVE_MARKER)
    return path


def _progress(show: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
        disable=not show,
        transient=False,
    )


def _open_target(temp: Path, base: Path | None) -> sqlite3.Connection:
    conn = sqlite3.connect(temp)
    if base is not None and base.exists():
        source = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
        try:
            source.backup(conn)
        finally:
            source.close()
        conn.executescript(_rules_schema())
    else:
        conn.executescript(_schema())
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _import(
    conn: sqlite3.Connection,
    name: str,
    parse: Callable[[], Iterator[Record]],
    *,
    origin: str,
    sha256: str,
    progress: Progress,
) -> ImportedSource:
    """Insert one source's records; a release with the same system and version is replaced."""
    task = progress.add_task(f"import {name}", total=None)
    file_name = origin.rsplit("/", 1)[-1]
    source_id = conn.execute(
        "INSERT INTO source(name, origin, file_name, sha256, size, imported_at, row_counts) VALUES (?,?,?,?,?,?,?)",
        (name, origin, file_name, sha256, 0, dt.datetime.now(dt.UTC).isoformat(), "{}"),
    ).lastrowid
    result = ImportedSource(name=name, origin=origin, sha256=sha256)
    counts: Counter[str] = Counter()
    release_id: int | None = None
    pending: dict[str, list[tuple[object, ...]]] = {}
    seq = 0
    for record in parse():
        if isinstance(record, Release):
            _flush(conn, pending)
            release_id = _start_release(conn, record, source_id)
            result.release_ids.append(release_id)
            result.releases.append(f"{record.system} {record.version} ({record.content})")
            continue
        if release_id is None:
            raise IngestError(MSG_NO_RELEASE_FIRST.format(file=file_name))
        seq += 1
        table, row = _row(record, release_id, seq)
        pending.setdefault(table, []).append(row)
        counts[table] += 1
        if seq % BATCH == 0:
            _flush(conn, pending)
            progress.update(task, completed=seq)
    _flush(conn, pending)
    progress.update(task, completed=seq, total=seq)
    result.counts = dict(counts)
    conn.execute("UPDATE source SET row_counts = ? WHERE id = ?", (json.dumps(result.counts), source_id))
    return result


def _start_release(conn: sqlite3.Connection, release: Release, source_id: int | None) -> int:
    same = "SELECT id FROM release WHERE system = ? AND content = ? AND version = ?"
    key: tuple[str, ...] = (release.system, release.content, release.version)
    if release.content != "codes":
        same += " AND title = ?"
        key += (release.title,)
    for (old_id,) in conn.execute(same, key).fetchall():
        _delete_release(conn, old_id)
    cursor = conn.execute(
        "INSERT INTO release(source_id, system, version, content, effective_from, effective_to, title)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            source_id,
            release.system,
            release.version,
            release.content,
            release.effective_from.isoformat(),
            release.effective_to.isoformat() if release.effective_to else None,
            release.title,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _delete_release(conn: sqlite3.Connection, release_id: int) -> None:
    conn.execute(
        "DELETE FROM index_code WHERE index_term_id IN (SELECT id FROM index_term WHERE release_id = ?)",
        (release_id,),
    )
    tables = ("concept", "note", "seventh_character", "index_term", "pcs_axis", "guideline", "guidance_section")
    for table in (*tables, *RULE_TABLES):
        conn.execute(f"DELETE FROM {table} WHERE release_id = ?", (release_id,))
    conn.execute("DELETE FROM release WHERE id = ?", (release_id,))


def _row(record: Record, release_id: int, seq: int) -> tuple[str, tuple[object, ...]]:
    match record:
        case Concept():
            return "concept", (
                release_id,
                record.code,
                code_normalize(record.code),
                record.title,
                record.short_title,
                record.kind,
                record.parent,
                int(record.billable),
                seq,
                json.dumps(record.attrs, sort_keys=True),
            )
        case Note():
            return "note", (release_id, record.code, record.kind, record.text)
        case SeventhCharacter():
            return "seventh_character", (release_id, record.code, record.char, record.meaning)
        case IndexTerm():
            return "index_term", (
                release_id,
                record.index,
                record.term_id,
                record.parent_id,
                record.level,
                record.title,
                record.code,
                record.manifestation,
                record.see,
                record.see_also,
                record.nemod,
                json.dumps(record.cells) if record.cells else None,
            )
        case PcsAxisValue():
            return "pcs_axis", (
                release_id,
                record.table,
                record.position,
                record.value,
                record.label,
                record.definition,
            )
        case Guideline():
            return "guideline", (release_id, record.section, record.ref, record.text)
        case GuidanceSection():
            return "guidance_section", (
                release_id,
                seq,
                record.ref,
                record.parent,
                record.level,
                record.title,
                record.page,
                record.text,
            )
        case PtpEdit():
            return "ptp_edit", (
                release_id,
                record.column1,
                record.column2,
                _ymd(record.effective_from),
                _ymd(record.effective_to),
                record.modifier,
                record.rationale,
            )
        case MueValue():
            return "mue_value", (release_id, record.code, record.value, record.mai, record.rationale)
        case AddOnCode():
            return "addon_code", (
                release_id,
                record.addon,
                record.primary or "",
                record.addon_type,
                _ymd(record.effective_from),
                _ymd(record.effective_to),
            )
        case PfsRvu():
            return "pfs_rvu", (
                release_id,
                record.code,
                record.modifier,
                record.status,
                record.work,
                record.pe_nonfacility,
                record.pe_facility,
                record.mp,
                int(record.nonfacility_na),
                int(record.facility_na),
                record.pctc,
                record.global_days,
                record.pre,
                record.intra,
                record.post,
                record.multiple,
                record.bilateral,
                record.assistant,
                record.cosurgeon,
                record.team,
                record.endo_base,
                record.conversion_factor,
            )
        case Gpci():
            return "gpci", (
                release_id,
                record.mac,
                record.locality,
                record.state,
                record.name,
                record.work,
                record.pe,
                record.mp,
                record.counties,
            )
        case OppsCap():
            return "oppscap", (
                release_id,
                record.code,
                record.modifier,
                record.status,
                record.mac,
                record.locality,
                record.facility,
                record.nonfacility,
            )
        case AnesCf():
            return "anes_cf", (release_id, record.mac, record.locality, record.name, record.cf)
        case AnesBase():
            return "anes_base", (release_id, record.code, record.base_units)
    raise IngestError(f"Unexpected record type {type(record).__name__}")


def _ymd(day: dt.date | None) -> int | None:
    return day.year * 10000 + day.month * 100 + day.day if day is not None else None


INSERTS = {
    "concept": "INSERT INTO concept(release_id, code, norm, title, short_title, kind, parent, billable, seq, attrs)"
    " VALUES (?,?,?,?,?,?,?,?,?,?)",
    "note": "INSERT INTO note(release_id, code, kind, text) VALUES (?,?,?,?)",
    "seventh_character": "INSERT INTO seventh_character(release_id, code, char, meaning) VALUES (?,?,?,?)",
    "index_term": "INSERT INTO index_term(release_id, idx, term_id, parent_id, level, title, code, manifestation,"
    " see, see_also, nemod, cells) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "pcs_axis": "INSERT INTO pcs_axis(release_id, tbl, position, value, label, definition) VALUES (?,?,?,?,?,?)",
    "guideline": "INSERT INTO guideline(release_id, section, ref, text) VALUES (?,?,?,?)",
    "guidance_section": "INSERT INTO guidance_section(release_id, seq, ref, parent, level, title, page, text)"
    " VALUES (?,?,?,?,?,?,?,?)",
    "ptp_edit": "INSERT INTO ptp_edit(release_id, column1, column2, effective_from, effective_to, modifier, rationale)"
    " VALUES (?,?,?,?,?,?,?)",
    "mue_value": "INSERT INTO mue_value(release_id, code, value, mai, rationale) VALUES (?,?,?,?,?)",
    "addon_code": "INSERT INTO addon_code(release_id, addon, primary_code, addon_type, effective_from, effective_to)"
    " VALUES (?,?,?,?,?,?)",
    "pfs_rvu": "INSERT INTO pfs_rvu(release_id, code, modifier, status, work, pe_nonfacility, pe_facility, mp,"
    " nonfacility_na, facility_na, pctc, global_days, pre, intra, post, multiple, bilateral, assistant, cosurgeon,"
    " team, endo_base, conversion_factor) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "gpci": "INSERT INTO gpci(release_id, mac, locality, state, name, work, pe, mp, counties) VALUES (?,?,?,?,?,?,?,?,?)",
    "oppscap": "INSERT INTO oppscap(release_id, code, modifier, status, mac, locality, facility, nonfacility)"
    " VALUES (?,?,?,?,?,?,?,?)",
    "anes_cf": "INSERT INTO anes_cf(release_id, mac, locality, name, cf) VALUES (?,?,?,?,?)",
    "anes_base": "INSERT INTO anes_base(release_id, code, base_units) VALUES (?,?,?)",
}


def _flush(conn: sqlite3.Connection, pending: dict[str, list[tuple[object, ...]]]) -> None:
    for table, rows in pending.items():
        if rows:
            try:
                conn.executemany(INSERTS[table], rows)
            except sqlite3.IntegrityError as exc:
                raise IngestError(f"Duplicate or inconsistent {table} rows: {exc}") from exc
    pending.clear()


def _rebuild_fts(conn: sqlite3.Connection) -> None:
    """Index every concept's code, title and the words that lead to it (notes, inclusion and index terms)."""
    conn.execute("DELETE FROM index_code")
    rows: list[tuple[int, str, str]] = []
    for term_id, code, manifestation, cells in conn.execute(
        "SELECT id, code, manifestation, cells FROM index_term"
    ).fetchall():
        pairs = [("code", code), ("manifestation", manifestation)]
        if cells:
            pairs += list(json.loads(cells).items())
        rows += [
            (term_id, code_normalize(value).rstrip("-"), role)
            for role, value in pairs
            if value and INDEX_CODE.match(value)
        ]
    conn.executemany("INSERT INTO index_code(index_term_id, norm, role) VALUES (?,?,?)", rows)
    conn.execute("DELETE FROM concept_fts")
    conn.execute(
        """
        INSERT INTO concept_fts(rowid, code, title, terms)
        SELECT c.id, c.code || ' ' || c.norm, c.title || COALESCE(' ' || c.short_title, ''),
               COALESCE((SELECT group_concat(n.text, ' ') FROM note n
                         WHERE n.release_id = c.release_id AND n.code = c.code
                           AND n.kind IN ('inclusion_term', 'includes')), '')
        FROM concept c
        """
    )
