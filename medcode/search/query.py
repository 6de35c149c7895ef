"""From typed words to weighted term groups: abbreviations, stems, spelling correction, prefixes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from medcode.search import lexicon, synonyms, text

ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v", "6": "vi"}
ROMAN_BACK = {v: k for k, v in ROMAN.items()}
STEERING = {
    "left",
    "right",
    "bilateral",
    "initial",
    "subsequent",
    "sequela",
    "with",
    "without",
    "unspecified",
    "other",
    "open",
    "closed",
    "displaced",
    "nondisplaced",
}
UNKNOWN_IDF = 6.0
OTHER_FIX = 0.8  # a spelling correction after the likeliest one counts this much less  # what a word found nowhere in the codebook weighs in the query's coverage


@dataclass
class Group:
    """One meaning the query asks for: alternative stems (with a factor each) that satisfy it."""

    words: list[str]
    alternatives: dict[str, float] = field(default_factory=dict)
    corrected: str | None = None
    steering: bool = False
    prefix: bool = False  # completions of a word being typed: each weighs the same, commoner ones first

    def add(self, stem: str, factor: float) -> None:
        if factor > self.alternatives.get(stem, 0.0):
            self.alternatives[stem] = factor


@dataclass
class ParsedQuery:
    """The groups of a query and the words it was read as (for 'did you mean' and highlighting)."""

    raw: str
    groups: list[Group]
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def stems(self) -> set[str]:
        return {s for g in self.groups for s in g.alternatives}


@dataclass
class Reading:
    """A query as read before any release's vocabulary is consulted: its word spans, and the lexicon's
    completions and corrections of its words, each looked up once however many releases are searched."""

    raw: str
    spans: list[tuple[list[str], tuple[tuple[str, ...], ...] | None]]
    lex: lexicon.Lexicon
    completions: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    fixes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    groups: dict[tuple[object, ...], list[Group]] = field(default_factory=dict)

    def shared(self, key: tuple[object, ...], make: Callable[[], list[Group]]) -> list[Group]:
        """Groups read once for every release whose vocabulary gives the same key (they are not changed after)."""
        found = self.groups.get(key)
        if found is None:
            found = self.groups[key] = make()
        return found

    def complete(self, word: str, limit: int) -> list[str]:
        found = self.completions.get((word, limit))
        if found is None:
            found = self.completions[(word, limit)] = self.lex.complete(word, limit=limit)
        return found

    def correct(self, word: str) -> list[tuple[str, int]]:
        found = self.fixes.get(word)
        if found is None:
            found = self.fixes[word] = self.lex.correct(word)
        return found


def read(raw: str, lex: lexicon.Lexicon, system: str | None = None, *, like: Reading | None = None) -> Reading:
    """The words of a query split into spans (a synonym table term is one span, read as `system` reads it), for
    `parse` to use per release. `like`, a reading of the same query for another system, shares its look-ups (and is
    itself the answer when the system reads the words alike)."""
    raw = raw[: text.MAX_QUERY_CHARS]
    table = synonyms.system_table(system)
    words: list[str] = []
    for tok in text.tokens(raw):
        key = (tok.text,)
        if key in table or "/" not in tok.text:
            words.append(tok.text.rstrip("/") if key not in table else tok.text)
        else:
            words.extend(w for w in tok.text.split("/") if w)
    spans = synonyms.expand(words, system)
    if like is not None and like.raw == raw and like.lex is lex:
        if like.spans == spans:
            return like  # the system reads the query's words as the other did
        # the lexicon's completions and corrections do not depend on the system: looked up once
        return Reading(raw=raw, spans=spans, lex=lex, completions=like.completions, fixes=like.fixes)
    return Reading(raw=raw, spans=spans, lex=lex)


def parse(
    raw: str,
    vocab: dict[str, int],
    lex: lexicon.Lexicon,
    *,
    prefix_last: bool = False,
    correct: bool = True,
    reading: Reading | None = None,
) -> ParsedQuery:
    """Read a query against one release's vocabulary (stem -> term id) and the codebook's lexicon.

    `reading` (from `read(raw, lex)`) shares the release-independent work between the releases of one search.
    """
    raw = raw[: text.MAX_QUERY_CHARS]
    if reading is None or reading.raw != raw or reading.lex is not lex:
        reading = read(raw, lex)
    groups: list[Group] = []
    corrections: dict[str, str] = {}
    last = len(reading.spans) - 1
    for n, (span, expansion) in enumerate(reading.spans):
        if expansion is not None:
            groups += reading.shared((n, prefix_last, correct), partial(_expansion_groups, span, expansion))
            continue
        word = span[0]
        if word in text.STOP_WORDS:
            continue
        # what a release's vocabulary changes: whether the word is known, and which of its parts ("b12")
        known = text.stem(word) in vocab
        parts = tuple(text.stem(p) in vocab for p in _parts(word)) if not known else ()
        key = (n, prefix_last, correct, known, parts)
        make = partial(_word_group, word, reading, known, parts, prefix_last and n == last, correct)
        (g,) = reading.shared(key, make)
        if g.corrected is not None:
            corrections[word] = g.corrected
        groups.append(g)
    return ParsedQuery(raw=raw, groups=groups, corrections=corrections)


def _expansion_groups(span: list[str], expansion: tuple[tuple[str, ...], ...]) -> list[Group]:
    """The groups of a synonym table term: one per meaning, each satisfied by any of its wordings."""
    groups = []
    original = " ".join(span)
    for k, alts in enumerate(expansion):
        g = Group(words=list(alts) if k else [original, *alts])
        for alt in alts:
            for w in text.words(alt):
                if w not in text.STOP_WORDS:
                    g.add(text.stem(w), 1.0)
        if k == 0 and len(span) == 1:
            g.add(text.stem(span[0]), 1.0)
        g.steering = any(a in STEERING for a in alts)
        if g.alternatives:
            groups.append(g)
    return groups


def _parts(word: str) -> list[str]:
    """The letters and the numbers of a word holding digits ("b12", "10mg"), to be looked up on their own."""
    if word.isalpha() or not any(c.isdigit() for c in word):
        return []
    return re.findall(r"[a-z]+|[0-9]+", word)


def _word_group(
    word: str, reading: Reading, known: bool, parts: tuple[bool, ...], typing: bool, correct: bool
) -> list[Group]:
    """One word's group (in a list, as `Reading.shared` keeps them): its stem if the release knows it, roman
    numerals, completions of a word being typed, corrections of an unknown word, the known parts of a word
    holding digits."""
    g = Group(words=[word], steering=word in STEERING)
    if known:
        g.add(text.stem(word), 1.0)
    if word in ROMAN:
        g.add(ROMAN[word], 1.0)
    elif word in ROMAN_BACK:
        g.add(ROMAN_BACK[word], 1.0)
    if typing and len(word) >= 2 and word.isalpha():
        g.prefix = True
        for k, completion in enumerate(reading.complete(word, 8)):
            g.add(text.stem(completion), 1.0 if completion == word else 0.95 - 0.03 * k)
    if correct and not known and word.isalpha() and len(word) >= 4:
        fixes = reading.correct(word)
        for k, (fix, distance) in enumerate(fixes):
            # the likeliest correction first; another at the same distance is a weaker reading of the word
            g.add(text.stem(fix), (0.9 if distance == 1 else 0.75) * (1.0 if k == 0 else OTHER_FIX))
        if fixes:
            g.corrected = fixes[0][0]
        else:
            for completion in reading.complete(word, 5):
                g.add(text.stem(completion), 0.7)
    if not known:
        for part, part_known in zip(_parts(word), parts, strict=True):
            if part_known:
                g.add(text.stem(part), 0.8)
    return [g]
