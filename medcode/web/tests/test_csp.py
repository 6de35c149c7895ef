"""Content-Security-Policy: self only. Key pages, with their scripts working, raise no CSP violation in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import needs_chromium
from medcode.codebook import store

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_every_page_says_self_only_and_the_api_docs_use_no_cdn(client: Client) -> None:
    home = client.get("/")
    policy = home["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "Content-Security-Policy" in docs
    html = docs.content.decode()
    assert "cdn." not in html and "https://" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.fixture
def page(browser: Any, default_codebook: Path, live_server: Any) -> Any:
    store.forget()
    from medcode.search import services

    services.warm_up()  # the live server's thread shares this process's search structures
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.violations = []
    page.requests_elsewhere = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            page.violations.append(message.text)

    page.on("console", on_console)
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.url) or request.url.startswith("data:")
            else page.requests_elsewhere.append(request.url)
        ),
    )
    # securitypolicyviolation events are counted too (some are not logged to the console)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield page
    context.close()


def _clean(page: Any) -> None:
    events = page.evaluate("window.__csp")
    assert page.violations == [] and events == [], (page.url, page.violations, events)
    assert page.requests_elsewhere == [], page.requests_elsewhere


@pytest.mark.browser
@needs_chromium
def test_key_pages_work_with_no_csp_violation(page: Any) -> None:
    page.goto("/")
    _clean(page)
    # search with autocomplete (a script from /static/ fetching JSON from this site)
    box = page.locator("#home-q")
    box.click()
    box.type("dm2 w polyneur", delay=20)
    page.locator("#home-q-suggestions [role=option]", has_text="E11.42").first.wait_for(timeout=15_000)
    _clean(page)
    page.goto("/codes/icd10cm/E11.42/")
    assert page.locator("h1").inner_text().startswith("E11.42")
    _clean(page)
    page.goto("/search/?q=fracture+femur")
    _clean(page)
    page.goto("/rules/check/?codes=27447,20610&date=2026-01-15")
    _clean(page)
    page.goto("/assistant/")
    _clean(page)
    page.goto("/jobs/")
    _clean(page)
    # the API docs: Swagger UI from /static/, rendering the operations
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 10
    _clean(page)
