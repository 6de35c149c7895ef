"""Guideline, sequencing and policy questions: the official section quoted verbatim with its number and version."""

from __future__ import annotations

import re
import time

import pytest

from medcode.assistant import services
from medcode.assistant.answer import Answer
from medcode.assistant.router import route
from medcode.assistant.tools import guidance as guidance_tool
from medcode.codebook import guidance
from medcode.search import guidance as retrieval

pytestmark = pytest.mark.django_db
QUOTE = re.compile(
    r"(ICD-10-CM Official Guidelines|NCCI Policy Manual) (FY 2026|2026), (Section [^:\n\"]+|Chapter [^:\n\"]+): \"(.+?)\""
)


def ask(question: str) -> Answer:
    return services.assistant_ask(question=question, use_llm=False)


def assert_verbatim(answer: Answer) -> list[str]:
    """Every quotation in the answer is the text of the section it names, word for word; their refs."""
    refs = []
    for document, _version, label, text in QUOTE.findall(answer.text()):
        key = "icd10cm" if document.startswith("ICD") else "ncci"
        ref = label.removeprefix("Section ")
        if key == "ncci":
            chapter, _, letter = label.removeprefix("Chapter ").partition(", section ")
            ref = f"{chapter}.{letter}" if letter else chapter
        section = guidance.section_get(document=key, ref=ref)
        assert text.removesuffix(" [...]") in " ".join(section.text.split()), (ref, text)
        refs.append(ref)
    assert refs, answer.text()
    return refs


def test_a_guideline_question_is_answered_by_quoting_the_section(with_guidance: None) -> None:
    answer = ask("Can I code signs and symptoms that are routinely associated with a confirmed diagnosis?")
    assert answer.kind == "guidance" and answer.verdict == "no"
    assert answer.answer.startswith("No. ICD-10-CM Official Guidelines FY 2026, Section I.")
    refs = assert_verbatim(answer)
    assert refs[0] in ("I.B.5", "I.C.18.b")  # both say it: "should not be assigned as additional codes"
    assert "should not be assigned as additional codes" in answer.answer


def test_sequencing_and_default_questions_quote_the_rule_that_settles_them(with_guidance: None) -> None:
    answer = ask("A patient is admitted solely for IV chemotherapy for breast cancer. Which code is sequenced first?")
    assert "Z51.11" in answer.text() and assert_verbatim(answer)
    answer = ask("Diabetes mellitus is documented with no type and no complications. Which code is the default?")
    assert assert_verbatim(answer)[0] == "I.C.4.a.2" and "E11" in answer.answer
    answer = ask("Can an external cause code be the first-listed diagnosis?")
    assert answer.verdict == "no" and assert_verbatim(answer)[0] == "I.C.20.a.6"


def test_a_policy_question_quotes_the_ncci_manual(with_guidance: None) -> None:
    answer = ask("Which modifiers are NCCI PTP-associated modifiers that may bypass an edit?")
    assert assert_verbatim(answer)[0] == "I.E"
    assert "NCCI Policy Manual 2026, Chapter I, section E" in answer.answer


def test_a_question_nothing_answers_says_so_with_the_nearest_sections(with_guidance: None) -> None:
    answer = ask("What is the policy on parking validation for visitors to the hospital garage?")
    assert answer.answer.startswith("Nothing in the")
    assert answer.facts and all(f.text.startswith("Nearest section") for f in answer.facts)
    assert all(f.citation.system in {d.title for d in guidance.DOCUMENTS.values()} for f in answer.facts)


def test_without_the_guidelines_the_assistant_answers_as_before() -> None:
    result = guidance_tool.guidance_answer(question="Can I code signs and symptoms of a confirmed diagnosis?")
    assert not result.found and result.direct == guidance_tool.MSG_NOT_IMPORTED
    answer = ask("Can I code signs and symptoms of a confirmed diagnosis?")
    assert not answer.answer.startswith("Nothing in the") and "Official Guidelines FY" not in answer.text()


def test_routing_of_guidance_questions() -> None:
    assert route("Can I code signs and symptoms that are routinely associated with a confirmed diagnosis?").kind == (
        "guidance"
    )
    assert route("Patient admitted for pneumonia develops sepsis on day 3. Which code is principal?").kind == "guidance"
    assert route("Drowsiness caused by a drug taken as prescribed. Which codes, in order?").kind == "guidance"
    assert route("Is E11.9 billable?").kind == "billable"  # a billable question stays one
    assert route("what does c600 mean").kind == "define"


def test_the_index_is_built_once_and_answers_are_fast(with_guidance: None) -> None:
    retrieval.guidance_warm()
    started = time.perf_counter()
    for _ in range(5):
        retrieval.guidance_search(query="signs and symptoms routinely associated with a disease process", limit=5)
    assert (time.perf_counter() - started) / 5 < 0.1
