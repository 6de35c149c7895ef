"""The claim checker in a real browser: Debian's Chromium driven by Playwright against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import BROWSER_ARGS, CHROMIUM, SCREENSHOTS, needs_chromium
from medcode.codebook import store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture
def page(rules_codebook: Path, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    store.forget()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
        yield context.new_page()
        context.close()
        browser.close()


def test_code_page_pair_opens_prefilled_checker_and_finds_the_edit(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/codes/cpt/27447/?date=2026-04-15")
    page.get_by_role("link", name="20610", exact=True).first.click()
    assert page.input_value("#code1") == "27447" and page.input_value("#code2") == "20610"
    page.select_option("select[name=setting]", "hospital")
    page.click("#check-submit")
    page.wait_for_selector("table.findings")
    text = page.inner_text("table.findings")
    assert "NCCI procedure-to-procedure edit" in text and "20610 is bundled into 27447" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "claim-checker.png"), full_page=True)


def test_checker_shows_a_clear_message_for_negative_units(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/rules/check/?codes=99213")
    page.fill("input[name=units1]", "-2")
    page.click("#check-submit")
    assert "units '-2' must be a whole number" in page.inner_text("#check-error")


def test_fee_calculator_prices_anesthesia_step_by_step(page) -> None:  # type: ignore[no-untyped-def]
    from medcode.rules.tests.conftest import PFS_DIR

    if not PFS_DIR.exists():
        pytest.skip(f"{PFS_DIR} is not present (the fee calculator needs the CMS RVU files)")
    page.goto("/rules/fees/")
    page.fill("input[name=code]", "00840")
    page.fill("input[name=modifiers]", "QK")
    page.fill("input[name=minutes]", "62")
    page.fill("input[name=date]", "2025-06-02")
    page.select_option("select[name=locality]", "10112-00")
    page.get_by_role("button", name="Calculate").click()
    page.wait_for_selector("ol.steps")
    steps = page.inner_text("ol.steps")
    assert "6 base units" in steps and "4.1 time units" in steps and "QK" in steps
    assert "$97.52" in page.inner_text("#fee-h")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fee-calculator-anesthesia.png"), full_page=True)
