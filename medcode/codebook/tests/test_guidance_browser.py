"""The guideline pages in a real browser: contents, a section, search, links to and from code pages."""

from __future__ import annotations

import pytest

from conftest import SCREENSHOTS, needs_chromium
from medcode.codebook import store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def page(browser, with_guidance: None, live_server):  # type: ignore[no-untyped-def]
    store.forget()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def test_from_the_navigation_to_a_section_and_on_to_a_code(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.click("nav[aria-label=Main] >> text=Guidelines")
    page.wait_for_url("**/guidelines/icd10cm/")
    assert "ICD-10-CM Official Guidelines for Coding and Reporting" in page.locator("h1").inner_text()
    page.click("a:has-text('Type of diabetes mellitus not documented')")
    page.wait_for_url("**/guidelines/icd10cm/I.C.4.a.2/")
    assert page.locator("h1").inner_text().startswith("Section I.C.4.a.2")
    assert "the default is E11.-, Type 2 diabetes mellitus" in page.locator(".official").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "guideline-section.png"), full_page=True)
    page.click(".official >> a:text-is('E11.-')")
    page.wait_for_url("**/codes/icd10cm/E11/")
    page.goto("/codes/icd10cm/E11.9/")
    page.click("section[aria-labelledby=guide-h] >> a:has-text('I.C.4.a.2')")
    page.wait_for_url("**/guidelines/icd10cm/I.C.4.a.2/")


def test_search_within_the_guidelines(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/guidelines/icd10cm/")
    page.fill("#gq", "external cause code never principal diagnosis")
    page.keyboard.press("Enter")
    page.wait_for_url("**/guidelines/icd10cm/search/?q=*")
    first = page.locator(".guidance-results li").first
    assert "I.C.20.a.6" in first.inner_text() and "can never be a principal" in first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "guideline-search.png"), full_page=True)
    first.locator("a").click()
    page.wait_for_url("**/guidelines/icd10cm/I.C.20.a.6/")
