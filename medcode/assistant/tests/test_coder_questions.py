"""Questions as coders ask them, on the real default codebook: scenarios through case-to-code with the stated
encounter and side, 7th characters asked without a code, lettered options, NCCI edits of one code, HCPCS
descriptors, and plain "I don't know" instead of an off-topic answer."""

from __future__ import annotations

import pytest

from medcode.assistant import compose, router, services
from medcode.assistant.answer import Answer
from medcode.assistant.tests.test_answers import assert_grounded
from medcode.assistant.tools import scenario


def ask(question: str) -> Answer:
    return services.assistant_ask(question=question, use_llm=False)


def codes(answer: Answer) -> list[str]:
    return [c.code for c in answer.codes]


# --- reading the question ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "healing"),
    [
        ("a closed fracture of the femur, initial encounter", "initial", "routine healing"),
        (
            "two days later orthopedics evaluates the patient and continues active treatment",
            "initial",
            "routine healing",
        ),
        ("seen for cast removal", "subsequent", "routine healing"),
        ("subsequent encounter for a closed fracture with nonunion", "subsequent", "nonunion"),
        ("fracture with delayed healing", "subsequent", "delayed healing"),
        ("hemiplegia as a sequela of the stroke", "sequela", "routine healing"),
    ],
)
def test_the_encounter_is_read_from_the_question(text: str, kind: str, healing: str) -> None:
    encounter = scenario.encounter_read(text)
    assert encounter is not None and (encounter.kind, encounter.healing) == (kind, healing)


def test_no_encounter_is_read_where_none_is_said() -> None:
    assert scenario.encounter_read("COPD with acute exacerbation") is None


def test_the_scenario_is_the_question_without_its_asking_words() -> None:
    assert scenario.description_of("What is the code for an acute DVT of the right femoral vein?") == (
        "an acute DVT of the right femoral vein"
    )
    assert scenario.description_of("Patient admitted for pneumonia. Which code is principal?") == (
        "Patient admitted for pneumonia."
    )


def test_options_are_split_only_when_lettered_in_order() -> None:
    stem, options = router.options_split("Sepsis due to Pseudomonas. A. A41.51  B. A41.9  C. B96.5  D. A41.52") or (
        "",
        [],
    )
    assert stem == "Sepsis due to Pseudomonas." and [o[0] for o in options] == ["A", "B", "C", "D"]
    assert options[3] == ("D", "A41.52")
    assert router.options_split("Is vitamin B. deficiency coded with E53.8?") is None


# --- code questions through case-to-code --------------------------------------------------------------
def test_a_fracture_question_gets_the_code_of_its_side_and_encounter() -> None:
    answer = ask(
        "What is the ICD-10-CM code for a closed fracture of the neck of the left femur, part not specified,"
        " initial encounter?"
    )
    assert answer.kind == "scenario" and codes(answer)[0] == "S72.002A"
    assert "S72.001A" not in codes(answer) and "S72.002D" not in codes(answer)
    assert "initial encounter for closed fracture" in answer.text()
    assert_grounded(answer)


def test_a_subsequent_encounter_gets_d() -> None:
    answer = ask("Code for a traumatic subdural hemorrhage without loss of consciousness, subsequent encounter?")
    assert "S06.5X0D" in codes(answer) and "S06.5X0A" not in codes(answer)


def test_the_dominant_side_follows_the_hand_the_patient_favours() -> None:
    answer = ask("A right-handed patient has left-sided hemiparesis from a cerebral infarction last year. Which code?")
    assert codes(answer)[:1] == ["I69.354"] and "I69.352" not in codes(answer)
    assert_grounded(answer)


def test_a_scenario_question_reports_the_whole_set_with_its_checks() -> None:
    answer = ask(
        "Type 2 diabetic with hypoglycemia without coma; provider documents level 2 hypoglycemia. Which codes?"
    )
    assert {"E11.649", "E16.A2"} <= set(codes(answer))
    assert answer.answer.startswith("Report ")


def test_an_uncertain_diagnosis_outside_the_hospital_is_not_coded_and_nothing_off_topic_is_shown() -> None:
    answer = ask("How do I code rule out pneumonia in an outpatient visit?")
    assert "Z03.71" not in codes(answer) and codes(answer) == []
    assert "uncertain" in answer.answer and "IV.H" in answer.answer


def test_words_no_code_states_get_a_plain_i_dont_know() -> None:
    answer = ask("What is the code for a purple unicorn bite of the wing?")
    assert answer.answer == compose.DONT_KNOW and codes(answer) == []


# --- 7th characters asked without a code ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "char"),
    [
        ("Which 7th character means subsequent encounter for a closed fracture with nonunion?", "K"),
        ("Which 7th character means subsequent encounter for a closed fracture with delayed healing?", "G"),
        ("What 7th character is used on the fracture code for an encounter for cast removal?", "D"),
    ],
)
def test_the_seventh_character_of_a_described_encounter(question: str, char: str) -> None:
    answer = ask(question)
    assert answer.kind == "seventh_meaning"
    assert answer.answer.startswith(f"7th character {char}:")
    assert_grounded(answer)


# --- lettered options ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "letter", "code"),
    [
        ("Sepsis due to Pseudomonas. A. A41.51  B. A41.9  C. B96.5  D. A41.52", "D", "A41.52"),
        (
            "Personal history of malignant neoplasm of the breast. A. Z80.3  B. C50.919  C. Z86.000  D. Z85.3",
            "D",
            "Z85.3",
        ),
        (
            "Displaced closed fracture of the shaft of the right clavicle, initial encounter."
            " A. S42.024A  B. S42.022A  C. S42.021D  D. S42.021A",
            "D",
            "S42.021A",
        ),
    ],
)
def test_a_lettered_question_names_the_option_and_why(question: str, letter: str, code: str) -> None:
    answer = ask(question)
    assert answer.kind == "choice"
    assert answer.answer.startswith(f"Answer {letter}: ") and "Why:" in answer.answer
    assert codes(answer) == [code]
    assert_grounded(answer)


@pytest.mark.usefixtures("with_rules")
def test_a_lettered_question_without_codes_is_answered_from_the_tools() -> None:
    answer = ask("What is the Medicare PFS global days indicator for CPT 10060? A. 000  B. 010  C. 090  D. XXX")
    assert answer.answer.startswith("Answer B: 010.")
    assert_grounded(answer)


# --- NCCI edits of one code ---------------------------------------------------------------------------------
def test_the_ncci_edits_of_one_code_are_listed_with_their_modifier_indicators() -> None:
    answer = ask("What are the NCCI edits for 20553?")
    assert answer.kind == "ncci_list" and codes(answer) == ["20553"]
    assert "20553 is column 1 in" in answer.answer
    text = answer.text()
    assert "Column 1 20553, column 2" in text and "indicator 1" in text
    assert_grounded(answer)


# --- Excludes, modifiers ------------------------------------------------------------------------------------
def test_adding_a_manifestation_to_its_combination_code_is_an_excludes_question() -> None:
    answer = ask("Should G63 be added to E11.42 for diabetic polyneuropathy? Answer yes or no.")
    assert answer.kind == "icd_excludes" and answer.verdict == "no"


@pytest.mark.shared_data
@pytest.mark.usefixtures("with_hcpcs")
def test_plural_modifiers_question_finds_both() -> None:
    answer = ask("Which HCPCS modifiers identify procedures on the right side and the left side of the body?")
    assert answer.kind == "modifier_find"
    assert {"RT", "LT"} <= set(codes(answer))


# --- HCPCS Level II descriptors -------------------------------------------------------------------------
@pytest.mark.shared_data
@pytest.mark.usefixtures("with_hcpcs")
@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("Which HCPCS code reports advanced life support, level 2?", "A0433"),
        ("Which HCPCS code reports a commode chair with fixed arms?", "E0163"),
    ],
)
def test_hcpcs_questions_search_the_level_ii_descriptors(question: str, code: str) -> None:
    answer = ask(question)
    assert answer.kind == "search" and codes(answer)[0] == code


def test_a_stated_stage_picks_the_sibling_whose_stages_hold_it() -> None:
    answer = ask("Which ICD-10-CM code for hypertension with CKD stage 3a?")
    assert codes(answer)[:2] == ["I12.9", "N18.31"] and "I12.0" not in codes(answer)


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("Which modifier identifies the assistant surgeon?", "80"),
        ("Which modifier reports a repeat procedure by another physician on the same day?", "77"),
        (
            "Which modifier is used for an unrelated E/M service by the same physician during a postoperative global period?",
            "24",
        ),
    ],
)
def test_a_described_cpt_modifier_is_found_in_the_teams_reference(question: str, code: str) -> None:
    answer = ask(question)
    assert answer.kind == "modifier_find" and answer.answer.startswith(f"Modifier {code}: ")
    assert "own words" in answer.answer
    assert_grounded(answer)


@pytest.mark.shared_data
@pytest.mark.usefixtures("with_hcpcs")
def test_a_descriptor_saying_without_what_the_question_says_with_comes_after() -> None:
    answer = ask("Which HCPCS code reports a fixed-height hospital bed with side rails and mattress?")
    assert codes(answer)[0] == "E0250"


def test_the_partners_notes_name_are_added_in_the_order_the_notes_give() -> None:
    # ESRD is named by I12.0's own title ("or end stage renal disease"), not by I12.9's "unspecified"; I12.0 says
    # use additional code for the stage (N18.6), and N18.6 says use additional code for dialysis status (Z99.2)
    answer = ask("Which codes report hypertension with ESRD in a patient on hemodialysis?")
    assert codes(answer)[:3] == ["I12.0", "N18.6", "Z99.2"]
    assert_grounded(answer)


def test_two_codes_of_a_category_that_say_with_and_without_are_not_coded_together() -> None:
    answer = ask("Can I report K21.9 with K21.0? Answer yes or no.")
    assert answer.verdict == "no" and answer.answer.startswith("No: ")
    assert "without esophagitis and with esophagitis" in answer.answer


def test_a_search_fallback_reports_only_its_best_match() -> None:
    answer = ask("Which code reports a laceration without foreign body of the right hand, initial encounter?")
    assert codes(answer) == ["S61.411A"]
