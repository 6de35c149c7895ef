"""Every page issue 22 names, in real Chromium at 1280 and 375 px: no sideways page scroll on a phone, the key
content visible, the phone layouts (result cards, scrolling tables with a hint), copy buttons and print.

Screenshots go to docs/screenshots/ only when asked: `MEDCODE_SCREENSHOTS=1 pytest medcode/web/tests/test_pages_browser.py`
(or `make screenshots`), so an ordinary test run leaves the committed pictures alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import REPO, needs_chromium
from medcode.accounts.services import plan_defaults_ensure
from medcode.accounts.tests.factories import make_account
from medcode.codebook import store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

WIDTHS = (1280, 375)
TOLERANCE = 1  # px: sub-pixel rounding
SCREENSHOT_DIR = REPO / "docs" / "screenshots"
SAVE = os.environ.get("MEDCODE_SCREENSHOTS") == "1"
MAX_SHOT_HEIGHT = {1280: 1000, 375: 1700}  # px: the top of long pages is what the picture is for


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    key: str  # a selector that must be visible
    signed_in: bool = False
    status: tuple[int, ...] = (200,)


PAGES = (
    Page("home", "/", "#home-q"),
    Page("search", "/search/?q=fracture+of+femur", "table.results td.code a"),
    Page("code-icd10cm", "/codes/icd10cm/E11.42/", "h1 .code"),
    Page("code-hcpcs", "/codes/hcpcs/J2680/", "h1 .code"),
    Page("code-pcs", "/codes/icd10pcs/0DTJ4ZZ/", "h1 .code"),
    Page("index", "/index/", "h1"),
    Page("modifiers", "/rules/modifiers/", "h1"),
    Page("claim-check", "/rules/check/", "h1"),
    Page("fees", "/rules/fees/?code=27258", "h1"),
    Page("releases", "/releases/", "table.data"),
    Page("guidelines", "/guidelines/", "h1"),
    Page("assistant", "/assistant/", "h1"),
    Page("case-to-code", "/case2code/", "h1"),
    Page("jobs", "/jobs/", "h1"),
    Page("consult", "/consult/", "h1"),
    Page("about", "/about/", "h1"),
    Page("privacy", "/privacy/", "h1"),
    Page("contact", "/contact/", "h1"),
    Page("favorites", "/account/favorites/", "[data-testid=title]", signed_in=True),
    Page("notes", "/account/notes/", "[data-testid=title]", signed_in=True),
    Page("history", "/account/history/", "[data-testid=title]", signed_in=True),
    Page("consult-thread", "CONSULT", ".thread", signed_in=True),
    Page("drg", "/drg/", "h1"),
)


@pytest.fixture
def site(default_codebook: Path, live_server: Any) -> dict[str, str]:
    """A live server with a signed-in coder who has favorites, a note, searches and a consult."""
    from medcode.accounts import services as accounts
    from medcode.consult import services as consult
    from medcode.search import services as search

    store.forget()
    search.warm_up()  # the live server's thread shares this process's search structures
    plan_defaults_ensure()
    user = make_account().user
    accounts.favorite_add(user_id=user.pk, system="icd10cm", code="E11.42")
    accounts.favorite_add(user_id=user.pk, system="hcpcs", code="J2680")
    accounts.note_set(user_id=user.pk, system="icd10cm", code="I10", text="Check the blood pressure log first.")
    accounts.search_record(user_id=user.pk, query="E11.42", system=None, source="api")
    accounts.search_record(user_id=user.pk, query="diabetes neuropathy", system="icd10cm", source="web")
    asked = consult.consult_create_web(user=user, subject="Hypertension", text="Is I10 billable?")
    client = Client()
    client.force_login(user)
    return {"session": client.cookies["sessionid"].value, "consult": f"/consult/mine/{asked.token}/"}


@pytest.fixture
def open_page(browser: Any, live_server: Any, site: dict[str, str]) -> Iterator[Any]:
    contexts: list[Any] = []

    def _open(width: int, signed_in: bool) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
        if signed_in:
            context.add_cookies([{"name": "sessionid", "value": site["session"], "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def shoot(page: Any, name: str, width: int) -> None:
    """Save the top of the page as docs/screenshots/NAME-WIDTH.png, when MEDCODE_SCREENSHOTS=1."""
    if not SAVE:
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_SHOT_HEIGHT[width])
    clip = {"x": 0, "y": 0, "width": width, "height": height}
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width}.png"), full_page=True, clip=clip)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_fits_and_shows_its_content(open_page: Any, site: dict[str, str], spec: Page, width: int) -> None:
    page = open_page(width, spec.signed_in)
    path = site["consult"] if spec.path == "CONSULT" else spec.path
    response = page.goto(path)
    assert response.status in spec.status, (path, response.status)
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => {
               if (e.getBoundingClientRect().right <= innerWidth + 1) return false;
               for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                 if (getComputedStyle(a).overflowX !== 'visible') return false;
               }
               return true;
             }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert overflow <= width + TOLERANCE, f"{path} is {overflow} px wide at {width} px: {wide}"
    assert page.locator(spec.key).first.is_visible(), spec.key
    assert page.locator("footer.site-footer a", has_text="Privacy").is_visible()
    shoot(page, spec.name, width)


def test_search_results_are_cards_with_full_width_titles_on_a_phone(open_page: Any) -> None:
    page = open_page(375, False)
    page.goto("/search/?q=fracture+of+femur")
    title = page.locator("table.results tbody tr").first.locator("td").nth(1)
    assert title.bounding_box()["width"] >= 300  # the whole card, not a 100 px column
    desktop = open_page(1280, False)
    desktop.goto("/search/?q=fracture+of+femur")
    assert desktop.locator("table.results thead").is_visible()  # a table on wide screens


def test_wide_tables_scroll_in_their_box_with_a_visible_hint(open_page: Any) -> None:
    page = open_page(375, False)
    page.goto("/releases/")
    box = page.locator(".table-scroll").first
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + TOLERANCE
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    assert page.locator(".scroll-hint").first.is_visible()
    assert "Scroll sideways" in page.locator(".scroll-hint").first.inner_text()
    wide = open_page(1280, False)
    wide.goto("/about/")
    assert wide.locator(".scroll-hint:visible").count() == 0


def test_copy_code_button_puts_the_code_on_the_clipboard(open_page: Any, live_server: Any) -> None:
    page = open_page(1280, False)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto("/codes/icd10cm/E11.42/")
    button = page.locator("button.copy-button", has_text="Copy code").first
    assert button.is_visible()
    button.click()
    page.wait_for_selector("button.copy-button[data-copied]")
    assert page.evaluate("navigator.clipboard.readText()") == "E11.42"
    page.locator("button.copy-button", has_text="Copy code and title").click()
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.includes('polyneuropathy'))")


def test_print_hides_the_controls_and_keeps_the_code_and_text(open_page: Any) -> None:
    page = open_page(1280, True)
    page.goto("/codes/icd10cm/E11.42/")
    page.emulate_media(media="print")
    for hidden in ("header.site-header", "footer.site-footer", "button", "form", ".copy-actions"):
        assert all(not el.is_visible() for el in page.locator(hidden).all()), hidden
    assert page.locator("h1 .code").is_visible() and page.locator("h1 .title").is_visible()
    assert page.locator("text=Excludes1").first.is_visible()
    if SAVE:
        page.pdf(path=str(Path(os.environ.get("MEDCODE_DATA_DIR", "/tmp")) / "code-page-print.pdf"))


def test_the_metering_banner_is_hidden_in_print(open_page: Any, settings: Any) -> None:
    settings.MEDCODE_METERING = True
    page = open_page(375, False)
    page.goto("/codes/icd10cm/E11.42/")
    banner = page.locator(".meter-banner")
    assert banner.is_visible() and "Register a free account" in banner.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + TOLERANCE
    shoot(page, "code-guest-banner", 375)
    page.emulate_media(media="print")
    assert not banner.is_visible()
