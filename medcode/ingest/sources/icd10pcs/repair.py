"""Repairs of the packaged ICD-10-PCS text: extraction defects and the guideline PDF's hard line breaks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from medcode.ingest.sources.icd10pcs.common import _WORD
from medcode.ingest.sources.icd10pcs.names import KNOWN_NAMES

# Corrections of the packaged text where the official wording is certain.
REVIEWED_FIXES = {"Mutliple Procedures": "Multiple procedures"}
_JOIN_AFTER = frozenset(
    ("a", "an", "and", "as", "at", "by", "for", "from", "in", "is", "are", "of", "on", "or", "the", "to", "with")
)


@dataclass(frozen=True, slots=True)
class Repair:
    """One correction made to packaged text: where, what kind, before and after."""

    where: str
    kind: str
    before: str
    after: str


@dataclass
class _Repairer:
    vocabulary: frozenset[str]
    log: list[Repair] | None
    cache: dict[tuple[str, bool], str] = field(default_factory=dict)

    def __call__(self, text: str, where: str, *, first_letter: bool = True) -> str:
        key = (text, first_letter)
        if key not in self.cache:
            fixed, kinds = repair_text(text, self.vocabulary, first_letter=first_letter)
            self.cache[key] = fixed
            if kinds and self.log is not None:
                self.log.append(Repair(where=where, kind="+".join(kinds), before=text, after=fixed))
        return self.cache[key]


def repair_text(text: str, vocabulary: Iterable[str], *, first_letter: bool = True) -> tuple[str, list[str]]:
    """Undo the packaged text's extraction defects where the official wording is certain.

    ``vocabulary`` holds lower-cased words of official titles. Fixes: line breaks and runs of blanks in a
    one-line field; "Drug- eluting" and "Stereoelectroencephalo graphic" (a word split by a line break);
    a field that lost its first letter ("xcision", "herapeutic"), when one capital letter alone makes it a
    reviewed name or an official word. Returns the text and the kinds of fixes made.
    """
    words = vocabulary if isinstance(vocabulary, (set, frozenset)) else frozenset(vocabulary)
    kinds: list[str] = []
    fixed = " ".join(text.split())
    if fixed != text:
        kinds.append("whitespace")

    def hyphen(m: re.Match[str]) -> str:
        joined = f"{m[1]}-{m[2]}"
        if joined.lower() in words:
            kinds.append("split hyphen")
            return joined
        return m[0]

    fixed = re.sub(r"\b([A-Za-z]+)- ([a-z]+)\b", hyphen, fixed)

    def join(m: re.Match[str]) -> str:
        a, b = m[1], m[2]
        if (a.lower() not in words or b.lower() not in words) and (a + b).lower() in words and len(a + b) > 6:
            kinds.append("split word")
            return a + b
        return m[0]

    fixed = re.sub(r"\b([A-Za-z]{3,}) ([a-z]{3,})\b", join, fixed)
    if first_letter and fixed and fixed[0].islower():
        first = _WORD.match(fixed)
        head = first[0] if first else ""
        named = [name for name in KNOWN_NAMES if name[1:] == fixed or (name[1:] == head and " " not in name)]
        candidates = {f"{c}{head}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if f"{c}{head}".lower() in words}
        if head and head.lower() not in words and (named or len(candidates) == 1):
            letter = named[0][0] if named else next(iter(candidates))[0]
            fixed = letter + fixed
            kinds.append("first letter")
    if fixed in REVIEWED_FIXES:
        fixed = REVIEWED_FIXES[fixed]
        kinds.append("reviewed")
    return fixed, kinds


def _unwrap(text: str) -> str:
    """Join the hard line breaks of the guideline PDF inside a sentence; keep list items and examples."""
    lines = [line.strip() for line in text.replace("**", "").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out and not re.match(r"([a-z]\.|\d+\.|•|Examples?:|Note:)\s", line):
            last = out[-1].rsplit(" ", 1)[-1].lower()
            if line[0].islower() or out[-1].endswith(",") or last in _JOIN_AFTER:
                out[-1] = f"{out[-1]} {line}"
                continue
        out.append(line)
    return "\n".join(" ".join(line.split()) for line in out)
