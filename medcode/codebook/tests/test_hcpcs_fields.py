"""Every coded value in the January 2026 CMS HCPCS file has its meaning, and every field its description."""

from __future__ import annotations

from conftest import shared_file
from medcode.codebook import fields
from medcode.codebook.hcpcs_fields import FIELD_DESCRIPTIONS, VALUE_MEANINGS
from medcode.ingest.records import Concept
from medcode.ingest.sources.hcpcs import cms_file
from medcode.ingest.sources.hcpcs.layout import FIELDS

CODED = (
    "pricing_indicator",
    "multiple_pricing_indicator",
    "coverage_code",
    "betos",
    "type_of_service",
    "action_code",
    "mog_payment_policy_indicator",
    "lab_certification",
)


def test_every_field_of_the_record_layout_has_a_label_and_a_description() -> None:
    for field in FIELDS:
        assert FIELD_DESCRIPTIONS.get(field.key), field.key
        assert "_" not in fields.LABELS[field.key]


def test_every_coded_value_in_the_january_2026_file_has_its_cms_meaning() -> None:
    path = shared_file("hcpcs-2026-jan", "HCPC2026_JAN_ANWEB_01122026.txt")
    missing: dict[str, set[str]] = {}
    j2680 = None
    for record in cms_file.parse(path):
        if not isinstance(record, Concept) or record.kind == "range":
            continue
        if record.code == "J2680":
            j2680 = record
        for key in CODED:
            for value in filter(None, record.attrs.get(key, "").split(",")):
                if value not in VALUE_MEANINGS[key]:
                    missing.setdefault(key, set()).add(value)
    assert missing == {}
    assert j2680 is not None and j2680.title == "Injection, fluphenazine decanoate, up to 25 mg"
    shown = {f.key: f for f in fields.concept_fields(j2680.attrs)}
    assert shown["pricing_indicator"].meanings == ("51: Drugs",)
    assert shown["pricing_indicator"].description.startswith("Code used to identify the appropriate methodology")
