"""The site in a real browser: Debian's Chromium driven by Playwright against a live server."""

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
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def test_search_from_home_to_code_page_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert page.title().startswith("Medical coding reference")
    page.fill("#home-q", "e11.42")
    page.keyboard.press("Enter")
    page.wait_for_url("**/codes/icd10cm/E11.42/")
    assert page.locator("h1").inner_text().startswith("E11.42")
    assert page.locator("main").count() == 1 and page.locator("nav[aria-label=Hierarchy]").count() == 1
    assert page.locator("text=Excludes1").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "code-page.png"), full_page=True)


def test_note_links_and_breadcrumb_navigate(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/codes/icd10cm/E11.42/")
    page.click("nav[aria-label=Hierarchy] >> text=E11")
    page.wait_for_url("**/codes/icd10cm/E11/")
    page.click("a:text-is('E08.-')")
    page.wait_for_url("**/codes/icd10cm/E08/")


def test_unknown_code_page_offers_completions(page) -> None:  # type: ignore[no-untyped-def]
    response = page.goto("/codes/icd10cm/S72.001/")
    assert response.status == 200
    page.click("a:text-is('S72.001A')")
    assert "initial encounter for closed fracture" in page.locator("h1").inner_text()
    response = page.goto("/codes/icd10cm/S72001Z/")
    assert response.status == 404 and page.locator("a:text-is('S72.001A')").count() == 1


def test_pages_fit_a_phone_and_print_without_navigation(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/codes/icd10pcs/0DTJ4ZZ/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(SCREENSHOTS / "pcs-phone.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert page.locator("h1").is_visible()


def test_every_form_field_has_a_label(page) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/search/?q=fracture", "/codes/icd10cm/S72.001A/", "/releases/icd10cm/changes/"):
        page.goto(path)
        unlabeled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select')].filter(
                 e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)"""
        )
        assert unlabeled == [], path
