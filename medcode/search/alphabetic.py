"""The Alphabetic Index as coders walk it: main terms by letter, subterms, "see" and "see also" links."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from medcode.codebook import selectors

INDEX_LABELS = {
    "main": "Index to Diseases and Injuries",
    "eindex": "External Cause of Injuries Index",
    "drug": "Table of Drugs and Chemicals",
    "neoplasm": "Neoplasm Table",
    "pcs": "ICD-10-PCS Index",
}
MAX_CHILDREN_DEPTH = 8


@dataclass
class Entry:
    """One index entry with its subterms (to a depth), codes and cross-references."""

    term_id: int
    title: str
    level: int
    code: str | None
    manifestation: str | None
    see: str | None
    see_also: str | None
    nemod: str | None
    cells: dict[str, str]
    children: list[Entry] = field(default_factory=list)
    see_link: int | None = None
    see_also_link: int | None = None


def index_list(*, system: str = "icd10cm") -> list[tuple[str, selectors.ReleaseInfo]]:
    """(index name, release) of every index loaded for the system, newest release of each name."""
    found: dict[str, selectors.ReleaseInfo] = {}
    for r in selectors.release_list(system=system, content="index"):
        name = selectors.index_release_name(release=r)
        if name is not None:
            found[name] = r
    order = list(INDEX_LABELS)
    return sorted(found.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)


def _release(idx: str) -> selectors.ReleaseInfo | None:
    for system in ("icd10cm", "icd10pcs"):
        for name, release in index_list(system=system):
            if name == idx:
                return release
    return None


def main_terms(*, idx: str, letter: str) -> tuple[selectors.ReleaseInfo | None, list[tuple[int, str]]]:
    """The main terms of one index that start with a letter."""
    release = _release(idx)
    if release is None:
        return None, []
    letter = (letter or "A")[:1].upper()
    return release, selectors.index_main_terms(release_id=release.id, idx=idx, letter=letter)


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        term_id=row["term_id"],
        title=row["title"],
        level=row["level"],
        code=row["code"],
        manifestation=row["manifestation"],
        see=row["see"],
        see_also=row["see_also"],
        nemod=row["nemod"],
        cells=json.loads(row["cells"]) if row["cells"] else {},
    )


def resolve_reference(*, release_id: int, idx: str, reference: str) -> int | None:
    """The entry a "see" reference names ("Abuse, drug, inhalant"): main term, then subterms in order."""
    parts = [p.strip() for p in reference.split(",") if p.strip()]
    if not parts:
        return None
    found = selectors.index_term_find(
        release_id=release_id, idx=idx, parent_id=None, title=parts[0], like=parts[0].split(" ")[0] + "%"
    )
    if found is None:
        return None
    current = found
    for part in parts[1:]:
        nxt = selectors.index_term_find(release_id=release_id, idx=idx, parent_id=current, title=part, like=part + "%")
        if nxt is None:
            break
        current = nxt
    return current


def term_detail(*, idx: str, term_id: int) -> tuple[selectors.ReleaseInfo | None, list[Entry], Entry | None]:
    """An entry with its path from the main term and its subterms; see links resolved to entries."""
    release = _release(idx)
    if release is None:
        return None, [], None
    row = selectors.index_term_row(release_id=release.id, idx=idx, term_id=term_id)
    if row is None:
        return release, [], None
    entry = _entry(row)
    path: list[Entry] = []
    parent = row["parent_id"]
    while parent is not None:
        p = selectors.index_term_row(release_id=release.id, idx=idx, term_id=parent)
        if p is None:
            break
        path.append(_entry(p))
        parent = p["parent_id"]
    path.reverse()
    rows = selectors.index_terms_after(release_id=release.id, idx=idx, term_id=term_id)
    # descendants follow their ancestor in file order: take rows while they are deeper than the entry
    stack = [entry]
    for r in rows:
        if r["level"] <= entry.level:
            break
        child = _entry(r)
        while stack and stack[-1].level >= child.level:
            stack.pop()
        if not stack:
            break
        if child.level - entry.level <= MAX_CHILDREN_DEPTH:
            stack[-1].children.append(child)
        stack.append(child)

    def link(e: Entry) -> None:
        if e.see:
            e.see_link = resolve_reference(release_id=release.id, idx=idx, reference=e.see)
        if e.see_also:
            e.see_also_link = resolve_reference(release_id=release.id, idx=idx, reference=e.see_also)
        for ch in e.children:
            link(ch)

    link(entry)
    return release, path, entry
