"""Search as every interface calls it: codes in any form, words, filters, highlights, index paths."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from medcode.codebook import selectors, store
from medcode.codebook.codes import code_normalize
from medcode.codebook.systems import SYSTEMS
from medcode.core.errors import ApplicationError, ReleaseNotFound
from medcode.search import codes, engine, index, lexicon, rerank, text
from medcode.search import query as querying

MAX_LIMIT = 200
WIDE = 30  # word hits ranked for any limit below this
# titles whose words (places and stems) are kept for highlighting: the titles people see most (about 1 kB each)
HIGHLIGHT_TITLES = 8192
MSG_BAD_CHAPTER = "Unknown chapter '{chapter}'"
WORD_SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "modifier", "pos")
# words of a query that choose a 7th character themselves
ENCOUNTER_SAID = re.compile(
    r"\b(?:initial|init|subsequent|subseq|sequelae?|late effects?|healing|nonunion|malunion|open|closed|"
    r"follow[- ]?up)\b",
    re.I,
)

_lex_lock = threading.Lock()
_lexicons: dict[str, lexicon.Lexicon] = {}


@dataclass(frozen=True)
class Filters:
    """What a search is limited to."""

    systems: tuple[str, ...]
    billable_only: bool = False
    chapter: str | None = None
    as_of: dt.date | None = None


def filters_make(
    *, system: str | None = None, billable: bool = False, chapter: str | None = None, date: str | None = None
) -> Filters:
    systems = (selectors.system_normalize(system),) if system else tuple(SYSTEMS)
    return Filters(systems, bool(billable), (chapter or "").strip() or None, selectors.parse_date(date))


def _releases(f: Filters) -> tuple[selectors.ReleaseInfo, ...]:
    """The release of each system searched, in effect on the filter's date (systems without one are left out)."""
    return _releases_of(str(store.connected_path()), f)


@functools.lru_cache(maxsize=256)
def _releases_of(codebook: str, f: Filters) -> tuple[selectors.ReleaseInfo, ...]:
    """`_releases` for one codebook file (a new build is a new file): looked up once per filter, not per search."""
    found = []
    for name in f.systems:
        try:
            found.append(selectors.release_for(system=name, as_of=f.as_of))
        except ReleaseNotFound:
            continue
    return tuple(found)


def codebook_lexicon() -> lexicon.Lexicon:
    """The vocabulary of the newest release of every system (built once per codebook per process)."""
    path = str(store.connected_path())
    found = _lexicons.get(path)
    if found is not None:
        return found
    with _lex_lock:
        found = _lexicons.get(path)
        if found is None:
            df: Counter[str] = Counter()
            for name in WORD_SYSTEMS:
                try:
                    df.update(index.release_index(selectors.release_for(system=name)).surface_df)
                except ReleaseNotFound:
                    continue
            _lexicons.clear()
            found = _lexicons[path] = lexicon.Lexicon.build(df)
    return found


def warm_up() -> None:
    """Build the search structures of the newest releases now (a server calls this before taking requests)."""
    codebook_lexicon()
    for name in WORD_SYSTEMS:
        try:
            engine.qualifier_mask(index.release_index(selectors.release_for(system=name)))
        except ReleaseNotFound:
            continue


@functools.lru_cache(maxsize=HIGHLIGHT_TITLES)
def _title_words(title: str) -> tuple[tuple[tuple[str, str, tuple[str, ...]], ...], str]:
    """The title cut at the words that can be highlighted (no stop words), HTML-escaped: for each such word,
    the text before it, the word and its stems; then the text after the last one."""
    pieces = []
    pos = 0
    for tok in text.tokens(title):
        if tok.end > tok.start and tok.text not in text.STOP_WORDS:
            stems = tuple(text.stem(w) for w in tok.text.split("/") if w)
            # html.escape is what django's escape applies (without marking each piece safe)
            pieces.append((html.escape(title[pos : tok.start]), html.escape(title[tok.start : tok.end]), stems))
            pos = tok.end
    return tuple(pieces), html.escape(title[pos:])


def highlight(title: str, stems: set[str]) -> str:
    """The title, HTML-escaped, with the words that matched the query in <mark>."""
    pieces, tail = _title_words(title)
    out: list[str] = []
    for before, word, word_stems in pieces:
        out.append(before)
        out.append(word if stems.isdisjoint(word_stems) else f"<mark>{word}</mark>")
    out.append(tail)
    return "".join(out)


def _result(
    ix: index.ReleaseIndex,
    i: int,
    *,
    score: float,
    match: str,
    stems: set[str] | None = None,
    detail: str | None = None,
    index_path: str | None = None,
) -> dict[str, Any]:
    title = ix.titles[i]
    return {
        "system": ix.system,
        "code": ix.codes[i],
        "title": title,
        "billable": bool(ix.billable[i]),
        "kind": ix.kinds[i],
        "release": ix.release.version,
        "score": round(score, 3),
        "match": match,
        "matched_text": detail,
        "index_path": index_path,
        "highlight": highlight(title, stems) if stems else escape(title),
        "terminated": bool(ix.terminated[i]),
    }


def _code_results(norm: str, f: Filters, limit: int) -> list[dict[str, Any]]:
    """Exact code first, then its completions, then (for a code that does not exist) the nearest valid ones."""
    exact: list[dict[str, Any]] = []
    more: list[dict[str, Any]] = []
    for release in _releases(f):
        if not codes.SHAPES[release.system].match(norm):
            continue
        ix = index.release_index(release)
        i = ix.find(norm)
        if i is not None:
            exact.append(_result(ix, i, score=100.0, match="code"))
            lo, hi = i + 1, int(ix.hi[i])
            match = "completion"
        else:
            lo, hi = ix.prefix_range(norm)
            match = "completion"
            if hi == lo:  # not a code nor the start of one: walk back to the nearest existing ancestor
                match = "nearest"
                for cut in range(len(norm) - 1, 2, -1):
                    lo, hi = ix.prefix_range(norm[:cut])
                    if hi > lo:
                        break
        span = sorted(range(lo, min(hi, lo + 3000)), key=lambda k: (not ix.billable[k], len(ix.norms[k]), ix.seq[k]))
        more.extend(_result(ix, k, score=50.0 - n * 0.01, match=match) for n, k in enumerate(span[:limit]))
    if exact:  # a code that exists somewhere: no "nearest" guesses from systems where it does not
        more = [r for r in more if r["match"] != "nearest"]
    results = exact + sorted(more, key=lambda r: -r["score"])
    if f.billable_only:
        results = [r for r in results if r["billable"] or r["match"] == "code"]
    return results[:limit]


def _word_results(
    raw: str, f: Filters, limit: int, *, prefix_last: bool = False
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    lex = codebook_lexicon()
    # (score, release index, hit, match, stems): results are built (and highlighted) for the best `limit` only
    scored: list[tuple[float, index.ReleaseIndex, engine.Hit, set[str]]] = []
    # more hits than asked for: the coder's order below may bring a sibling up, and variants fold into one result
    wide = max(limit, WIDE)
    corrections: dict[str, str] = {}
    # the words and their completions and corrections, once for every release of a system
    readings: dict[str, querying.Reading] = {}
    for release in _releases(f):
        if release.system not in WORD_SYSTEMS and release.system in ("cpt",):
            continue
        ix = index.release_index(release)
        reading = readings.get(release.system)
        if reading is None:
            first = next(iter(readings.values()), None)
            reading = readings[release.system] = querying.read(raw, lex, release.system, like=first)
        pq = querying.parse(raw, ix.vocab, lex, prefix_last=prefix_last, reading=reading)
        corrections.update(pq.corrections)
        stems = pq.stems
        # once `limit` hits are held, a release that cannot beat the limit-th of them is not ranked (the hits past
        # the limit are the siblings of those shown, from their own release; ties go
        # to the release searched first, as the stable sort below orders them)
        beat = sorted((p[0] for p in scored), reverse=True)[limit - 1] if len(scored) >= limit else None
        scored += [
            (hit.rank_score, ix, hit, stems)
            for hit in engine.rank(
                ix, pq, limit=wide, billable_only=f.billable_only, chapter=f.chapter, beat=beat, look_alikes=True
            )
        ]
    scored.sort(key=lambda p: -p[0])
    results = [_word_result(ix, hit, stems) for _, ix, hit, stems in scored[:wide]]
    # the query as read: its misspelt words corrected
    read_as = " ".join(corrections.get(w, w) for w in raw.lower().split())
    if not prefix_last:  # a word still being typed says nothing yet of what the code must say
        results = rerank.specificity_order(results, read_as)
        results = rerank.with_order(results, read_as, f.systems[0] if len(f.systems) == 1 else "icd10cm")
    results = coder_order(results, raw)
    indexes = {ix.system: ix for _, ix, _, _ in scored}
    results = rerank.group_variants(
        results,
        read_as if ENCOUNTER_SAID.search(raw) else "",
        lambda r: _variants(indexes[r["system"]], str(r["code"])),
        lambda r, code: _variant_result(indexes[r["system"]], r, code),
    )
    for r in results:
        if r["system"] == "hcpcs":
            units = rerank.billing_units(raw, str(r["title"]))
            if units is not None:
                r["units"] = units  # the units to bill for the dose the query names
    # among the results shown, the codes that can be reported before the headers they complete
    return rerank.headers_last(results[:limit]), corrections


def _variants(ix: index.ReleaseIndex, code: str) -> list[tuple[str, str]]:
    """The 7th-character variants of a code in its release, in code order (A, the initial encounter, first)."""
    lo, hi = ix.prefix_range(selectors.normalize(code)[:6])
    return [(ix.codes[k], ix.titles[k]) for k in range(lo, hi) if len(ix.norms[k]) == rerank.SEVENTH]


def _variant_result(ix: index.ReleaseIndex, found: dict[str, Any], code: str) -> dict[str, Any]:
    """The result for another 7th-character variant of a code found: the same match, its own title."""
    i = ix.find(selectors.normalize(code))
    if i is None:
        return dict(found)
    stems = {text.stem(w) for w in text.words(str(found["highlight"])) if w != "mark"}
    return _result(
        ix,
        i,
        score=float(found["score"]),
        match=str(found["match"]),
        stems=stems,
        detail=found["matched_text"],
        index_path=found["index_path"],
    )


def coder_order(results: list[dict[str, Any]], query: str = "") -> list[dict[str, Any]]:
    """Word results in the order a coder reads them: a billable code before the header it completes (a header is
    never what is reported), and, when the query says no encounter, a code's initial-encounter variant before its
    other 7th characters ("S72.001A" before "S72.001S"). Only those codes move; the rest keep their rank."""

    def norm(r: dict[str, Any]) -> str:
        return code_normalize(str(r["code"]))

    out = list(results)
    said = ENCOUNTER_SAID.search(query) is not None
    passed: set[tuple[str, str]] = set()
    k = 0
    while k < len(out):
        r, code = out[k], norm(out[k])
        pick = None
        if not said and len(code) in (6, 7) and not code.endswith("A"):
            pick = next(
                (
                    j
                    for j in range(k + 1, len(out))
                    if norm(out[j]) == code[:6] + "A" and out[j]["system"] == r["system"]
                ),
                None,
            )
        if pick is None and not r["billable"] and (r["system"], code) not in passed:
            passed.add((r["system"], code))  # a header goes behind its best completion once, not behind them all
            pick = next(
                (
                    j
                    for j in range(k + 1, len(out))
                    if out[j]["billable"] and out[j]["system"] == r["system"] and norm(out[j]).startswith(code)
                ),
                None,
            )
        if pick is not None:
            out.insert(k, out.pop(pick))
        k += 1
    return out


def _word_result(ix: index.ReleaseIndex, hit: engine.Hit, stems: set[str]) -> dict[str, Any]:
    """A ranked hit as a result: what matched (title, inclusion term, index path) and whether it was steered."""
    via = hit.via if hit.via is not None else hit.doc
    kind = int(ix.doc_kind[via])
    match = index.KIND_NAMES[kind]
    detail = ix.doc_text[via] if kind != index.TITLE else None
    path = None
    if kind not in (index.TITLE, index.INCLUSION):
        target = ix.codes[int(ix.doc_concept[via])]
        path = f"{ix.doc_text[via]} -> {target}"
    if hit.via is not None:
        match = f"{match}, steered"
    return _result(ix, hit.concept, score=hit.score, match=match, stems=stems, detail=detail, index_path=path)


def search(
    *,
    query: str,
    system: str | None = None,
    limit: int = 20,
    billable: bool = False,
    chapter: str | None = None,
    date: str | None = None,
    prefix_last: bool = False,
) -> dict[str, Any]:
    """Codes for a query: an exact code first, then completions, then ranked word matches.

    Shape: {"query", "results": [{"system", "code", "title", "billable", "score", "match", "highlight",
    "index_path", ...}], "corrections": {word: corrected}}.
    """
    if not isinstance(query, str):
        raise ApplicationError("The query must be text")
    limit = max(1, min(int(limit), MAX_LIMIT))
    f = filters_make(system=system, billable=billable, chapter=chapter, date=date)
    q = query.replace("\x00", " ").strip()[: text.MAX_QUERY_CHARS]
    results: list[dict[str, Any]] = []
    corrections: dict[str, str] = {}
    norm = codes.code_norm(q) if q else None
    if norm:
        results = _code_results(norm, f, limit)
    if q and (not results or not norm):
        words, corrections = _word_results(q, f, limit, prefix_last=prefix_last)
        seen = {(r["system"], r["code"]) for r in results}
        results += [r for r in words if (r["system"], r["code"]) not in seen]
    # a query longer than search reads is answered from its beginning (the answer says so)
    truncated = len(query.strip()) > text.MAX_QUERY_CHARS
    return {
        "query": query[: text.MAX_QUERY_CHARS],
        "results": results[:limit],
        "corrections": corrections,
        "truncated": truncated,
    }
