"""What codes look like: one normaliser, the shape of each system's codes, codes in free text, and ranges.

The one place each lives (ADR 0051, 0052). A normalised code is upper case with no dots and no white space
anywhere ("e11 .9" and "E11.9" are both "E119"): no code of any system has a space in it, so a space inside
a typed code is a slip of the keyboard, not part of the code.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DROP = re.compile(r"[\s.]")


def code_normalize(code: str) -> str:
    """A code as the codebook stores it for look-up: upper case, without dots and white space ("e11 .9" -> "E119")."""
    return _DROP.sub("", code).upper()


# --- shapes --------------------------------------------------------------------------------------------------

# What each system's codes look like once normalised, partial codes allowed (search reads "E11" and "J34").
SHAPES: dict[str, re.Pattern[str]] = {
    "icd10cm": re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$"),
    "icd10pcs": re.compile(r"^[0-9A-HJ-NP-Z]{3,7}$"),
    "hcpcs": re.compile(r"^[A-V][0-9]{0,4}$"),
    "cpt": re.compile(r"^[0-9]{4}[0-9FTU]?$|^[0-9]{3,5}$"),
    "pos": re.compile(r"^[0-9]{2}$"),
    "modifier": re.compile(r"^[0-9A-Z]{2}$"),
}

# A whole code as someone types it (dot optional), per system. ICD-10-CM here leaves out U (codes for
# emergency use) so that a typed U-word is not taken for a diagnosis code.
ICD10CM_CODE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
HCPCS_CODE = re.compile(r"^[A-V][0-9]{4}$")
CPT_CODE = re.compile(r"^[0-9]{4}[0-9FTUM]$")
PCS_CODE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")

_CODE_CHARS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")


def code_norm(query: str) -> str | None:
    """The query as a normalised code when it looks like one (a trailing "-" of "E11.-" dropped), else None.

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
    if not _CODE_CHARS.match(joined):
        return None
    norm = code_normalize(joined).rstrip("-")
    if not norm or not any(ch.isdigit() for ch in norm) or len(norm) > 8:
        return None
    if len(norm) <= 2 and not norm.isdigit():
        return norm if len(norm) == 2 else None
    return norm


def systems_for(norm: str) -> list[str]:
    """The systems whose code shape the normalised code fits."""
    return [name for name, shape in SHAPES.items() if shape.match(norm)]


# --- codes in free text ------------------------------------------------------------------------------------

# Code-shaped tokens in free text. Guideline references are written with a section sign (§B3.1a) and skipped.
CODE_IN_TEXT = re.compile(
    r"(?<![§\w.])("
    r"[A-TV-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}"  # ICD-10-CM with its dot
    r"|[A-TV-Z][0-9]{2}[0-9A-Z]{1,4}"  # ICD-10-CM without the dot, or HCPCS Level II
    r"|[A-TV-Z][0-9]{2}"  # ICD-10-CM category
    r"|[0-9]{4}[0-9FTUM]"  # CPT
    r"|[0-9A-HJ-NP-Z]{7}"  # ICD-10-PCS
    r")(?![\w])"
)


def looks_like_code(token: str) -> bool:
    """Whether a code-shaped token is likely a code rather than a number or a word: five digits, or letters and digits."""
    if token.isdigit() and len(token) == 5:
        return True
    return any(ch.isdigit() for ch in token) and any(ch.isalpha() for ch in token)


def code_tokens(text: str) -> list[str]:
    """The code-shaped tokens of a text that look like codes, in order, as written."""
    return [m.group(1) for m in CODE_IN_TEXT.finditer(text) if looks_like_code(m.group(1))]


# --- ICD-10-CM codes and ranges in official notes ------------------------------------------------------------

_ICD10CM = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
# An ICD-10-CM code in a note's text, alone or as either end of a range ("J20.-", "E08-E13").
ICD10CM_IN_TEXT = re.compile(rf"\b({_ICD10CM})(?:-|\b)")
# A code, optionally followed by "-" and a second code: "E11.9", "J20.-", "E08-E13", "C81.0-C81.4".
NOTE_CODE = re.compile(rf"\b({_ICD10CM})(?:-?\s*-\s*({_ICD10CM}))?")


def _range_end(code: str) -> str:
    return code_normalize(code).replace("-", "")


def note_references(text: str) -> tuple[str, ...]:
    """Every code or range a note's text names, as written without dots: 'E08-E13', 'J20', 'E119'."""
    found: list[str] = []
    for match in NOTE_CODE.finditer(text):
        start, end = match.group(1), match.group(2)
        found.append(f"{_range_end(start)}-{_range_end(end)}" if end else _range_end(start))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=65536)
def reference_covers(reference: str, code: str) -> bool:
    """Whether a note reference ('E10', 'E08-E13', 'C81.0-C81.4') covers a code: the code itself, under it, or
    inside the range (compared at the length of each end, so E08-E13 holds E11.9 but not E14.0)."""
    norm = _range_end(code)
    first, _, last = reference.partition("-")
    first, last = _range_end(first), _range_end(last)
    if not first or not norm:
        return False
    if not last:
        return norm.startswith(first)
    return norm[: len(first)] >= first and norm[: len(last)] <= last
