"""Modifier questions on a codebook with the CMS HCPCS file (the modifiers come with it)."""

from __future__ import annotations

import pytest

from medcode.assistant import services

pytestmark = [pytest.mark.shared_data, pytest.mark.usefixtures("with_hcpcs")]


@pytest.mark.parametrize(
    ("question", "code", "word"),
    [
        ("What does modifier LT mean?", "LT", "left"),
        ("What is HCPCS modifier KX used for?", "KX", "medical policy"),
        ("JW modifier?", "JW", "discarded"),
        (
            "Which HCPCS modifier marks a service as distinct because it occurred during a separate encounter?",
            "XE",
            "separate encounter",
        ),
        (
            "Which modifier is used when a service was performed by a different practitioner?",
            "XP",
            "different practitioner",
        ),
        ("Which HCPCS finger modifier is the left thumb?", "FA", "thumb"),
        ("Which HCPCS modifier identifies the right great toe?", "T5", "great toe"),
        ("Which modifier bills only the technical component?", "TC", "technical component"),
    ],
)
def test_modifier_questions(question: str, code: str, word: str) -> None:
    answer = services.assistant_ask(question=question, use_llm=False)
    assert answer.codes[0].code == code and answer.codes[0].system == "modifier"
    assert word in answer.answer.lower()
    assert answer.facts[0].citation.source_file == "HCPC2026_JAN_ANWEB_01122026.txt"


def test_cpt_modifier_is_explained_from_the_team_reference() -> None:
    answer = services.assistant_ask(question="What is modifier 59?", use_llm=False)
    assert answer.answer.startswith("Modifier 59: Distinct procedural service") and "AMA" in answer.answer
    assert all(f.citation.source_file == "medcode/rules/modifiers.toml" for f in answer.facts)
    assert answer.codes == []  # not in the HCPCS release, so never cited as a code


def test_hcpcs_long_descriptor_from_the_cms_file() -> None:
    answer = services.assistant_ask(question="What is HCPCS code A7016?", use_llm=False)
    assert "mouthpiece" in answer.text().lower() and answer.codes[0].code == "A7016"


def test_without_the_hcpcs_file_modifiers_say_how_to_load_them(settings, default_codebook) -> None:  # type: ignore[no-untyped-def]
    from medcode.codebook import store

    settings.MEDCODE_CODEBOOK_DIR = default_codebook.parent
    store.forget()
    answer = services.assistant_ask(question="What does modifier LT mean?", use_llm=False)
    assert "--source hcpcs" in answer.answer and answer.codes == []
