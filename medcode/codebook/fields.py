"""Publisher fields of a concept as a coder reads them: a label, the official value and its meaning."""

from __future__ import annotations

from dataclasses import dataclass

from medcode.codebook.hcpcs_fields import VALUE_MEANINGS

LABELS = {
    "pricing_indicator": "Pricing indicator",
    "multiple_pricing_indicator": "Multiple pricing indicator",
    "coverage_code": "Medicare coverage",
    "betos": "BETOS (type of service category)",
    "type_of_service": "CMS type of service",
    "action_code": "Action in this release",
    "add_date": "Added",
    "action_effective_date": "Action effective",
    "termination_date": "Terminated",
    "cross_reference": "Cross-reference",
    "cim_reference": "Coverage Issues Manual section",
    "mcm_reference": "Medicare Carriers Manual section",
    "statute": "Statute",
    "lab_certification": "Lab certification",
    "asc_payment_group": "ASC payment group",
    "asc_payment_group_date": "ASC payment group effective",
    "mog_payment_group": "MOG payment group",
    "mog_payment_policy_indicator": "MOG payment policy",
    "mog_effective_date": "MOG effective",
    "processing_note": "Processing note number",
    "anesthesia_base_units": "Anesthesia base units",
    "descriptor": "Descriptor available",
    "descriptor_source": "Descriptor source",
    "status_indicator": "OPPS status indicator",
    "status_indicator_label": "Status indicator meaning",
    "apc": "APC",
    "addon_type": "Add-on code type",
    "cpt_category": "CPT category",
    "description": "Official description",
    "setting": "Pricing setting",
    "title_source": "Title source",
    "requires_7th": "Needs a 7th character",
    "seventh_character": "7th character",
}
HIDDEN = {"requires_7th"}  # shown as a badge at the top of the page
ASC_MEANINGS = {"YY": "Approved to be performed in an ambulatory surgical center"}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str
    meanings: tuple[str, ...]


def concept_fields(attrs: dict[str, str]) -> list[Field]:
    """Every attribute, labelled, in a stable order, with CMS's meaning for coded values."""
    fields = []
    for key in sorted(set(attrs) - HIDDEN, key=lambda k: (list(LABELS).index(k) if k in LABELS else len(LABELS), k)):
        value = attrs[key]
        table = VALUE_MEANINGS.get(key) or (ASC_MEANINGS if key == "asc_payment_group" else {})
        meanings = tuple(f"{part}: {table[part]}" for part in value.split(",") if part in table)
        fields.append(Field(key, LABELS.get(key, key.replace("_", " ").capitalize()), value, meanings))
    return fields
