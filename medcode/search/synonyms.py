"""The reviewed table of abbreviations, lay words and brand names (data/synonyms.tsv) and query expansion."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MAX_TERM_WORDS = 3


@dataclass(frozen=True)
class Synonym:
    """One row of the table: the term, what it stands for (groups of alternative words), where it applies."""

    term: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    kind: str
    system: str
    expect: str

    @property
    def expansion(self) -> str:
        return " ".join("|".join(g) for g in self.groups)


def _rows() -> list[list[str]]:
    text = (resources.files("medcode.search") / "data" / "synonyms.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.reader(lines[1:], delimiter="\t"))


@lru_cache(maxsize=1)
def synonym_table() -> dict[tuple[str, ...], Synonym]:
    """Term (as a tuple of lower-case words) to its row."""
    table: dict[tuple[str, ...], Synonym] = {}
    for row in _rows():
        row = [*row, "", "", "", ""][:5]
        term = tuple(row[0].strip().lower().split())
        groups = tuple(tuple(alt for alt in word.split("|") if alt) for word in row[1].strip().lower().split())
        table[term] = Synonym(term, groups, row[2].strip(), row[3].strip(), row[4].strip())
    return table


def expand(words: list[str]) -> list[tuple[list[str], tuple[tuple[str, ...], ...] | None]]:
    """Split a word list into spans; a span that is a table term carries its expansion groups.

    Longest terms win: "late effect" is one span, "w/o" another.
    """
    table = synonym_table()
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
