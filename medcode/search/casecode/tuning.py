"""The numbers case-to-code is tuned by, as small named tables. How they were chosen, and what moving them does,
is in docs/case-to-code.md; the decisions behind them are ADRs 0023, 0034, 0035 and 0036."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    """How much of an official text (title, inclusion term, Alphabetic Index path) a clause must say to state it."""

    coverage: float  # share of the text's essential weight (idf) the clause contains
    weight: float  # ... and that weight at least this much (no code from one common word)
    word_share: float  # ... and this share of its essential words, however common


# a text the clause states: its code is suggested
STATED = Statement(coverage=0.8, weight=4.0, word_share=0.75)
# a text the clause states only in part: a related code to review, never in the suggested set (ADR 0034)
PARTLY_STATED = Statement(coverage=0.5, weight=3.0, word_share=0.5)


@dataclass(frozen=True)
class Ranking:
    """How candidate codes are scored and ranked over the note."""

    per_clause: int  # at most this many codes from one clause
    other_text_weight: float  # an index or inclusion term's evidence, against a code's own title (ADR 0035)
    partial_scale: float  # a partly stated text's score, on the scale of the semantic neighbours'
    later_mention_discount: float  # a code first said at the note's end ranks as if it scored this much less
    max_codes: int  # at most this many codes in the result


RANKING = Ranking(per_clause=6, other_text_weight=0.8, partial_scale=0.3, later_mention_discount=0.3, max_codes=60)


@dataclass(frozen=True)
class Neighbours:
    """Embedding retrieval (the semantic extra): codes whose text is nearest to a current clause, to review."""

    per_clause: int  # nearest code texts read per clause
    min_cosine: float  # below this, a nearest code text is not what the clause says
    scale: float  # a neighbour scores scale * (cosine - min_cosine): about 0.25 a clause at most
    boost: float  # a lexical candidate's score times (1 + boost * (cosine to its clause - min_cosine)) ...
    floor: float  # ... and at least this (a text far from its clause in meaning is still stated there)
    min_words: int  # clauses with fewer content words are not embedded


NEIGHBOURS = Neighbours(per_clause=5, min_cosine=0.45, scale=0.5, boost=2.0, floor=0.1, min_words=2)
