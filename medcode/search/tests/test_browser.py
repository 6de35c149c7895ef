"""Search pages in a real browser: the autocomplete widget by keyboard, case-to-code, the index page."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SCREENSHOTS, needs_chromium
from medcode.codebook import store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture
def page(browser, default_codebook: Path, live_server):  # type: ignore[no-untyped-def]
    store.forget()
    from medcode.search import services

    services.warm_up()  # the live server's thread shares this process's search structures
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def test_autocomplete_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    box = page.locator("#home-q")
    box.click()
    box.type("dm2 w polyneur", delay=20)
    options = page.locator("#home-q-suggestions [role=option]")
    # on a slow machine the debounce may fire mid-typing: wait for the suggestions of the whole query
    page.locator("#home-q-suggestions [role=option]", has_text="E11.42").first.wait_for(timeout=15_000)
    assert 1 <= options.count() <= 10
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#home-q-suggestions mark").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "autocomplete.png"))
    page.keyboard.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert page.locator("#home-q-suggestions").is_hidden()
    page.keyboard.press("ArrowDown")  # reopens the list on its first option
    page.keyboard.press("Enter")
    page.wait_for_url("**/codes/icd10cm/**")
    assert page.locator("h1").inner_text().startswith("E11.42")


def test_enter_without_a_choice_submits_the_search(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/search/")
    page.fill("#q", "plaque psoraisis")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=plaque*")
    assert page.locator("table.results td.code").first.inner_text() == "L40.0"
    assert page.locator("text=psoraisis").count() >= 1  # "read as" shows the correction
    page.screenshot(path=str(SCREENSHOTS / "search-results.png"), full_page=True)


def test_search_works_without_javascript(browser, default_codebook: Path, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto("/search/?q=chf&system=icd10cm")
    assert page.locator("table.results td.code").count() >= 3
    context.close()


def test_case_to_code_page(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/case2code/")
    page.fill("#note", "Type 2 diabetes and hypertension. Denies chest pain. Family history of breast cancer.")
    page.click("button:text('Suggest codes')")
    page.wait_for_selector("table.case-codes")
    codes = page.locator("table.case-codes td.code a").all_inner_texts()
    assert "E11.9" in codes and "I10" in codes
    assert page.locator("#excluded").count() == 1 and page.locator("text=negated").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "case2code.png"), full_page=True)


def test_an_incomplete_procedure_code_leads_to_its_completions(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/case2code/")
    page.fill("#note", "An abdominal computed tomography was performed.")
    page.click("button:text('Suggest codes')")
    row = page.locator("table.case-codes tr", has=page.locator("a:text-is('BW20')"))
    assert row.locator(".badge:text('incomplete')").count() == 1
    assert page.locator(".checks li:has-text('BW20 is incomplete')").count() == 1
    row.locator("a:text-is('BW20')").click()
    page.wait_for_selector("table.partial-completions")
    assert "BW20 is an incomplete ICD-10-PCS code" in page.locator("h1").inner_text()
    assert page.locator("table.partial-completions td.code a").count() == 7


def test_index_page_and_every_field_labelled(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/index/")
    assert page.locator("h1").inner_text() == "Alphabetic Index"
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    for path in ("/search/?q=fracture", "/case2code/", "/index/"):
        page.goto(path)
        unlabeled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(
                 e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)"""
        )
        assert unlabeled == [], path
