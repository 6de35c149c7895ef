"""The chat page in a real browser (Debian's Chromium via Playwright): streamed answers, and without JavaScript."""

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
def chat_page(browser, default_codebook: Path, live_server):  # type: ignore[no-untyped-def]
    store.forget()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def test_question_streams_an_answer_with_citations(chat_page) -> None:  # type: ignore[no-untyped-def]
    page = chat_page
    page.goto("/")
    page.click("nav[aria-label=Main] >> text=Assistant")
    page.wait_for_url("**/assistant/")
    page.fill("#question", "Can E11.9 and E10.9 be coded together?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector(".msg.bot .citations li")
    bot = page.locator(".msg.bot").last
    assert bot.locator(".direct").inner_text().startswith("No: E11.9")
    badge = bot.locator(".badge.verdict").inner_text()
    assert badge == "Verdict: No" and "_" not in badge
    assert bot.locator("a:text-is('E10.9')").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "assistant.png"), full_page=True)
    # the conversation is kept for this browser
    page.reload()
    assert page.locator(".msg.user").first.inner_text().endswith("Can E11.9 and E10.9 be coded together?")
    page.click("text=Delete this conversation")
    assert page.locator(".msg.user").count() == 0


def test_chat_works_without_javascript(browser, default_codebook: Path, live_server) -> None:  # type: ignore[no-untyped-def]
    store.forget()
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto("/assistant/?q=What+is+place+of+service+22%3F")
    assert page.input_value("#question") == "What is place of service 22?"
    page.click("#ask-form button[type=submit]")
    page.wait_for_url("**/assistant/#latest")
    assert "On Campus-Outpatient Hospital" in page.locator(".msg.bot .direct").last.inner_text()
    unlabeled = page.locator("textarea:not([aria-label])").evaluate_all(
        "els => els.filter(e => !(e.labels && e.labels.length)).length"
    )
    assert unlabeled == 0
    context.close()
