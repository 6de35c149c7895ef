"""Word handling shared by the router and the tools: content words, light stemming, overlap scores."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "and",
        "or",
        "is",
        "are",
        "was",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "do",
        "does",
        "did",
        "can",
        "could",
        "may",
        "might",
        "should",
        "would",
        "will",
        "shall",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "their",
        "there",
        "here",
        "as",
        "from",
        "into",
        "than",
        "then",
        "so",
        "if",
        "not",
        "no",
        "yes",
        "about",
        "any",
        "all",
        "some",
        "used",
        "use",
        "using",
        "mean",
        "means",
        "meaning",
        "describe",
        "describes",
        "define",
        "definition",
        "code",
        "codes",
        "hcpcs",
        "icd",
        "cm",
        "pcs",
        "cpt",
        "modifier",
        "modifiers",
        "please",
        "tell",
        "explain",
        "s",
        "has",
        "have",
        "had",
        "gone",
        "one",
    ]
)
WORD = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """A light English stemmer: enough that 'fractures', 'fractured' and 'fracture' meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            base = word[: -len(suffix)]
            return base + ("y" if suffix in {"ies", "ied"} else "")
    return word


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """Stemmed words of a text without stopwords, in order, without repeats."""
    return list(dict.fromkeys(stem(w) for w in words(text) if w not in STOPWORDS))


def match_score(wanted: list[str], candidate: str) -> float:
    """How well a candidate text covers the wanted words: matches count, words the question lacks cost a little."""
    have = content_words(candidate)
    if not have:
        return 0.0
    hits = sum(1 for w in wanted if w in have)
    extra = sum(1 for w in have if w not in wanted)
    return hits - 0.25 * extra
