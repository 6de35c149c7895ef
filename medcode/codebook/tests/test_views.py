"""Code pages, browse, releases and changes pages through Django's test client."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client()


def test_icd10cm_code_page_shows_official_text_hierarchy_and_linked_notes(client: Client) -> None:
    html = client.get("/codes/icd10cm/E11.42/").content.decode()
    assert "Type 2 diabetes mellitus with diabetic polyneuropathy" in html
    assert 'href="/codes/icd10cm/E11.4/"' in html and 'href="/codes/icd10cm/E08-E13/"' in html  # breadcrumb
    assert "Billable" in html and "generated" in html
    # an Excludes1 note at E11 names E08.- : the code in the note links to the category
    assert 'href="/codes/icd10cm/E08/">E08.-</a>' in html
    assert "ICD-10-CM FY2026 tabular list (April 1 update)" in html


def test_seventh_character_table_and_completions(client: Client) -> None:
    html = client.get("/codes/icd10cm/S72.001/").content.decode()
    assert "Needs 7th character" in html
    assert "initial encounter for closed fracture" in html and 'href="/codes/icd10cm/S72.001A/"' in html


def test_code_typed_in_another_form_redirects_to_the_canonical_page(client: Client) -> None:
    response = client.get("/codes/icd10cm/s72001a/")
    assert response.status_code == 302 and response["Location"] == "/codes/icd10cm/S72.001A/"


def test_unknown_code_gets_a_helpful_page_with_closest_codes(client: Client) -> None:
    response = client.get("/codes/icd10cm/S72.001Z/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "is not a valid ICD-10-CM code" in html and 'href="/codes/icd10cm/S72.001A/"' in html


def test_a_code_from_another_system_is_pointed_to(client: Client) -> None:
    html = client.get("/codes/icd10cm/J2680/").content.decode()
    assert "It is a code in another system" in html and 'href="/codes/hcpcs/J2680/"' in html


def test_hostile_input_is_escaped_and_never_a_stack_trace(client: Client) -> None:
    response = client.get("/codes/icd10cm/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    html = response.content.decode()
    assert response.status_code == 404 and "<script>alert(1)" not in html and "Traceback" not in html
    response = client.get("/codes/icd10cm/E11.42/?date=not-a-date")
    assert response.status_code == 400 and "is not a date; expected YYYY-MM-DD" in response.content.decode()
    response = client.get("/codes/icd9/250.00/")
    assert response.status_code == 400 and "Unknown code system" in response.content.decode()


def test_date_of_service_picks_the_release(client: Client) -> None:
    html = client.get("/codes/icd10cm/E11.42/?date=2025-03-01").content.decode()
    assert "ICD-10-CM FY2025 code titles" in html


def test_pcs_page_explains_each_character(client: Client) -> None:
    html = client.get("/codes/icd10pcs/0DTJ4ZZ/").content.decode()
    assert "Resection of Appendix, Percutaneous Endoscopic Approach" in html
    assert "Root operation" in html and "Appendix" in html and "Percutaneous Endoscopic" in html


def test_hcpcs_and_pos_pages(client: Client) -> None:
    html = client.get("/codes/hcpcs/J2680/").content.decode()
    assert "Injection, fluphenazine decanoate, up to 25 mg" in html or "Fluphenazine decanoate" in html
    assert 'href="/codes/hcpcs/J0000-J8499/"' in html
    html = client.get("/codes/pos/11/").content.decode()
    assert "Office" in html


def test_cpt_page_says_why_the_descriptor_is_absent(client: Client) -> None:
    html = client.get("/codes/cpt/99213/").content.decode()
    assert "copyrighted by the American Medical Association" in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/codes/icd10cm/",
        "/codes/icd10pcs/",
        "/codes/hcpcs/",
        "/codes/pos/",
        "/releases/",
        "/releases/icd10cm/changes/",
        "/codes/icd10cm/4/",
        "/codes/icd10pcs/0DT/",
    ],
)
def test_browse_and_shell_pages_render(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert '<main id="main"' in html and 'role="search"' in html and "<nav" in html


def test_search_goes_straight_to_an_exact_code_and_lists_words(client: Client) -> None:
    response = client.get("/search/", {"q": "e1142"})
    assert response.status_code == 302 and response["Location"] == "/codes/icd10cm/E11.42/"
    html = client.get("/search/", {"q": "diabetic polyneuropathy"}).content.decode()
    assert 'href="/codes/icd10cm/E11.42/"' in html


def test_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "There is no page at this address" in response.content.decode()


def test_an_incomplete_pcs_code_page_lists_the_codes_that_complete_it(client: Client) -> None:
    # where the PCS index leads ("Computerized Tomography (CT Scan), Abdomen BW20"), not a "not found" page
    response = client.get("/codes/icd10pcs/BW20/")
    html = response.content.decode()
    assert response.status_code == 200 and "is an incomplete ICD-10-PCS code" in html
    assert html.count('href="/codes/icd10pcs/BW20') == 7 and 'href="/codes/icd10pcs/BW2/"' in html
    # a prefix that no code completes is still not found
    assert client.get("/codes/icd10pcs/BW2Q/").status_code == 404


def test_inherited_notes_name_the_level_they_come_from(client: Client) -> None:
    html = client.get("/codes/icd10cm/E11.9/").content.decode()
    assert 'href="/codes/icd10cm/4/">chapter 4</a>' in html  # not "At 4"
    assert 'href="/codes/icd10cm/E11/">E11</a></h3>' in html


def test_a_code_missing_from_a_release_reads_with_the_right_article(client: Client) -> None:
    from medcode.codebook import selectors
    from medcode.core.errors import CodeNotFound

    with pytest.raises(CodeNotFound) as found:
        selectors.concept_get(system="icd10cm", code="S72.001Z")
    assert "S72.001Z is not an ICD-10-CM code in" in found.value.message
