"""The search structures are saved beside the codebook, so only the first process after a build builds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcode.codebook import selectors, store
from medcode.search import index


def test_a_second_process_loads_the_saved_structures(default_codebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store.forget()
    release = selectors.release_for(system="pos")
    first = index.release_index(release)
    saved = index._cache_file(default_codebook, release)
    assert saved.exists()
    index._cache.clear()  # as a new process would start

    def must_not_build(_: object) -> None:
        raise AssertionError("built again instead of loading the saved copy")

    monkeypatch.setattr(index, "release_index_build", must_not_build)
    again = index.release_index(release)
    assert again.codes == first.codes and again.release == release


def test_a_damaged_saved_copy_is_rebuilt(default_codebook: Path) -> None:
    store.forget()
    release = selectors.release_for(system="pos")
    index.release_index(release)
    saved = index._cache_file(default_codebook, release)
    saved.write_bytes(b"not a pickle")
    index._cache.clear()
    assert "11" in index.release_index(release).codes


def test_copies_saved_in_an_earlier_format_are_removed(default_codebook: Path) -> None:
    store.forget()
    release = selectors.release_for(system="pos")
    index.release_index(release)
    saved = index._cache_file(default_codebook, release)
    old = saved.with_name(f"release-{release.id}-v{index.CACHE_FORMAT - 1}.pickle")
    old.write_bytes(b"an earlier format")
    saved.unlink()
    index._cache.clear()
    index.release_index(release)
    assert saved.exists() and not old.exists()
