"""The codes an ICD-10-CM note names: single codes, categories (J20.-) and ranges (E08-E13), and what they cover.

The patterns and range arithmetic live in :mod:`medcode.codebook.codes`; they are named here too for the
modules that import them from this one.
"""

from __future__ import annotations

from medcode.codebook.codes import NOTE_CODE, note_references, reference_covers

__all__ = ["NOTE_CODE", "note_covers", "note_references", "reference_covers"]


def note_covers(text: str, code: str) -> bool:
    """Whether a note's text names the code: itself, an ancestor (E10.-) or a range holding it (E08-E13)."""
    return any(reference_covers(reference, code) for reference in note_references(text))
