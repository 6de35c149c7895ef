"""The desk's interface to the assistant: the labelled codebook fallback, and the mapping of the assistant's answer."""

from __future__ import annotations

from typing import Any

import pytest

from medcode.assistant.answer import Answer as AssistantAnswer
from medcode.assistant.answer import Citation, CodeRef, Fact
from medcode.consult import answering

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("codebook")]


def test_fallback_looks_up_the_codes_named_and_says_it_is_a_fallback() -> None:
    answer = answering.fallback_answer("Is E11.9 billable, and what about i10 and 99213?")
    assert answer.source == "fallback" and answer.text.startswith(answering.FALLBACK_LABEL)
    assert {"system": "icd10cm", "code": "E11.9"} in answer.codes and {
        "system": "icd10cm",
        "code": "I10",
    } in answer.codes
    assert "Type 2 diabetes mellitus without complications" in answer.text
    assert answer.citations and answer.confidence >= 0.6


def test_fallback_with_an_unknown_code_is_not_confident() -> None:
    answer = answering.fallback_answer("Is E11.9 or Q99.99X billable?")
    assert "Not found in the active code sets: Q99.99X" in answer.text
    assert answer.confidence < 0.6


def test_fallback_without_codes_has_no_answer() -> None:
    answer = answering.fallback_answer("How do I sequence sepsis with STUDENT pneumonia?")
    assert (answer.text, answer.codes, answer.confidence) == ("", [], 0.0)


def _assistant_answer(**overrides: Any) -> AssistantAnswer:
    """An Answer of medcode.assistant, as its compose step builds it."""
    citation = Citation(
        system="ICD-10-CM", release="FY2026", source_file="icd10cm_tabular_2026.xml", title="Tabular List"
    )
    code = CodeRef(system="icd10cm", code="E11.9")
    fields: dict[str, Any] = {
        "answer": "Yes: E11.9 is billable.",
        "facts": [Fact(text="E11.9 is billable", citation=citation, codes=(code,))],
        "codes": [code],
        "verdict": "yes",
        "kind": "billable",
        "tools": ["code_billable"],
    }
    fields.update(overrides)
    tools = fields.pop("tools")
    removed = fields.pop("removed_codes", 0)
    answer = AssistantAnswer(**fields)
    answer.tools, answer.removed_codes = tools, removed
    return answer


@pytest.mark.parametrize(
    "overrides,confidence",
    [
        ({}, 0.9),
        ({"verdict": None, "codes": []}, 0.7),
        ({"kind": "unknown"}, 0.5),
        ({"tools": ["article_search"], "verdict": None, "codes": []}, 0.5),
        ({"tools": ["code_search", "article_search"]}, 0.5),
        ({"removed_codes": 1}, 0.4),
        ({"facts": []}, 0.0),
    ],
)
def test_the_assistants_answer_is_mapped_with_a_confidence(overrides: dict[str, Any], confidence: float) -> None:
    mapped = answering.from_assistant_answer(_assistant_answer(**overrides))
    assert mapped.confidence == confidence and mapped.source == "assistant"
    if mapped.text:
        assert mapped.text.startswith("Yes: E11.9 is billable.\n- E11.9 is billable [1]")
        assert "[1] ICD-10-CM FY2026 (icd10cm_tabular_2026.xml): Tabular List" in mapped.text


def test_the_desk_uses_the_assistant_when_it_is_installed() -> None:
    assert answering.assistant_available()
    answer = answering.answer_question("Is E11.9 billable?")
    assert answer.source == "assistant" and answer.confidence >= 0.6
    assert {"system": "icd10cm", "code": "E11.9"} in answer.codes
    assert "Sources:" in answer.text and answering.FALLBACK_LABEL not in answer.text


def test_a_question_that_cannot_be_drafted_gets_an_empty_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from medcode.core.errors import ApplicationError

    def refuse(text: str) -> answering.Answer:
        raise ApplicationError("Ask a question: the text is empty")

    monkeypatch.setattr(answering, "fallback_answer", refuse)
    monkeypatch.setattr(answering, "_from_assistant", refuse)
    answer = answering.answer_question("")
    assert (answer.text, answer.confidence) == ("", 0.0)
