"""The ranking engine's shortcuts on the real default codebook: they must never change what a search finds.

A release is skipped when `engine.best_possible` says it cannot beat the hits already held, and a query is
read once for every release; both are checked here against the long way round.
"""

from __future__ import annotations

import math

import pytest

from medcode.codebook import selectors
from medcode.search import autocomplete, engine, index, services, text
from medcode.search import query as querying

# word queries of every shape: whole words, a word being typed, synonyms, misspellings, steering, codes mixed in
QUERIES = [
    "type 2 diabetes with polyneuropathy",
    "dm2 w polyneuropathy",
    "fx of left femur, initial",
    "chf",
    "plaque psoraisis",
    "intraspinal abcess",
    "wheelchair",
    "insulin inj",
    "vitamin b12",
    "office visit",
    "ambulance",
    "bilat knee replacement",
    "hypert",
    "fract",
    "pneu",
    "ab",
    "z",
    "copd with acute exac",
]


def _releases() -> tuple[selectors.ReleaseInfo, ...]:
    return services._releases(services.filters_make())


@pytest.mark.parametrize("prefix_last", [False, True])
def test_no_hit_scores_above_the_release_bound(prefix_last: bool) -> None:
    lex = services.codebook_lexicon()
    checked = 0
    for release in _releases():
        ix = index.release_index(release)
        for raw in QUERIES:
            pq = querying.parse(raw, ix.vocab, lex, prefix_last=prefix_last)
            bound = engine.best_possible(ix, engine._terms(ix, pq))
            for hit in engine.rank(ix, pq, limit=50):
                assert hit.score <= bound, (release.system, raw, ix.codes[hit.concept], hit.score, bound)
                checked += 1
    assert checked > 500  # the queries do find things in the default codebook


def test_a_release_that_cannot_beat_the_bar_is_not_ranked() -> None:
    release = next(r for r in _releases() if r.system == "icd10cm")
    ix = index.release_index(release)
    pq = querying.parse("type 2 diabetes with polyneuropathy", ix.vocab, services.codebook_lexicon())
    best = engine.rank(ix, pq, limit=1)[0]
    assert ix.codes[best.concept] == "E11.42"
    assert engine.rank(ix, pq, limit=1, beat=best.score) == [best]  # the bound is above the best hit
    assert engine.rank(ix, pq, limit=1, beat=engine.best_possible(ix, engine._terms(ix, pq))) == []


@pytest.mark.parametrize("options", [{}, {"billable": True}, {"limit": 3}])
def test_skipping_releases_changes_no_result(monkeypatch: pytest.MonkeyPatch, options: dict[str, object]) -> None:
    def run(query: str, prefix_last: bool) -> list[tuple[str, str, float, str]]:
        found = services.search(query=query, prefix_last=prefix_last, **options)  # type: ignore[arg-type]
        return [(r["system"], r["code"], r["score"], r["highlight"]) for r in found["results"]]

    calls = [0]
    score_docs = engine.score_docs

    def counting(*args: object, **kw: object) -> engine.Scored:
        calls[0] += 1
        return score_docs(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "score_docs", counting)
    queries = [*QUERIES, *(q[:n] for q in QUERIES[:6] for n in range(2, len(q), 3))]
    quick = {(q, p): run(q, p) for q in queries for p in (False, True)}
    ranked_quick, calls[0] = calls[0], 0
    monkeypatch.setattr(engine, "best_possible", lambda ix, terms: math.inf)  # every release ranked
    slow = {(q, p): run(q, p) for q in queries for p in (False, True)}
    assert quick == slow
    assert ranked_quick < calls[0]  # some releases were skipped
    assert sum(bool(v) for v in quick.values()) > len(queries)


def _fields(pq: querying.ParsedQuery) -> list[tuple[object, ...]]:
    return [(g.words, g.alternatives, g.corrected, g.steering, g.prefix) for g in pq.groups]


def test_a_query_read_once_parses_as_it_would_per_release() -> None:
    lex = services.codebook_lexicon()
    releases = [index.release_index(r) for r in _releases()]
    for raw in QUERIES:
        for prefix_last in (False, True):
            reading = querying.read(raw, lex)
            for ix in releases:
                shared = querying.parse(raw, ix.vocab, lex, prefix_last=prefix_last, reading=reading)
                fresh = querying.parse(raw, ix.vocab, lex, prefix_last=prefix_last)
                assert _fields(shared) == _fields(fresh), (raw, prefix_last)
                assert shared.corrections == fresh.corrections


def test_highlight_escapes_and_marks_whole_words() -> None:
    stems = {text.stem("fracture"), text.stem("femur")}
    title = 'Fracture <of> femur & "neck"/femur\'s'
    assert services.highlight(title, stems) == (
        "<mark>Fracture</mark> &lt;of&gt; <mark>femur</mark> &amp; &quot;neck&quot;/<mark>femur&#x27;s</mark>"
    )
    assert services.highlight("<script>", set()) == "&lt;script&gt;"
    assert services.highlight("", stems) == ""


def test_autocomplete_highlights_the_word_being_typed() -> None:
    first = autocomplete.autocomplete(query="type 2 diabetes with polyneu")["results"][0]
    assert first["code"] == "E11.42"
    assert "<mark>polyneuropathy</mark>" in first["highlight"]
