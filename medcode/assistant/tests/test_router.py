"""The intent router: the many ways people phrase each kind of question."""

from __future__ import annotations

import pytest

from medcode.assistant import router


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is ICD-10-CM code E11.42?", "define"),
        ("what does c600 mean", "define"),
        ("icd10 m84752k?", "define"),
        ("e11.9", "define"),
        ("What is 99213?", "define"),
        ("Is ICD-10-CM code R51 billable?", "billable"),
        ("Can E11.9 be reported on a claim as is?", "billable"),
        ("Can ICD-10-CM codes J20.4 and J40 be coded together?", "icd_excludes"),
        ("Is it OK to report M54.42 together with M51.362 on the same encounter?", "icd_excludes"),
        ("In category S52, what 7th character is used for a subsequent encounter with nonunion?", "seventh"),
        ("Can I bill 27258 with 27250?", "ncci_pair"),
        ("In the outpatient hospital setting, can 51080 be billed with 51702 on the same day?", "ncci_pair"),
        ("What is the MUE for 97761?", "mue"),
        ("What is the global period for 27447?", "pfs"),
        ("What are the RVUs for 99213?", "pfs"),
        ("What does modifier LT mean?", "modifier_define"),
        ("what is modifier 59", "modifier_define"),
        ("Which modifier for a distinct procedural service?", "modifier_find"),
        ("What is place of service 22?", "pos_define"),
        ("What does POS code 31 stand for?", "pos_define"),
        ("ICD-10 for type 2 diabetes with neuropathy?", "scenario"),
        ("Is E11.9 an HCC?", "hcc"),
        ("What is the ICD-10 code for ICD-9 250.00?", "crosswalk"),
        ("Is M54.5 valid for billing?", "billable"),
        ("Can I use code R10.1 on a claim?", "billable"),
        ("How many units of 96372 can be billed per day?", "mue"),
        ("acute appendicitis icd-10 code?", "scenario"),
        ("Which HCPCS code reports a commode chair with fixed arms?", "search"),
        ("What are the NCCI edits for 20553?", "ncci_list"),
        ("Which 7th character means subsequent encounter for a closed fracture with nonunion?", "seventh_meaning"),
        ("HCPCS code for a lightweight wheelchair. A. K0001  B. K0002  C. K0004  D. K0003", "choice"),
        ("Should G63 be added to E11.42?", "icd_excludes"),
        ("What is the 7th character for sequela in category S32?", "seventh"),
        ("Are 99213 and 20610 bundled?", "ncci_pair"),
        ("What does an NCCI modifier indicator of 1 mean?", "concept"),
        ("What is the MS-DRG for principal diagnosis A41.9 with N17.9?", "drg"),
        ("Is J96.01 an MCC?", "drg"),
        ("How much does Medicare pay for 99214 in locality 01112-05?", "pfs"),
        ("Guidelines for E/M services", "concept"),
        ("What is medical necessity?", "concept"),
    ],
)
def test_question_kinds(question: str, kind: str) -> None:
    assert router.route(question).kind == kind


def test_codes_are_resolved_to_their_system_and_official_form() -> None:
    intent = router.route("Can ICD-10-CM codes j204 and J40 be coded together?")
    assert [(m.system, m.code) for m in intent.codes] == [("icd10cm", "J20.4"), ("icd10cm", "J40")]
    intent = router.route("In the outpatient hospital setting, can CPT/HCPCS 51080 be billed with 51702?")
    assert intent.setting == "hospital" and [m.code for m in intent.codes] == ["51080", "51702"]


def test_years_and_words_are_not_codes() -> None:
    intent = router.route("Can E11.9 be reported on a claim as is, under FY2026 ICD-10-CM in 2026?")
    assert [m.code for m in intent.codes] == ["E11.9"] and intent.unknown == []


def test_a_code_that_exists_nowhere_is_kept_apart() -> None:
    intent = router.route("Is K99.99 billable?")
    assert intent.codes == [] and intent.unknown == ["K99.99"] and intent.kind == "billable"


def test_billing_question_about_a_code_in_no_release_is_answered_as_unknown() -> None:
    intent = router.route("What is the global period (GLOB DAYS) for CPT D7261 in the 2025 fee schedule?")
    assert intent.kind == "define" and intent.unknown == ["D7261"]


def test_date_of_service_in_the_question() -> None:
    assert str(router.route("Was E11.9 billable on 2025-01-15?").as_of) == "2025-01-15"
