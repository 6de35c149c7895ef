"""The knowledge base: articles the team writes in its own words, and retrieval over them and PCS guidelines."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from medcode.assistant.answer import Citation, Fact, ToolResult
from medcode.assistant.text import content_words
from medcode.codebook import selectors, store

ARTICLES_DIR = Path(__file__).resolve().parent / "knowledge" / "articles"
KB_SYSTEM = "medcode knowledge base"
MSG_BAD_ARTICLE = "Knowledge-base article {name} lacks a front-matter field: {field}"
MIN_SCORE = 2.0
LEAD_SHARE = 0.6


@dataclass(frozen=True)
class Article:
    """One article: its own words, the public source it summarizes, and its paragraphs."""

    slug: str
    title: str
    topics: tuple[str, ...]
    keywords: str
    source: str
    url: str
    paragraphs: tuple[str, ...]

    @property
    def citation(self) -> Citation:
        return Citation(
            system=KB_SYSTEM,
            release=f"article '{self.title}'",
            source_file=f"medcode/assistant/knowledge/articles/{self.slug}.md",
            title=f"Summarizes: {self.source}",
            url=self.url,
        )


def _parse(path: Path) -> Article:
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n---\n")
    meta: dict[str, str] = {}
    for line in head.strip().strip("-").strip().splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    for name in ("title", "topics", "source", "url"):
        if not meta.get(name):
            raise ValueError(MSG_BAD_ARTICLE.format(name=path.name, field=name))
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip())
    return Article(
        slug=path.stem,
        title=meta["title"],
        topics=tuple(t.strip() for t in meta["topics"].split(",") if t.strip()),
        keywords=meta.get("keywords", ""),
        source=meta["source"],
        url=meta["url"],
        paragraphs=paragraphs,
    )


@lru_cache(maxsize=1)
def article_list() -> tuple[Article, ...]:
    return tuple(_parse(p) for p in sorted(ARTICLES_DIR.glob("*.md")))


def topic_list() -> list[tuple[str, list[Article]]]:
    """Articles grouped by their first topic, in a stable order (for the chat page)."""
    groups: dict[str, list[Article]] = {}
    for article in article_list():
        groups.setdefault(article.topics[0], []).append(article)
    return sorted(groups.items())


class Bm25:
    """Okapi BM25 over short documents given as lists of content words."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.documents = [Counter(d) for d in documents]
        self.lengths = [len(d) for d in documents]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        frequency = Counter(w for d in documents for w in set(d))
        total = len(documents)
        self.idf = {w: math.log(1 + (total - n + 0.5) / (n + 0.5)) for w, n in frequency.items()}
        self.k1, self.b = k1, b

    def scores(self, query: list[str]) -> list[float]:
        out = []
        for counts, length in zip(self.documents, self.lengths, strict=True):
            score = 0.0
            for w in query:
                tf = counts.get(w, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self.average)
                    score += self.idf[w] * tf * (self.k1 + 1) / norm
            out.append(score)
        return out


@lru_cache(maxsize=1)
def _article_index() -> tuple[Bm25, Bm25]:
    articles = article_list()
    whole = Bm25([content_words(f"{a.title} {a.title} {a.keywords} {' '.join(a.paragraphs)}") for a in articles])
    heads = Bm25([content_words(f"{a.title} {a.keywords}") for a in articles])
    return whole, heads


def article_search(*, query: str, limit: int = 3, topic: str | None = None) -> ToolResult:
    """The article that best answers a concept question, with its most relevant paragraphs as facts."""
    result = ToolResult(tool="article_search")
    words = content_words(query)
    articles = article_list()
    if not words or not articles:
        result.found = False
        return result
    whole, heads = _article_index()
    scores = [w + 2 * h for w, h in zip(whole.scores(words), heads.scores(words), strict=True)]
    candidates = [i for i in range(len(articles)) if topic is None or topic in articles[i].topics]
    if not candidates:
        result.found = False
        return result
    best = max(candidates, key=lambda i: scores[i])
    if scores[best] < MIN_SCORE:
        result.found = False
        return result
    article = articles[best]
    paragraphs = Bm25([content_words(p) for p in article.paragraphs]).scores(words)
    order = sorted(range(len(article.paragraphs)), key=lambda i: (-paragraphs[i], i))
    # the opening paragraph of each article is written as its short answer: prefer it unless another fits much better
    lead = order[0] if paragraphs[order[0]] > 0 and paragraphs[0] < LEAD_SHARE * paragraphs[order[0]] else 0
    result.direct = article.paragraphs[lead]
    others = [i for i in order[: limit + 1] if i != lead and paragraphs[i] > 0][:limit]
    if lead != 0:
        others = [0, *others[: limit - 1]]
    result.facts.append(Fact(f"From the article '{article.title}'.", article.citation))
    result.facts += [Fact(article.paragraphs[i], article.citation) for i in sorted(others)]
    return result


@lru_cache(maxsize=4)
def _guidelines(path: str) -> tuple[tuple[tuple[int, str, str, str], ...], Bm25]:
    rows = tuple(selectors.guideline_paragraphs())
    return rows, Bm25([content_words(f"{section} {text}") for _, section, _, text in rows])


def guideline_search(*, query: str, limit: int = 2) -> ToolResult:
    """Official guideline paragraphs (the ICD-10-PCS guidelines the codebook carries) that match a question."""
    result = ToolResult(tool="guideline_search")
    rows, index = _guidelines(str(store.connected_path()))
    words = content_words(query)
    if not rows or not words:
        result.found = False
        return result
    scores = index.scores(words)
    order = sorted(range(len(rows)), key=lambda i: -scores[i])[:limit]
    for i in order:
        if scores[i] < MIN_SCORE:
            continue
        release_id, section, ref, text = rows[i]
        release = selectors.release_get(release_id=release_id)
        result.facts.append(Fact(f"Official guideline §{ref} ({section}): {text}", Citation.of_release(release)))
    result.found = bool(result.facts)
    return result
