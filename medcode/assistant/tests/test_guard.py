"""The code check: a code not in the active release is never shown, whoever wrote it."""

from __future__ import annotations

from medcode.assistant import guard
from medcode.assistant.answer import Answer, Citation, CodeRef, Fact

CITE = Citation(system="ICD-10-CM", release="2026-04", source_file="x.xml", title="test")


def test_exists_checks_system_and_code() -> None:
    assert guard.exists(CodeRef("icd10cm", "E11.9"))
    assert not guard.exists(CodeRef("icd10cm", "E11.99"))
    assert not guard.exists(CodeRef("hcpcs", "E11.9"))
    assert not guard.exists(CodeRef("nonsense", "E11.9"))


def test_cited_codes_that_do_not_exist_are_dropped() -> None:
    answer = Answer(
        answer="E11.9 is billable.",
        facts=[Fact("E11.9 and Z99.999.", CITE, (CodeRef("icd10cm", "E11.9"), CodeRef("icd10cm", "Z99.999")))],
        codes=[CodeRef("icd10cm", "E11.9"), CodeRef("icd10cm", "Z99.999"), CodeRef("cpt", "99999")],
        verdict="yes",
        kind="billable",
    )
    checked = guard.answer_verify(answer)
    assert [c.code for c in checked.codes] == ["E11.9"]
    assert [c.code for c in checked.facts[0].codes] == ["E11.9"]
    assert checked.removed_codes == 2


def test_scrub_removes_codes_the_tools_did_not_return() -> None:
    allowed = guard.codes_in_text("E11.9 Type 2 diabetes mellitus without complications")
    text, removed = guard.scrub("Use E11.9, or E11.65 or J3490 or 99499, as the chart says.", allowed=allowed)
    assert removed == 3 and "E11.9" in text and "E11.65" not in text and "J3490" not in text
    assert guard.REMOVED in text


def test_scrub_leaves_words_numbers_and_guideline_references() -> None:
    text, removed = guard.scrub("See §B3.1a; 090 days; 10.43 RVUs; type 2; FY2026.", allowed=set())
    assert removed == 0 and text == "See §B3.1a; 090 days; 10.43 RVUs; type 2; FY2026."
