"""Billing-rule questions answered through medcode.rules: NCCI PTP, MUE, fee schedule, HCC, CC/MCC, GEMs, DRG."""

from __future__ import annotations

import pytest

from medcode.assistant import guard, services
from medcode.assistant.answer import Answer


def ask(question: str) -> Answer:
    return services.assistant_ask(question=question, use_llm=False)


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("In the outpatient hospital setting, can 51080 be billed with 51702 on the same day?", "not_allowed"),
        (
            "In the outpatient hospital setting, can 63661 be billed with 36400 on the same day?",
            "allowed_with_modifier",
        ),
        ("In the outpatient hospital setting, can CPT 61715 be billed with CPT 61791 on the same day?", "allowed"),
    ],
)
def test_ncci_pairs(question: str, verdict: str) -> None:
    answer = ask(question)
    assert answer.verdict == verdict and len(answer.codes) == 2
    assert answer.facts[0].citation.system == "NCCI PTP edits (hospital outpatient)"
    assert all(guard.exists(c) for c in answer.codes)


def test_ncci_answer_for_a_modifier_pair_names_the_modifiers() -> None:
    answer = ask("Can I bill 63661 with 36400 in the hospital outpatient department?")
    assert "XE/XS/XP/XU" in answer.answer and "modifier indicator 1" in answer.answer


def test_practitioner_pairs_say_which_edits_were_used() -> None:
    answer = ask("Can 51080 be billed with 51702?")
    assert answer.verdict == "not_allowed"
    assert any("hospital outpatient edits" in f.text for f in answer.facts)  # no practitioner file loaded


def test_hcc() -> None:
    answer = ask("Is E11.9 an HCC?")
    assert answer.verdict == "yes" and "V28 HCC 38" in answer.answer
    assert ask("Is Z00.00 an HCC?").verdict == "no"


def test_cc_mcc() -> None:
    answer = ask("Is J96.01 an MCC?")
    assert "is an MCC" in answer.answer and answer.verdict == "yes"


def test_gems_both_ways() -> None:
    answer = ask("What is the ICD-10 code for ICD-9 250.00?")
    assert [c.code for c in answer.codes] == ["E11.9"]
    answer = ask("What is the ICD-9 code for E11.9?")
    assert "25000" in answer.answer


def test_drg_for_a_case() -> None:
    answer = ask("What is the MS-DRG for principal diagnosis A41.9 with N17.9?")
    assert answer.answer.startswith("MS-DRG 872") and {c.code for c in answer.codes} == {"A41.9", "N17.9"}


def test_without_pfs_data_the_answer_says_how_to_load_it() -> None:
    answer = ask("What is the global period for 27447?")
    assert "--source pfs" in answer.answer and answer.verdict is None


@pytest.mark.shared_data
@pytest.mark.usefixtures("with_rules")
class TestWithOfficialFiles:
    def test_mue(self) -> None:
        answer = ask("What is the practitioner MUE for code 97761?")
        assert "MUE for 97761 is 6 units" in answer.answer and "MAI 3" in answer.answer

    def test_how_many_units(self) -> None:
        assert "units" in ask("How many units of 95004 can be billed per day?").answer

    def test_global_period(self) -> None:
        answer = ask("What is the global period (GLOB DAYS) for CPT 26765?")
        assert answer.answer.startswith("The global period of 26765 is 090")

    def test_total_rvus(self) -> None:
        answer = ask("What are the total non-facility RVUs for CPT 11770 in the 2025 Medicare physician fee schedule?")
        assert "10.43" in answer.answer

    def test_bilateral(self) -> None:
        answer = ask("Is the bilateral surgery payment adjustment applicable to CPT 24065?")
        assert answer.verdict == "yes" and "150%" in answer.answer

    def test_fee_for_a_locality(self) -> None:
        answer = ask("How much does Medicare pay for 99214 in locality 01112-05?")
        assert [c.code for c in answer.codes] == ["99214"] and "$" in answer.answer and "(CA)" in answer.answer

    def test_mue_for_a_setting_that_is_not_loaded_says_so(self) -> None:
        answer = ask("What is the outpatient hospital MUE for 97761?")
        assert answer.answer.startswith("No hospital outpatient MUE table is loaded. The practitioner MUE")


def test_field_and_grouper_facts_read_in_words() -> None:
    from medcode.assistant.tools import codebook as codebook_tools
    from medcode.assistant.tools import rules as rules_tools

    cpt = codebook_tools.code_define(code="27258", system="cpt")
    texts = [f.text for f in cpt.facts]
    assert any(t.startswith("APC (Ambulatory Payment Classification): ") for t in texts), texts
    assert not any(t.startswith("Apc:") or "_" in t.split(":")[0] for t in texts)
    drg = rules_tools.drg_case(diagnoses=["I50.21", "N17.9"], procedures=[])
    assert drg.direct is not None
    assert (
        drg.direct.startswith("MS-DRG 292: ")
        and "MS-DRG v43.1 (FY2026)" in drg.direct
        and "grouper v" not in drg.direct
    )
    assert "Diagnosis N17.9: CC, used for the initial and final MS-DRG." in [f.text for f in drg.facts]
