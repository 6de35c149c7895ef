"""The codes an ICD-10-CM note names: single codes, categories (J20.-) and ranges (E08-E13), and what they cover."""

from __future__ import annotations

import re
from functools import lru_cache

# A code, optionally followed by "-" and a second code: "E11.9", "J20.-", "E08-E13", "C81.0-C81.4".
NOTE_CODE = re.compile(
    r"\b([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:-?\s*-\s*([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?))?"
)


_DROP = str.maketrans("", "", " .-\t")


def _normal(code: str) -> str:
    return code.translate(_DROP).upper()


def note_references(text: str) -> tuple[str, ...]:
    """Every code or range a note's text names, as written without dots: 'E08-E13', 'J20', 'E119'."""
    found: list[str] = []
    for match in NOTE_CODE.finditer(text):
        start, end = match.group(1), match.group(2)
        found.append(f"{_normal(start)}-{_normal(end)}" if end else _normal(start))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=65536)
def reference_covers(reference: str, code: str) -> bool:
    """Whether a note reference ('E10', 'E08-E13', 'C81.0-C81.4') covers a code: the code itself, under it, or
    inside the range (compared at the length of each end, so E08-E13 holds E11.9 but not E14.0)."""
    norm = _normal(code)
    first, _, last = reference.partition("-")
    first, last = _normal(first), _normal(last)
    if not first or not norm:
        return False
    if not last:
        return norm.startswith(first)
    return norm[: len(first)] >= first and norm[: len(last)] <= last


def note_covers(text: str, code: str) -> bool:
    """Whether a note's text names the code: itself, an ancestor (E10.-) or a range holding it (E08-E13)."""
    return any(reference_covers(reference, code) for reference in note_references(text))
