"""Words as search sees them: tokens with their character spans, stems, stop words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

# a word, a number with a unit or percent, or a slash form coders type (w/o, s/p, d/o)
# (a decimal number is one word: "1.25 mg" is not "25 mg"; "non" and the word it negates are one word however they
# are written: "non-pneumatic", "non pneumatic" and "nonpneumatic" are not "pneumatic")
TOKEN = re.compile(r"\bnon[- ][a-z][a-z0-9]*|[0-9]+\.[0-9]+(?![a-z0-9])|[a-z0-9]+(?:['\u2019][a-z]+)?(?:/[a-z0-9]+)*/?")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
        "by",
        "at",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "from",
        "into",
        "onto",
        "than",
        "then",
        "there",
        "their",
        "his",
        "her",
        "he",
        "she",
        "they",
        "them",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "mine",
        "pt",
        "patient",
        "patients",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "also",
        "any",
        "all",
        "some",
        "such",
        "per",
    ]
)
# words that carry little meaning alone but still steer (kept in queries, weighted by their frequency)
_stemmer = snowballstemmer.stemmer("english")
MAX_QUERY_CHARS = 2000


class Token(NamedTuple):
    """One word of a text: its lower-case surface form and where it is in the original text.

    A named tuple: search makes one per word of every query and of every title it highlights.
    """

    text: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lower case without diacritics; same length as the input when it is plain ASCII."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def tokens(text: str) -> Iterator[Token]:
    """Tokens of a text with offsets into it (offsets are exact for texts whose folding keeps length)."""
    folded = text.lower() if text.isascii() else fold(text)
    exact = len(folded) == len(text)
    for m in TOKEN.finditer(folded):
        word = m.group(0).replace("\u2019", "'")
        if word.endswith("'s"):
            word = word[:-2]
        elif word.startswith(("non-", "non ")):
            word = "non" + word[4:]
        yield Token(word, m.start() if exact else 0, m.end() if exact else 0)


def words(text: str) -> list[str]:
    """The plain words of a text (slash forms split), lower case."""
    out: list[str] = []
    for tok in tokens(text):
        out.extend(w for w in tok.text.split("/") if w)
    return out


# British spellings of medical words, as the official (American) texts spell them: "oedema", "haematuria",
# "anaemia", "oesophagus", "diarrhoea", "paediatric", "tumour", "centre", "localised", "paralysed"
BRITISH = [
    (re.compile(pattern), american)
    for pattern, american in (
        (r"aem", "em"),
        (r"paed", "ped"),
        (r"(?<=[a-z])aec", "ec"),
        (r"anaes", "anes"),
        (r"^aet", "et"),
        (r"(?<=[hn])oea", "ea"),
        (r"^oe(?=[ds])", "e"),
        (r"foet", "fet"),
        (r"amoeb", "ameb"),
        (r"^coel", "cel"),
        (r"(tum|behavi|lab|col|hum|od|vap)our", r"\1or"),
        (r"^(cent|fib|lit|met|calib)re(s?)$", r"\1er\2"),
        (r"(al|il|ter|un)is(e|ed|es|ing|ation|ations)$", r"\1iz\2"),
        (r"lys(e|ed|es|ing)$", r"lyz\1"),
    )
]


def american(word: str) -> str:
    """A lower-case word in American spelling (British medical spellings mapped; other words unchanged)."""
    for pattern, replacement in BRITISH:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one lower-case word (Snowball English, American spelling); numbers and codes stay as they are."""
    if not word.isalpha() or len(word) <= 3:
        return word
    word = american(word)
    if word.endswith("itis"):
        return word  # inflammation of the part, not the part: "sinusitis" is not "sinus", "cervicitis" not "cervical"
    return str(_stemmer.stemWord(word))


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop words, no punctuation."""
    return [w for w in words(text) if w not in STOP_WORDS]
