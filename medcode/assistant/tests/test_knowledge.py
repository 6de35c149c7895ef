"""The knowledge base: articles in the team's words, each citing its public source, every code in them real."""

from __future__ import annotations

import pytest

from medcode.assistant import guard, knowledge
from medcode.codebook import codes


def test_every_article_names_its_public_source() -> None:
    articles = knowledge.article_list()
    assert len(articles) >= 10
    for article in articles:
        assert article.source and article.url.startswith("https://"), article.slug
        assert len(article.paragraphs) >= 3, article.slug


def test_topics_cover_the_issue() -> None:
    topics = {t for a in knowledge.article_list() for t in a.topics}
    assert {"guidelines", "icd10cm", "icd10pcs", "ncci", "modifiers", "compliance", "coverage", "em"} <= topics


def test_every_code_an_article_states_exists() -> None:
    for article in knowledge.article_list():
        for paragraph in article.paragraphs:
            for token in codes.code_tokens(paragraph):
                assert guard.exists_anywhere(token), f"{article.slug}: {token}"


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("What do Excludes1 and Excludes2 notes mean?", "icd10cm-conventions"),
        ("What is the global period of a major surgery?", "global-surgery"),
        ("How do I pick an E/M level by time?", "em-levels"),
        ("What does an NCCI PTP modifier indicator of 1 mean?", "ncci-ptp"),
        ("What is an MUE adjudication indicator?", "mue"),
        ("When is an ABN needed for medical necessity?", "medical-necessity"),
        ("What does Medicare Part B cover?", "medicare-coverage"),
        ("What are upcoding and unbundling?", "compliance"),
        ("How do I code uncertain diagnoses in the outpatient setting?", "icd10cm-outpatient"),
        ("What 7th character for an initial encounter for an injury?", "icd10cm-chapter-guidelines"),
        ("How is the principal diagnosis chosen for an inpatient admission?", "icd10cm-inpatient"),
        ("Can an add-on code be billed without its primary procedure?", "addon-codes"),
    ],
)
def test_retrieval_finds_the_article(question: str, slug: str) -> None:
    result = knowledge.article_search(query=question)
    assert result.found and result.facts[0].citation.source_file.endswith(f"{slug}.md")


def test_pcs_guideline_retrieval_cites_the_guideline_release() -> None:
    result = knowledge.guideline_search(query="biopsy followed by more definitive treatment")
    assert result.found and result.facts[0].citation.system == "ICD-10-PCS"
    assert "§B3.4b" in result.facts[0].text
