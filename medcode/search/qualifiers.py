"""Look-alike qualifiers (data/qualifiers.tsv): title words that send a code to another chapter or use than the one a
query names ("congenital", "newborn", "pregnancy", "history of", a drug's route, an accessory). A code whose title
holds one the query does not say is ranked behind its peers."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from medcode.search import synonyms, text

LOOK_ALIKE_WEIGHT = 0.7  # the score of a code whose title holds a qualifier the query does not say


@dataclass(frozen=True)
class Qualifier:
    """One row: its bit, the title pattern, the stems of the words that choose it, the system it applies to."""

    bit: int
    name: str
    pattern: re.Pattern[str]
    said: frozenset[str]
    system: str
    reason: str


@lru_cache(maxsize=1)
def qualifiers() -> tuple[Qualifier, ...]:
    raw = (resources.files("medcode.search") / "data" / "qualifiers.tsv").read_text(encoding="utf-8")
    lines = [line for line in raw.splitlines() if line.strip() and not line.startswith("#")]
    out = []
    for n, row in enumerate(csv.reader(lines[1:], delimiter="\t")):
        name, pattern, said, system, reason = [*row, "", "", "", "", ""][:5]
        stems = frozenset(text.stem(w) for alt in said.split("|") for w in [alt.strip().lower()] if w)
        out.append(Qualifier(1 << n, name, re.compile(pattern, re.I), stems, system.strip(), reason))
    return tuple(out)


def title_mask(system: str, titles: list[str]) -> np.ndarray:
    """Per concept, the bits of the qualifiers its title holds (for this system)."""
    rows = [q for q in qualifiers() if q.system in ("", system)]
    mask = np.zeros(len(titles), dtype=np.uint32)
    if not rows:
        return mask
    combined = re.compile("|".join(f"(?:{q.pattern.pattern})" for q in rows), re.I)
    for i, title in enumerate(titles):
        if combined.search(title):
            mask[i] = sum(q.bit for q in rows if q.pattern.search(title))
    return mask


def said_mask(raw: str, stems: set[str], system: str) -> int:
    """The bits of the qualifiers a query says: through its own words, their stems or what they stand for."""
    return _said_mask(raw, frozenset(stems), system)


@lru_cache(maxsize=1024)
def _said_mask(raw: str, stems: frozenset[str], system: str) -> int:
    words = text.words(raw.lower())
    said = set(stems) | set(words) | {text.stem(w) for w in words}
    for _, groups in synonyms.expand(words, system):
        if groups:
            said |= {text.stem(w) for g in groups for alt in g for w in text.words(alt)}
    return sum(q.bit for q in qualifiers() if q.system in ("", system) and not q.said.isdisjoint(said))
