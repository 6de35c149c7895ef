"""The official guidance documents in the codebook: selectors, pages, links both ways, REST and CLI give one text."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from medcode.cli.main import main
from medcode.codebook import guidance

pytestmark = pytest.mark.django_db

I_B_5 = (
    "Signs and symptoms that are associated routinely with a disease process should not be assigned as additional"
    " codes, unless otherwise instructed by the classification."
)


def test_a_section_by_its_reference_with_version_dates_and_citation(with_guidance: None) -> None:
    section = guidance.section_get(document="icd10cm", ref="I.B.5")
    assert section.text == I_B_5 and section.page == "13"
    assert section.release.version == "FY 2026"
    assert (str(section.release.effective_from), str(section.release.effective_to)) == ("2025-10-01", "2026-09-30")
    assert section.citation == "ICD-10-CM Official Guidelines FY 2026, Section I.B.5"
    assert guidance.section_get(document="icd10cm", ref="i.b.5") == section  # as people type it
    assert (
        guidance.section_get(document="icd10cm", ref="Appendix-I").title == "Present on Admission Reporting Guidelines"
    )
    ncci = guidance.section_get(document="ncci", ref="I.E")
    assert ncci.citation == "NCCI Policy Manual 2026, Chapter I, section E" and ncci.page == "I-14"
    with pytest.raises(guidance.SectionNotFound, match=r"has no section I\.Z\.9"):
        guidance.section_get(document="icd10cm", ref="I.Z.9")


def test_links_both_ways_between_codes_and_sections(with_guidance: None) -> None:
    refs = [s.ref for s in guidance.sections_for_code(code="E11.9")]
    assert refs[0] == "I.C.4"  # the chapter (E00-E89) first
    assert "I.C.4.a.2" in refs  # "the default is E11.-"
    section = guidance.section_get(document="icd10cm", ref="I.C.2.e.2")
    named = [c.code for c in guidance.section_codes(section=section)]
    assert named[:2] == ["Z51.0", "Z51.11"] and all(c.startswith("Z51") for c in named)


def test_contents_section_and_search_pages(with_guidance: None) -> None:
    client = Client()
    html = client.get("/guidelines/icd10cm/").content.decode()
    assert "ICD-10-CM Official Guidelines for Coding and Reporting" in html and "FY 2026" in html
    assert 'href="/guidelines/icd10cm/I.B.5/"' in html and 'href="/guidelines/icd10cm/Appendix-I/"' in html
    assert html.index('href="/guidelines/icd10cm/I.B.5/"') < html.index('href="/guidelines/icd10cm/IV.H/"')
    html = client.get("/guidelines/icd10cm/I.C.4.a.2/").content.decode()
    assert "If the type of diabetes mellitus is not documented in the medical record the default is" in html
    assert 'href="/codes/icd10cm/E11/">E11.-</a>' in html  # the code it names links to its page
    assert 'href="/guidelines/icd10cm/I.C.4.a/"' in html  # breadcrumb
    html = client.get("/guidelines/icd10cm/search/", {"q": "external cause first-listed"}).content.decode()
    assert 'href="/guidelines/icd10cm/I.C.20.a.6/"' in html
    html = client.get("/guidelines/ncci/I.E/").content.decode()
    assert "Modifiers and Modifier Indicators" in html and "NCCI Policy Manual 2026, Chapter I, section E" in html
    assert client.get("/guidelines/icd10cm/I.Z.9/").status_code == 404
    assert client.get("/guidelines/nope/").status_code == 404


def test_a_code_page_lists_the_guideline_sections_that_name_it(with_guidance: None) -> None:
    html = Client().get("/codes/icd10cm/E11.9/").content.decode()
    assert "Official guidelines" in html
    assert 'href="/guidelines/icd10cm/I.C.4/"' in html and 'href="/guidelines/icd10cm/I.C.4.a.2/"' in html


def test_pages_say_which_file_to_import_when_the_guidelines_are_absent() -> None:
    response = Client().get("/guidelines/icd10cm/")
    html = response.content.decode()
    assert response.status_code == 200  # linked from the navigation: it says what to import, it is no error
    assert Client().get("/guidelines/icd10cm/I.B.5/").status_code == 404
    assert "medcode build --source icd10cm-guidelines" in html and "fy-2026-icd-10-cm-coding-guidelines.pdf" in html
    assert "Official guidelines" not in Client().get("/codes/icd10cm/E11.9/").content.decode()


def test_rest_and_cli_give_the_same_text(with_guidance: None, capsys: pytest.CaptureFixture[str]) -> None:
    client = Client()
    body = client.get("/api/v1/guidelines/icd10cm/I.B.5").json()
    assert body["text"] == I_B_5 and body["version"] == "FY 2026" and body["section"] == "I.B.5"
    assert body["citation"] == "ICD-10-CM Official Guidelines FY 2026, Section I.B.5"
    found = client.get("/api/v1/guidelines/ncci/search", {"q": "NCCI PTP-associated modifiers"}).json()
    assert found["results"][0]["section"] == "I.E"
    assert client.get("/api/v1/guidelines/icd10cm/I.Z.9").status_code == 404
    assert main(["guideline", "I.B.5", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["text"] == body["text"] and cli["version"] == "FY 2026"
    assert main(["guideline", "I.B.5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ICD-10-CM Official Guidelines FY 2026, Section I.B.5: ") and I_B_5 in out


def test_rest_and_cli_say_how_to_import_when_absent(capsys: pytest.CaptureFixture[str]) -> None:
    response = Client().get("/api/v1/guidelines/icd10cm/I.B.5")
    assert response.status_code == 404 and "medcode build --source icd10cm-guidelines" in response.json()["error"]
    assert main(["guideline", "I.B.5"]) == 2
    assert "medcode build --source icd10cm-guidelines" in capsys.readouterr().err
