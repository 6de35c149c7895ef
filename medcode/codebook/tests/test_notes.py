"""The codes and ranges a note names, and which codes they cover."""

from __future__ import annotations

from medcode.codebook import notes


def test_note_references_keep_ranges_and_categories() -> None:
    text = "transitory disorders (P70-P74); diabetes mellitus (E08.-); lymphoma (C81.0-C81.4) and E11.9"
    assert notes.note_references(text) == ("P70-P74", "E08", "C810-C814", "E119")


def test_reference_covers_at_the_length_of_each_end() -> None:
    assert notes.reference_covers("P70-P74", "P74.1") and notes.reference_covers("P70-P74", "P70.0")
    assert not notes.reference_covers("P70-P74", "P75") and not notes.reference_covers("P70-P74", "P69.9")
    assert notes.reference_covers("C810-C814", "C81.49") and not notes.reference_covers("C810-C814", "C81.90")
    assert notes.reference_covers("E08", "E08.65") and not notes.reference_covers("E08", "E09.9")
    assert notes.note_covers("diabetes mellitus (E08-E13)", "E11.9")
