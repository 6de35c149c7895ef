"""Checks of each new release against structural floors and the active release it replaces or succeeds.

A truncated official file parses without error when it is cut at a record boundary; these checks
catch it by what it lacks. Thresholds and floors: docs/adr/0038-import-shrink-threshold-and-floors.md.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medcode.codebook.systems import SYSTEM_LABELS

# A new release of a system may hold this much fewer codes than the one it replaces or succeeds.
MAX_SHRINK = 0.02
RULE_TABLES = ("ptp_edit", "mue_value", "addon_code", "pfs_rvu", "gpci", "oppscap", "anes_cf", "anes_base")
SAMPLE = 5

MSG_REFUSED = "The new codebook was not built; the active codebook is unchanged. {problems}"
MSG_ALLOW = "Use --allow-shrink if this is intended."
MSG_SHRINK = (
    "{file}: {label} {version} has {new:,} {what}, the {relation} release {old_version} has {old:,} "
    "({change:+.0%}){missing}; e.g. {examples}. " + MSG_ALLOW
)
MSG_FLOOR = "{file}: {label} {version} is not a whole release: {shortfalls}. " + MSG_ALLOW

# ICD-10-CM chapters by the categories they hold (FY2026 tabular list; chapter 22 is U00-U85).
ICD10CM_CHAPTERS: tuple[tuple[str, str, str], ...] = (
    ("1", "A00", "B99"),
    ("2", "C00", "D49"),
    ("3", "D50", "D89"),
    ("4", "E00", "E89"),
    ("5", "F01", "F99"),
    ("6", "G00", "G99"),
    ("7", "H00", "H59"),
    ("8", "H60", "H95"),
    ("9", "I00", "I99"),
    ("10", "J00", "J99"),
    ("11", "K00", "K95"),
    ("12", "L00", "L99"),
    ("13", "M00", "M99"),
    ("14", "N00", "N99"),
    ("15", "O00", "O9A"),
    ("16", "P00", "P96"),
    ("17", "Q00", "Q99"),
    ("18", "R00", "R99"),
    ("19", "S00", "T88"),
    ("20", "V00", "Y99"),
    ("21", "Z00", "Z99"),
    ("22", "U00", "U85"),
)
ICD10PCS_SECTIONS = tuple("0123456789BCDFGHX")
HCPCS_LETTERS = tuple("ABCEGHJKLMPQRSTUV")

# Floors: about 85-90 % of the smallest whole release seen (ADR 0038).
ICD10CM_MIN_CATEGORIES = 1_800
ICD10CM_MIN_BILLABLE = 65_000
ICD10CM_MIN_SEVENTH = 35_000  # injury codes (S00-T88) with their 7th character
ICD10PCS_MIN_TABLES = 800
ICD10PCS_MIN_CODES = 70_000
HCPCS_MIN_CODES = 6_000

GROUPING_KINDS = ("chapter", "section", "range", "table")


@dataclass(frozen=True)
class ReleaseRow:
    """One release as the release table holds it."""

    id: int
    system: str
    version: str
    content: str
    title: str
    effective_from: str


def _label(system: str) -> str:
    return SYSTEM_LABELS.get(system, system)


def _release(conn: sqlite3.Connection, release_id: int) -> ReleaseRow | None:
    row = conn.execute(
        "SELECT id, system, version, content, title, effective_from FROM release WHERE id = ?", (release_id,)
    ).fetchone()
    return ReleaseRow(*row) if row else None


def _measure(conn: sqlite3.Connection, release: ReleaseRow) -> tuple[int, str]:
    """What a release is counted by: billable codes, index terms, guideline items or rule rows."""
    if release.content == "codes":
        n = conn.execute(
            "SELECT count(*) FROM concept WHERE release_id = ? AND billable = 1", (release.id,)
        ).fetchone()[0]
        return n, "billable codes"
    if release.content == "index":
        n = conn.execute("SELECT count(*) FROM index_term WHERE release_id = ?", (release.id,)).fetchone()[0]
        return n, "index entries"
    if release.content == "guidelines":
        n = conn.execute("SELECT count(*) FROM guideline WHERE release_id = ?", (release.id,)).fetchone()[0]
        return n, "guideline items"
    n = sum(
        conn.execute(f"SELECT count(*) FROM {table} WHERE release_id = ?", (release.id,)).fetchone()[0]
        for table in RULE_TABLES
    )
    return n, "rows"


def _baseline(active: sqlite3.Connection, new: ReleaseRow) -> tuple[ReleaseRow, str] | None:
    """The active release the new one replaces (same key) or, for code sets, succeeds (latest before it)."""
    same = "SELECT id, system, version, content, title, effective_from FROM release WHERE system = ? AND content = ?"
    key: tuple[str, ...] = (new.system, new.content)
    replaced = same + " AND version = ?" + ("" if new.content == "codes" else " AND title = ?")
    row = active.execute(
        replaced, (*key, new.version) if new.content == "codes" else (*key, new.version, new.title)
    ).fetchone()
    if row:
        return ReleaseRow(*row), "active"
    if new.content != "codes":
        return None  # rule tables, indexes and guidelines are compared only with the release they replace
    row = active.execute(
        same + " AND effective_from <= ? ORDER BY effective_from DESC, id DESC LIMIT 1", (*key, new.effective_from)
    ).fetchone()
    return (ReleaseRow(*row), "preceding active") if row else None


def _codes(conn: sqlite3.Connection, release_id: int) -> set[str]:
    return {
        norm
        for (norm,) in conn.execute(
            "SELECT norm FROM concept WHERE release_id = ? AND billable = 1", (release_id,)
        ).fetchall()
    }


def _spread(items: Sequence[str], n: int = SAMPLE) -> list[str]:
    """Up to n items spread over the sorted list (a sample that shows where the gaps are)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def _display(conn: sqlite3.Connection, release_id: int, norms: Iterable[str]) -> list[str]:
    """Codes as the release writes them (E11.9, not E119)."""
    shown = []
    for norm in norms:
        row = conn.execute(
            "SELECT code FROM concept WHERE release_id = ? AND norm = ? LIMIT 1", (release_id, norm)
        ).fetchone()
        shown.append(row[0] if row else norm)
    return shown


def _groups_missing(system: str, old: set[str], new: set[str]) -> str:
    """The chapters, sections or letter ranges the old release has and the new one lacks."""
    if system == "icd10cm":
        lost = [c for c, a, b in ICD10CM_CHAPTERS if _in_range(old, a, b) and not _in_range(new, a, b)]
        return f"; missing chapters {_list(lost)}" if lost else ""
    if system in ("icd10pcs", "hcpcs"):
        lost = sorted({c[0] for c in old} - {c[0] for c in new})
        what = "sections" if system == "icd10pcs" else "ranges"
        return f"; missing {what} {_list(lost)}" if lost else ""
    return ""


def _in_range(codes: set[str], first: str, last: str) -> bool:
    return any(first <= c[:3] <= last for c in codes)


def _list(items: Sequence[str], limit: int = 20) -> str:
    """Chapters as runs ("2-22"), letters as a list; at most ``limit`` parts."""
    parts: list[str] = []
    for item in items:
        if (
            parts
            and item.isdigit()
            and parts[-1].split("-")[-1].isdigit()
            and int(item) == int(parts[-1].split("-")[-1]) + 1
        ):
            parts[-1] = f"{parts[-1].split('-')[0]}-{item}"
        else:
            parts.append(item)
    return ", ".join(parts[:limit]) + (f" and {len(parts) - limit} more" if len(parts) > limit else "")


def shrink_check(conn: sqlite3.Connection, active: sqlite3.Connection, release_id: int, *, file: str) -> str | None:
    """A message when the new release holds more than MAX_SHRINK fewer than the active one it takes over."""
    new = _release(conn, release_id)
    if new is None:
        return None
    found = _baseline(active, new)
    if found is None:
        return None
    old, relation = found
    new_n, what = _measure(conn, new)
    old_n, _ = _measure(active, old)
    if old_n == 0 or new_n >= old_n * (1 - MAX_SHRINK):
        return None
    missing = ""
    examples = "none listed"
    if new.content == "codes":
        old_codes, new_codes = _codes(active, old.id), _codes(conn, new.id)
        gone = sorted(old_codes - new_codes)
        missing = _groups_missing(new.system, old_codes, new_codes)
        examples = ", ".join(_display(active, old.id, _spread(gone))) or "none listed"
    return MSG_SHRINK.format(
        file=file,
        label=_label(new.system),
        version=new.version,
        new=new_n,
        what=what,
        relation=relation,
        old_version=old.version,
        old=old_n,
        change=(new_n - old_n) / old_n,
        missing=missing,
        examples=examples,
    )


def floor_check(conn: sqlite3.Connection, release_id: int, *, file: str) -> str | None:
    """A message when a new code release lacks what every whole release of its system has."""
    release = _release(conn, release_id)
    if release is None or release.content != "codes":
        return None
    shortfalls: list[str] = []
    if release.system == "icd10cm":
        shortfalls = _icd10cm_shortfalls(conn, release_id)
    elif release.system == "icd10pcs":
        shortfalls = _icd10pcs_shortfalls(conn, release_id)
    elif release.system == "hcpcs":
        shortfalls = _hcpcs_shortfalls(conn, release_id)
    if not shortfalls:
        return None
    return MSG_FLOOR.format(
        file=file, label=_label(release.system), version=release.version, shortfalls=", ".join(shortfalls)
    )


def _scalar(conn: sqlite3.Connection, sql: str, release_id: int) -> int:
    value: int = conn.execute(sql, (release_id,)).fetchone()[0]
    return value


def _below(n: int, floor: int, what: str) -> list[str]:
    return [f"{n:,} {what} (a whole release has at least {floor:,})"] if n < floor else []


def _icd10cm_shortfalls(conn: sqlite3.Connection, release_id: int) -> list[str]:
    per_category = conn.execute(
        "SELECT substr(norm, 1, 3), sum(billable),"
        " sum(billable AND length(norm) = 7 AND substr(norm, 1, 1) IN ('S', 'T'))"
        " FROM concept WHERE release_id = ? AND kind IN ('category', 'code') GROUP BY 1",
        (release_id,),
    ).fetchall()  # one pass over the release's codes
    categories = {row[0] for row in per_category}
    lost = [c for c, a, b in ICD10CM_CHAPTERS if not _in_range(categories, a, b)]
    out = [f"{len(ICD10CM_CHAPTERS) - len(lost)} of 22 chapters (missing {_list(lost)})"] if lost else []
    out += _below(len(categories), ICD10CM_MIN_CATEGORIES, "categories")
    out += _below(sum(row[1] for row in per_category), ICD10CM_MIN_BILLABLE, "billable codes")
    seventh = sum(row[2] for row in per_category)
    out += _below(seventh, ICD10CM_MIN_SEVENTH, "injury codes with their 7th character")
    return out


def _icd10pcs_shortfalls(conn: sqlite3.Connection, release_id: int) -> list[str]:
    codes = "FROM concept WHERE release_id = ? AND kind = 'code'"
    sections = {s for (s,) in conn.execute(f"SELECT DISTINCT substr(norm, 1, 1) {codes}", (release_id,)).fetchall()}
    lost = [s for s in ICD10PCS_SECTIONS if s not in sections]
    out = [f"{len(ICD10PCS_SECTIONS) - len(lost)} of 17 sections (missing {_list(lost)})"] if lost else []
    out += _below(
        _scalar(conn, f"SELECT count(DISTINCT substr(norm, 1, 3)) {codes}", release_id), ICD10PCS_MIN_TABLES, "tables"
    )
    out += _below(_scalar(conn, f"SELECT count(*) {codes}", release_id), ICD10PCS_MIN_CODES, "codes")
    return out


def _hcpcs_shortfalls(conn: sqlite3.Connection, release_id: int) -> list[str]:
    codes = "FROM concept WHERE release_id = ? AND kind = 'code'"
    letters = {s for (s,) in conn.execute(f"SELECT DISTINCT substr(norm, 1, 1) {codes}", (release_id,)).fetchall()}
    lost = [s for s in HCPCS_LETTERS if s not in letters]
    out = [f"{len(HCPCS_LETTERS) - len(lost)} of 17 letter ranges (missing {_list(lost)})"] if lost else []
    out += _below(_scalar(conn, f"SELECT count(*) {codes}", release_id), HCPCS_MIN_CODES, "codes")
    return out


def releases_check(
    conn: sqlite3.Connection,
    *,
    active: Path | None,
    new_releases: Iterable[tuple[int, str]],
    allow_shrink: bool,
) -> list[str]:
    """Problems of the releases this build imported ((release id, file name) pairs); empty when all pass."""
    if allow_shrink:
        return []
    pending = list(new_releases)
    reader = sqlite3.connect(f"file:{active}?mode=ro", uri=True) if active is not None and active.exists() else None
    problems: list[str] = []
    try:
        for release_id, file in pending:
            # the comparison names what is missing; the floors speak when there is nothing to compare with
            problem = shrink_check(conn, reader, release_id, file=file) if reader is not None else None
            problem = problem or floor_check(conn, release_id, file=file)
            if problem:
                problems.append(problem)
    finally:
        if reader is not None:
            reader.close()
    return problems
