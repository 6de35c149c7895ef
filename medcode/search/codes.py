"""Code-shaped input: is a query a code (or part of one), and in which systems could it be."""

from __future__ import annotations

import re

# what each system's codes look like once upper-cased without dots and spaces (partial codes allowed)
SHAPES = {
    "icd10cm": re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$"),
    "icd10pcs": re.compile(r"^[0-9A-HJ-NP-Z]{3,7}$"),
    "hcpcs": re.compile(r"^[A-V][0-9]{0,4}$"),
    "cpt": re.compile(r"^[0-9]{4}[0-9FTU]?$|^[0-9]{3,5}$"),
    "pos": re.compile(r"^[0-9]{2}$"),
    "modifier": re.compile(r"^[0-9A-Z]{2}$"),
}
CODE_CHARS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")


def code_norm(query: str) -> str | None:
    """The query as a normalised code (upper case, no dot, no spaces) when it looks like one, else None.

    A code has a digit, at most 8 characters once normalised, and at most two space-separated parts
    ("j 3420"); a word that happens to be letters only is not a code.
    """
    text = query.strip()
    parts = text.split()
    if not parts or len(parts) > 2 or len(text) > 12:
        return None
    if len(parts) == 2 and not (parts[0].isalpha() and len(parts[0]) == 1 and parts[1].isdigit()):
        return None
    joined = "".join(parts)
    if not CODE_CHARS.match(joined):
        return None
    norm = joined.replace(".", "").rstrip("-").upper()
    if not norm or not any(ch.isdigit() for ch in norm) or len(norm) > 8:
        return None
    if len(norm) <= 2 and not norm.isdigit():
        return norm if len(norm) == 2 else None
    return norm


def systems_for(norm: str) -> list[str]:
    """The systems whose code shape the normalised code fits."""
    return [name for name, shape in SHAPES.items() if shape.match(norm)]
