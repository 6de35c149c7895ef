"""The codebook's own vocabulary: spelling correction (SymSpell-style deletes) and word completion."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

COMPLETE_KEPT = 8  # completions kept ready for every prefix that starts more than COMPLETE_READY words
COMPLETE_READY = 64


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or limit + 1 when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


VOWELS = frozenset("aeiouy")


def vowel_slip(typed: str, known: str) -> bool:
    """Whether the typed word differs from the known one only by vowels written for vowels ("diverticulitus",
    "osteoperosis", "colitus"): the commonest misspelling of a medical word, spelled as it sounds. Among
    corrections at the same distance it is the likelier one ("osteoporosis" before "osteopetrosis")."""
    return len(typed) == len(known) and all(
        a == b or (a in VOWELS and b in VOWELS) for a, b in zip(typed, known, strict=True)
    )


@dataclass
class Lexicon:
    """Surface words of the official text with their document frequency."""

    df: Counter[str]
    sorted_words: list[str]
    deletes: dict[str, list[str]]
    # the commonest completions of the prefixes that start many words (what the first letters typed ask for)
    ready: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, df: Counter[str]) -> Lexicon:
        deletes: dict[str, list[str]] = {}
        for word in df:
            if len(word) >= 4 and word.isalpha():
                for d in _deletes(word):
                    deletes.setdefault(d, []).append(word)
        lex = cls(df=df, sorted_words=sorted(df), deletes=deletes)
        starts: Counter[str] = Counter(w[:n] for w in lex.sorted_words for n in range(1, len(w) + 1))
        lex.ready = {p: lex._complete(p, COMPLETE_KEPT) for p, count in starts.items() if count > COMPLETE_READY}
        return lex

    def __contains__(self, word: str) -> bool:
        return word in self.df

    def correct(self, word: str, limit: int = 2) -> list[tuple[str, int]]:
        """Known words within edit distance 1 (2 for words of 6 letters or more), closest and commonest first."""
        if word in self.df or len(word) < 4:
            return []
        max_d = 1 if len(word) < 6 else 2
        candidates: set[str] = set(self.deletes.get(word, ()))
        for d in _deletes(word):
            if d in self.df:
                candidates.add(d)
            candidates.update(self.deletes.get(d, ()))
        scored = []
        for c in candidates:
            dist = distance(word, c, max_d)
            if dist <= max_d:
                scored.append((dist, not vowel_slip(word, c), -self.df[c], c))
        scored.sort()
        if scored and scored[0][1] is False:  # a vowel slip: the other readings are not what was meant
            scored = [s for s in scored if s[:2] == scored[0][:2]]
        return [(c, dist) for dist, _, _, c in scored[:limit]]

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """The commonest known words that start with the prefix (the prefix itself first when it is a word)."""
        ready = self.ready.get(prefix) if limit <= COMPLETE_KEPT else None
        return ready[:limit] if ready is not None else self._complete(prefix, limit)

    def _complete(self, prefix: str, limit: int) -> list[str]:
        lo = bisect_left(self.sorted_words, prefix)
        hi = bisect_left(self.sorted_words, prefix + "\uffff", lo)
        if hi - lo > 4000:
            hi = lo + 4000
        found = sorted(self.sorted_words[lo:hi], key=lambda w: (w != prefix, -self.df[w]))
        return found[:limit]
