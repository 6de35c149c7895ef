"""The reviewed table of abbreviations, lay words and brand names (data/synonyms.tsv) and query expansion."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MAX_TERM_WORDS = 3


@dataclass(frozen=True)
class Synonym:
    """One row of the table: the term, what it stands for (groups of alternative words), where it applies, and
    (for rows added since the table carried one) the source or reason that justifies it."""

    term: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    kind: str
    system: str
    expect: str
    reason: str = ""

    @property
    def expansion(self) -> str:
        return " ".join("|".join(g) for g in self.groups)


def _rows() -> list[list[str]]:
    text = (resources.files("medcode.search") / "data" / "synonyms.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.reader(lines[1:], delimiter="\t"))


@lru_cache(maxsize=1)
def all_rows() -> tuple[Synonym, ...]:
    """Every row of the table, in file order (a term may have one row per code system)."""
    out = []
    for row in _rows():
        row = [*row, "", "", "", "", ""][:6]
        term = tuple(row[0].strip().lower().split())
        groups = tuple(tuple(alt for alt in word.split("|") if alt) for word in row[1].strip().lower().split())
        out.append(Synonym(term, groups, row[2].strip(), row[3].strip(), row[4].strip(), row[5].strip()))
    return tuple(out)


@lru_cache(maxsize=1)
def synonym_table() -> dict[tuple[str, ...], Synonym]:
    """Term (as a tuple of lower-case words) to its row: the first row of a term, which applies in every system
    that has no row of its own for it."""
    table: dict[tuple[str, ...], Synonym] = {}
    for row in all_rows():
        table.setdefault(row.term, row)
    return table


@lru_cache(maxsize=16)
def system_table(system: str | None) -> dict[tuple[str, ...], Synonym]:
    """The table as one code system reads it: a term's row for that system where it has one ("als" is advanced
    life support in HCPCS, amyotrophic lateral sclerosis elsewhere), else its first row."""
    table = dict(synonym_table())
    if system:
        for row in all_rows():
            if row.system == system and table[row.term].system != system:
                table[row.term] = row
    return table


def expand(words: list[str], system: str | None = None) -> list[tuple[list[str], tuple[tuple[str, ...], ...] | None]]:
    """Split a word list into spans; a span that is a table term carries its expansion groups (the rows of
    `system` where a term has one).

    Longest terms win: "late effect" is one span, "w/o" another.
    """
    table = system_table(system)
    out: list[tuple[list[str], tuple[tuple[str, ...], ...] | None]] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_TERM_WORDS, len(words) - i), 0, -1):
            key = tuple(words[i : i + size])
            if key in table:
                out.append((list(key), table[key].groups))
                i += size
                break
        else:
            out.append(([words[i]], None))
            i += 1
    return out
