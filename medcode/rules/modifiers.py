"""The modifier reference: the team's explanations (modifiers.toml) beside the official HCPCS descriptors."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from medcode.codebook import selectors as codebook
from medcode.core.errors import ApplicationError
from medcode.rules.engine.ncci import NCCI_MODIFIERS

LABEL = "Written by the medcode team in its own words; not an official CMS or AMA descriptor."


@lru_cache(maxsize=1)
def _reference() -> dict[str, dict[str, str]]:
    text = (resources.files("medcode.rules") / "modifiers.toml").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = tomllib.loads(text)["modifiers"]
    return data


def modifier_list() -> list[dict[str, Any]]:
    """Every modifier of the reference, in the order written, with its official descriptor when loaded."""
    return [modifier_get(code) for code in _reference()]


def official_modifiers() -> tuple[codebook.ReleaseInfo, list[Any]] | None:
    """The HCPCS Level II modifiers of the release in effect (from the CMS HCPCS file), or None when not imported."""
    try:
        return codebook.concept_browse(system="modifier")
    except ApplicationError:
        return None


def modifier_get(code: str) -> dict[str, Any]:
    code = code.strip().upper()
    entry = _reference().get(code)
    official = None
    try:
        official = codebook.concept_get(system="modifier", code=code).title
    except ApplicationError:
        official = None
    if entry is None and official is None:
        raise ApplicationError(f"No modifier '{code}' in the reference or the loaded HCPCS modifiers")
    return {
        "code": code,
        "official_descriptor": official,
        "ncci_bypass": code in NCCI_MODIFIERS,
        **(entry or {}),
        "label": LABEL,
    }
