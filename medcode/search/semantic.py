"""Embedding retrieval over one ICD-10-CM release (the `semantic` extra): codebook vectors and nearest codes.

The texts that describe a billable ICD-10-CM code (its title without the encounter words of the 7th
character, and its inclusion terms) are embedded once per release with all-MiniLM-L6-v2
(`embedding.py`) and saved beside the search index (`<build>.search/release-<id>-minilm-v<n>.pickle`).
`medcode serve` and `services.warm_up` compute them when they are missing; a request never does (it only
loads a saved copy), so case-to-code without the extra, or before the vectors exist, runs exactly as
before. ADR 0022 says why the encoder is numpy and not torch.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medcode.codebook import selectors, store
from medcode.search import embedding, index

SYSTEMS = ("icd10cm",)  # PCS titles are axis values the lexical matcher reads well; ADR 0022
FORMAT = 1  # bump when the texts chosen or CodebookVectors change
ENCOUNTER = re.compile(r",? (?:initial|subsequent) encounter\b.*$|, sequela$", re.I)


@dataclass
class CodebookVectors:
    """Unit vectors of the texts that describe a release's billable codes, and the concept each leads to."""

    release: selectors.ReleaseInfo
    model: str
    texts: list[str]
    concept: np.ndarray  # int32, index into the ReleaseIndex's concepts
    vectors: np.ndarray  # float16 on disk and in memory (len(texts) x 384); scores are computed in float32
    _first: dict[int, int] | None = field(default=None, repr=False, compare=False)
    _f32: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_first": None, "_f32": None}  # the saved copy stays float16 and small

    def matrix(self) -> np.ndarray:
        """The vectors as float32 (made once per process: products in float16 are slow on CPUs)."""
        if self._f32 is None:
            self._f32 = np.ascontiguousarray(self.vectors, dtype=np.float32)
        return self._f32

    def vector_of(self, concept: int) -> np.ndarray | None:
        """The vector of a concept's first text (its title), as float32; None if it has none."""
        first: dict[int, int] | None = getattr(self, "_first", None)  # older saved copies lack the field
        if first is None:
            first = {}
            for k, c in enumerate(self.concept.tolist()):
                first.setdefault(c, k)
            self._first = first
        t = first.get(concept)
        if t is None:
            return None
        row: np.ndarray = self.matrix()[t]
        return row

    def nearest(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float, int]]]:
        """For each query vector, the k best (concept, cosine, text) with one text per concept."""
        if len(self.texts) == 0 or queries.shape[0] == 0:
            return [[] for _ in range(queries.shape[0])]
        sims = queries.astype(np.float32) @ self.matrix().T
        out: list[list[tuple[int, float, int]]] = []
        take = min(len(self.texts), k * 4)
        # the `take` best of every row at once (one pass over the matrix, no negated copy per row)
        tops = np.argpartition(sims, sims.shape[1] - take, axis=1)[:, sims.shape[1] - take :]
        for row, top in zip(sims, tops, strict=True):
            top = top[np.argsort(-row[top], kind="stable")]
            seen: set[int] = set()
            found: list[tuple[int, float, int]] = []
            for t in top.tolist():
                c = int(self.concept[t])
                if c in seen:
                    continue
                seen.add(c)
                found.append((c, float(row[t]), t))
                if len(found) >= k:
                    break
            out.append(found)
        return out


def codebook_texts(
    ix: index.ReleaseIndex, *, select: Callable[[str], bool] | None = None
) -> tuple[list[str], list[int]]:
    """(text, concept) pairs to embed: each billable code's title (encounter words cut, the initial-encounter
    or only variant kept) and the inclusion terms of billable codes; one concept per distinct text."""
    texts: list[str] = []
    concepts: list[int] = []
    seen: set[str] = set()

    def offer(body: str, concept: int) -> None:
        key = body.lower()
        if key and key not in seen:
            seen.add(key)
            texts.append(body)
            concepts.append(concept)

    # 7th-character variants share their text once encounter words are cut: the initial encounter ("A")
    # comes first in code order among them only by accident, so visit "A" codes before the others
    order = sorted(range(len(ix.codes)), key=lambda i: (not ix.norms[i].endswith("A"), i))
    for i in order:
        if not ix.billable[i] or (select is not None and not select(ix.codes[i])):
            continue
        offer(ENCOUNTER.sub("", ix.titles[i]).strip(), i)
    for d in np.flatnonzero(ix.doc_kind == index.INCLUSION).tolist():
        c = int(ix.doc_concept[d])
        if ix.billable[c] and (select is None or select(ix.codes[c])):
            offer(ix.doc_text[d].strip(), c)
    return texts, concepts


def vectors_build(
    ix: index.ReleaseIndex, *, select: Callable[[str], bool] | None = None, show_progress: bool = False
) -> CodebookVectors:
    """Embed a release's code texts (minutes for a whole ICD-10-CM release on two cores; a subset for tests)."""
    texts, concepts = codebook_texts(ix, select=select)
    enc = embedding.encoder()
    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("[bold]embedding {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=False,
        ) as progress:
            task = progress.add_task(f"{ix.release.system} {ix.release.version} code texts", total=len(texts))
            vectors = enc.encode(texts, progress=lambda done, total: progress.update(task, completed=done))
    else:
        vectors = enc.encode(texts)
    return CodebookVectors(
        release=ix.release,
        model=embedding.MODEL_NAME,
        texts=texts,
        concept=np.array(concepts, dtype=np.int32),
        vectors=vectors.astype(np.float16),
    )


_lock = threading.Lock()
_cache: dict[tuple[str, int], CodebookVectors | None] = {}
_looked: dict[tuple[str, int], float] = {}  # when a missing file was last looked for
RELOOK_SECONDS = 60.0  # a worker looks again for vectors that `medcode prepare` may have saved since


def _cache_file(codebook: Path, release: selectors.ReleaseInfo) -> Path:
    return codebook.with_suffix(".search") / f"release-{release.id}-minilm-v{FORMAT}.pickle"


def _load(path: Path, release: selectors.ReleaseInfo) -> CodebookVectors | None:
    loaded = index.saved_load(path)
    if isinstance(loaded, CodebookVectors) and loaded.release == release and loaded.model == embedding.MODEL_NAME:
        return loaded
    return None


def _save(path: Path, vectors: CodebookVectors) -> None:
    index.saved_store(path, vectors)


def release_vectors(
    release: selectors.ReleaseInfo, *, build: bool = False, show_progress: bool = False
) -> CodebookVectors | None:
    """The release's code vectors: loaded from beside the codebook, or (build=True) computed and saved.

    None when the extra is not installed, the system has no vectors, or they were never computed and
    build is False: callers then carry on without embedding retrieval.
    """
    if release.system not in SYSTEMS or not embedding.available():
        return None
    codebook = store.connected_path()
    key = (str(codebook), release.id)
    now = time.monotonic()
    if key in _cache and (_cache[key] is not None or (not build and now - _looked.get(key, 0.0) < RELOOK_SECONDS)):
        return _cache[key]
    with _lock:
        found = _cache.get(key)
        if found is None:
            path = _cache_file(Path(key[0]), release)
            found = _load(path, release)
            if found is None and build:
                found = vectors_build(index.release_index(release), show_progress=show_progress)
                _save(path, found)
            for old in [k for k in _cache if k[0] != key[0]]:
                del _cache[old]
                _looked.pop(old, None)
            _cache[key], _looked[key] = found, now
    return found


def saved(release: selectors.ReleaseInfo) -> bool:
    """True when the release's vectors are saved beside the active codebook (so no process computes them)."""
    return _load(_cache_file(store.connected_path(), release), release) is not None


def vectors_use(vectors: CodebookVectors) -> None:
    """Use these vectors for their release in this process (tests use a subset of the codes)."""
    with _lock:
        _cache[(str(store.connected_path()), vectors.release.id)] = vectors


def warm(releases: list[selectors.ReleaseInfo], *, show_progress: bool | None = None) -> None:
    """Compute (or load) the vectors of these releases now, with a progress bar on a terminal."""
    if not embedding.available():
        return
    show = sys.stderr.isatty() if show_progress is None else show_progress
    for release in releases:
        release_vectors(release, build=True, show_progress=show)
