"""Columns of the Table of Drugs and the Neoplasm Table: cell names, heading words, kind detection."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from medcode.core.errors import IngestError
from medcode.ingest.sources.icd10cm_index.common import MSG_XML_HEADING, MSG_XML_HEADINGS_UNKNOWN, SourceIndex

# Canonical cell names of the two tables, in the CDC's column order. A column heading is matched by
# its key words (first match wins, so "accidental (unintentional)" is not taken for "intentional").
DRUG_COLUMNS: Final[tuple[str, ...]] = (
    "poisoning_accidental",
    "poisoning_intentional",
    "poisoning_assault",
    "poisoning_undetermined",
    "adverse_effect",
    "underdosing",
)
NEOPLASM_COLUMNS: Final[tuple[str, ...]] = (
    "malignant_primary",
    "malignant_secondary",
    "ca_in_situ",
    "benign",
    "uncertain_behavior",
    "unspecified_behavior",
)
TABLE_COLUMNS: Final[dict[SourceIndex, tuple[str, ...]]] = {
    "drug": DRUG_COLUMNS,
    "neoplasm": NEOPLASM_COLUMNS,
}
_HEADING_WORDS: Final[dict[SourceIndex, tuple[tuple[str, str], ...]]] = {
    "drug": (
        ("accidental", "poisoning_accidental"),
        ("intentional", "poisoning_intentional"),
        ("self-harm", "poisoning_intentional"),
        ("assault", "poisoning_assault"),
        ("undetermined", "poisoning_undetermined"),
        ("adverse", "adverse_effect"),
        ("underdosing", "underdosing"),
    ),
    "neoplasm": (
        ("primary", "malignant_primary"),
        ("secondary", "malignant_secondary"),
        ("situ", "ca_in_situ"),
        ("benign", "benign"),
        ("uncertain", "uncertain_behavior"),
        ("unspecified", "unspecified_behavior"),
    ),
}
# Cells that print as a dash are empty: the CDC writes "--" in the drug table and "-" in the neoplasm table.
EMPTY_CELLS: Final = frozenset({"", "-", "--", "\u2013", "\u2014"})


def _heading_columns(path: Path, kind: SourceIndex, heads: list[tuple[int, str, int]]) -> dict[int, str]:
    """Map column numbers to canonical cell names from the <head col="n"> definitions."""
    columns: dict[int, str] = {}
    words = _HEADING_WORDS[kind]
    for col, text, line in heads:
        if col == 1:  # the term column: "Substance", "Neoplasm"
            continue
        lowered = text.lower()
        name = next((name for word, name in words if word in lowered), None)
        if name is None or name in columns.values():
            raise IngestError(
                MSG_XML_HEADING.format(
                    path=path, line=line, text=text, index=kind, expected=", ".join(TABLE_COLUMNS[kind])
                )
            )
        columns[col] = name
    return columns


def _detect_kind(path: Path, heads: list[tuple[int, str, int]], title: str | None) -> SourceIndex:
    """The kind of an XML index from its column headings, or else its title."""
    if heads:
        text = " ".join(t for _, t, _ in heads).lower()
        if "poisoning" in text or "substance" in text:
            return "drug"
        if "malignant" in text or "neoplasm" in text:
            return "neoplasm"
        raise IngestError(MSG_XML_HEADINGS_UNKNOWN.format(path=path, line=heads[0][2], found=[t for _, t, _ in heads]))
    if title and "EXTERNAL CAUSE" in title.upper():
        return "eindex"
    return "main"
