"""Human labels of machine identifiers: every rule the engine emits and every verdict the assistant gives has one."""

from __future__ import annotations

from typing import get_args

import pytest
from django.template import Context, Template

from medcode.core import labels
from medcode.rules.engine.types import Rule, Severity


def test_every_rule_severity_and_verdict_has_a_label() -> None:
    for rule in get_args(Rule):
        assert rule in labels.RULES and "_" not in labels.RULES[rule]
    for severity in get_args(Severity):
        assert labels.label(severity, "severity")[0].isupper()
    for verdict in ("yes", "no", "allowed", "not_allowed", "allowed_with_modifier"):
        assert "_" not in labels.label(verdict, "verdict")
    assert labels.label("allowed_with_modifier", "verdict") == "Allowed with an NCCI modifier"
    assert labels.label("ncci_ptp", "rule") == "NCCI procedure-to-procedure edit"
    assert labels.label("seventh_character", "rule") == "7th character needed"
    assert labels.label("icd10cm", "system") == "ICD-10-CM"
    assert labels.label("mue-dme", "system") == "MUE, DME supplier services"
    assert labels.label("apc", "field") == "APC (Ambulatory Payment Classification)"


def test_unknown_identifiers_read_as_words_and_labels_stay_as_they_are() -> None:
    assert labels.label("some_new_field", "field") == "Some new field"
    assert labels.label("ICD-10-CM", "system") == "ICD-10-CM"
    assert labels.label(None, "rule") == ""
    with pytest.raises(KeyError):
        labels.label("x", "no-such-table")


def test_counts_and_articles() -> None:
    assert labels.count(1, "error") == "1 error"
    assert labels.count(2, "error") == "2 errors"
    assert labels.count(0, "note") == "0 notes"
    assert labels.article("ICD-10-CM") == "an"
    assert labels.article("CPT") == "a"
    assert labels.article("MUE") == "an"


def test_template_filter_and_count_tag() -> None:
    template = Template(
        '{% load medcode_tags %}{{ rule|label:"rule" }} · {% count n "error" %} · {{ v|label:"verdict" }}'
    )
    text = template.render(Context({"rule": "dx_billable", "n": 1, "v": "not_allowed"}))
    assert text == "Billable diagnosis · 1 error · Not allowed"
