"""From typed words to weighted term groups: abbreviations, stems, spelling correction, prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
UNKNOWN_IDF = 6.0  # what a word found nowhere in the codebook weighs in the query's coverage


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


def parse(
    raw: str, vocab: dict[str, int], lex: lexicon.Lexicon, *, prefix_last: bool = False, correct: bool = True
) -> ParsedQuery:
    """Read a query against one release's vocabulary (stem -> term id) and the codebook's lexicon."""
    raw = raw[: text.MAX_QUERY_CHARS]
    toks = [t.text for t in text.tokens(raw)]
    words: list[str] = []
    for tok in toks:
        key = (tok,)
        if key in synonyms.synonym_table() or "/" not in tok:
            words.append(tok.rstrip("/") if key not in synonyms.synonym_table() else tok)
        else:
            words.extend(w for w in tok.split("/") if w)
    spans = synonyms.expand(words)
    groups: list[Group] = []
    corrections: dict[str, str] = {}
    last = len(spans) - 1
    for n, (span, expansion) in enumerate(spans):
        if expansion is not None:
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
            continue
        word = span[0]
        if word in text.STOP_WORDS:
            continue
        g = Group(words=[word], steering=word in STEERING)
        s = text.stem(word)
        known = s in vocab
        if known:
            g.add(s, 1.0)
        if word in ROMAN:
            g.add(ROMAN[word], 1.0)
        elif word in ROMAN_BACK:
            g.add(ROMAN_BACK[word], 1.0)
        if prefix_last and n == last and len(word) >= 2 and word.isalpha():
            g.prefix = True
            for k, completion in enumerate(lex.complete(word, limit=8)):
                g.add(text.stem(completion), 1.0 if completion == word else 0.95 - 0.03 * k)
        if correct and not known and word.isalpha() and len(word) >= 4:
            fixes = lex.correct(word)
            for fix, distance in fixes:
                g.add(text.stem(fix), 0.9 if distance == 1 else 0.75)
            if fixes:
                corrections[word] = fixes[0][0]
                g.corrected = fixes[0][0]
            if not fixes and len(word) >= 4:
                for completion in lex.complete(word, limit=5):
                    g.add(text.stem(completion), 0.7)
        if not known and not word.isalpha() and any(c.isdigit() for c in word):
            # "b12", "10mg": also the letters and the number on their own
            for part in re.findall(r"[a-z]+|[0-9]+", word):
                if text.stem(part) in vocab:
                    g.add(text.stem(part), 0.8)
        groups.append(g)
    return ParsedQuery(raw=raw, groups=groups, corrections=corrections)
