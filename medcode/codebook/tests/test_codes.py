"""The one code normaliser, the code shapes and note ranges (medcode.codebook.codes)."""

from __future__ import annotations

import pytest

from medcode.codebook import codes, notes, selectors
from medcode.search import codes as search_codes


@pytest.mark.parametrize(
    ("typed", "norm"),
    [("E11.9", "E119"), ("e11 .9", "E119"), (" j 3420 ", "J3420"), ("0DTJ4ZZ", "0DTJ4ZZ"), ("S72.0\t", "S720")],
)
def test_inner_spaces_and_dots_are_dropped(typed: str, norm: str) -> None:
    # ADR 0051: no code of any system has a space in it
    assert codes.code_normalize(typed) == norm


def test_older_names_are_the_one_normaliser() -> None:
    assert selectors.normalize is codes.code_normalize
    assert search_codes.code_norm is codes.code_norm


def test_code_tokens_skip_numbers_words_and_guideline_references() -> None:
    text = "Report E11.9 with 99213 and J3420, not 2026, not §B3.1a, and 0DTJ4ZZ"
    assert codes.code_tokens(text) == ["E11.9", "99213", "J3420", "0DTJ4ZZ"]


def test_ranges_in_notes() -> None:
    assert notes.note_references("diabetes mellitus (E08-E13) and bronchitis (J20.-)") == ("E08-E13", "J20")
    assert codes.reference_covers("E08-E13", "E11.9")
    assert not codes.reference_covers("E08-E13", "E14.0")
    assert codes.reference_covers("J20", "J20.9")
