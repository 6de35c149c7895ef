"""Selectors over the default codebook: releases by date, look-ups, suggestions, history, changes."""

from __future__ import annotations

import datetime as dt

import pytest

from medcode.codebook import lookup, selectors
from medcode.core.errors import ApplicationError, CodeNotFound, ReleaseNotFound


def test_release_in_effect_depends_on_the_date_of_service() -> None:
    assert selectors.release_for(system="icd10cm").version == "2026-04"
    assert selectors.release_for(system="icd10cm", as_of=dt.date(2025, 3, 1)).version == "2025"
    assert selectors.release_for(system="icd10cm", as_of=dt.date(2026, 6, 1)).version == "2026-04"
    with pytest.raises(ReleaseNotFound, match="earliest loaded starts 2024-10-01"):
        selectors.release_for(system="icd10cm", as_of=dt.date(2020, 1, 1))
    with pytest.raises(ReleaseNotFound, match="No ICD-10-CM release was in effect on 2025-12-01"):
        selectors.release_for(system="icd10cm", as_of=dt.date(2025, 12, 1))


def test_codes_are_found_in_any_form() -> None:
    for typed in ("E11.42", "e1142", "E11.42 ", "e11.42"):
        assert selectors.concept_get(system="icd10cm", code=typed).code == "E11.42"
    assert selectors.concept_get(system="ICD-10-CM", code="s72001a").code == "S72.001A"


def test_a_code_new_in_fy2026_is_not_valid_for_a_fy2025_date() -> None:
    new_codes = lookup.release_changes(system="icd10cm")["added"]
    assert new_codes, "FY2026 adds codes"
    code = new_codes[0]["code"]
    selectors.concept_get(system="icd10cm", code=code)
    with pytest.raises(CodeNotFound, match=r"not an ICD-10-CM code in ICD-10-CM FY2025"):
        selectors.concept_get(system="icd10cm", code=code, as_of=dt.date(2025, 5, 1))


def test_suggestions_offer_the_seventh_character_completions() -> None:
    codes = [c.code for c in selectors.concept_suggest(system="icd10cm", code="S72.001")]
    assert codes[0].startswith("S72.001") and "S72.001A" in codes
    wrong_seventh = [c.code for c in selectors.concept_suggest(system="icd10cm", code="S72.001Z")]
    assert "S72.001A" in wrong_seventh


def test_notes_inherit_from_ancestors_and_name_their_level() -> None:
    concept = selectors.concept_get(system="icd10cm", code="E11.42")
    ancestors = selectors.concept_ancestors(concept=concept)
    assert [a.code for a in ancestors] == ["4", "E08-E13", "E11", "E11.4"]
    notes = selectors.concept_notes(concept=concept, ancestors=ancestors)
    assert any(n.code == "E11" and n.kind == "excludes1" and n.inherited for n in notes)


def test_history_shows_each_release() -> None:
    history = selectors.concept_history(system="icd10cm", code="E11.42")
    assert [h["release"] for h in history] == ["2025", "2026-04"] and all(h["present"] for h in history)


def test_unknown_system_and_bad_date_are_named() -> None:
    with pytest.raises(ApplicationError, match="Unknown code system 'icd9'"):
        selectors.system_normalize("icd9")
    with pytest.raises(ApplicationError, match="'2026-13-01' is not a date"):
        selectors.parse_date("2026-13-01")


def test_lookup_without_system_finds_hcpcs_and_pos() -> None:
    assert lookup.code_lookup(code="J2680")["system"] == "hcpcs"
    assert lookup.code_lookup(code="E11.9")["system"] == "icd10cm"
    result = lookup.code_lookup(code="99213", system="cpt")
    assert result["title"] == "" and "American Medical Association" in result["notice"]


def test_what_changed_between_fy2025_and_fy2026() -> None:
    changes = lookup.release_changes(system="icd10cm")
    assert (changes["old"], changes["new"]) == ("2025", "2026-04")
    assert len(changes["added"]) > 100 and changes["deleted"]
    assert all(
        selectors.concept_find(system="icd10cm", code=a["code"], release=selectors.release_for(system="icd10cm"))
        for a in changes["added"][:50]
    )


def test_an_incomplete_pcs_code_lists_what_completes_it() -> None:
    partial = selectors.pcs_partial(code="bw20")
    assert partial is not None and partial.code == "BW20" and partial.table.code == "BW2"
    assert len(partial.completions) == 7 and all(c.code.startswith("BW20") and c.billable for c in partial.completions)
    assert partial.title == "Computerized Tomography (CT Scan) of Abdomen"
    assert selectors.pcs_partial(code="5A1D") is not None
    # a whole code, a table, a prefix no code completes, and an ICD-10-CM-shaped code are not partial PCS codes
    assert selectors.pcs_partial(code="BW20ZZZ") is None
    assert selectors.pcs_partial(code="BW2") is None
    assert selectors.pcs_partial(code="BW2Q") is None
    assert selectors.pcs_partial(code="E11.9") is None
