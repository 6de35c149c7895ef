"""Per-process cache of ready-made API answers for the release in effect (issue 24).

A terminology look-up is a pure function of its query and of the codebook in effect: the same query gives
the same bytes until the active build changes or the day (and so the release in effect) does. The answers
are kept here, keyed by the caller's query and by what the caller may see, under a generation made of the
codebook file this thread reads (medcode.codebook.store.connected_path, which follows the ACTIVE marker
within a second) and today's date; a new generation empties the cache. Metering and rate limits are not
cached: every request still passes the gate and `metering.access_decide`, and only the encoded answer is
reused.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from medcode.codebook import store

MAX_ENTRIES = 200_000  # about 1 KiB each: a full cache is ~200 MiB per worker at most; emptied when full

T = TypeVar("T")


class AnswerCache:
    """A dict of answers under one generation (build file, date); thread-safe enough for gthread workers:
    single dict operations are atomic, and a lost race only computes an answer twice."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._generation: tuple[Path, dt.date] | None = None
        self._answers: dict[Hashable, object] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _current(self) -> dict[Hashable, object]:
        generation = (store.connected_path(), dt.date.today())
        if generation != self._generation:
            with self._lock:
                if generation != self._generation:
                    self._answers = {}
                    self._generation = generation
        return self._answers

    def get(self, key: Hashable) -> object | None:
        found = self._current().get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: Hashable, value: T) -> T:
        answers = self._current()
        if len(answers) >= self.max_entries:
            answers.clear()
        answers[key] = value
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        found = self.get(key)
        if found is not None:
            return found  # type: ignore[return-value]
        return self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._answers = {}
            self._generation = None


answers = AnswerCache()
