"""Publisher fields of a concept as a coder reads them: a label, the official value and its meaning."""

from __future__ import annotations

from dataclasses import dataclass

from medcode.codebook.hcpcs_fields import FIELD_DESCRIPTIONS, VALUE_MEANINGS
from medcode.core import labels

LABELS = labels.FIELDS
HIDDEN = {"requires_7th"}  # shown as a badge at the top of the page
ASC_MEANINGS = {"YY": "Approved to be performed in an ambulatory surgical center"}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str
    meanings: tuple[str, ...]
    description: str = ""  # what the field is, from the publisher's record layout


def concept_fields(attrs: dict[str, str]) -> list[Field]:
    """Every attribute, labelled, in a stable order, with what the field is and CMS's meaning for coded values."""
    fields = []
    for key in sorted(set(attrs) - HIDDEN, key=lambda k: (list(LABELS).index(k) if k in LABELS else len(LABELS), k)):
        value = attrs[key]
        table = VALUE_MEANINGS.get(key) or (ASC_MEANINGS if key == "asc_payment_group" else {})
        meanings = tuple(f"{part}: {table[part]}" for part in value.split(",") if part in table)
        fields.append(Field(key, labels.label(key, "field"), value, meanings, FIELD_DESCRIPTIONS.get(key, "")))
    return fields
