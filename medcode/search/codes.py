"""Code-shaped input for search: the shapes and the query normaliser live in :mod:`medcode.codebook.codes`."""

from __future__ import annotations

from medcode.codebook.codes import SHAPES, code_norm, systems_for

__all__ = ["SHAPES", "code_norm", "systems_for"]
