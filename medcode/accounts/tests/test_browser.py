"""Account flows in a real browser: register, verify by the e-mail a loopback SMTP server received, log in,
hit the plan's limit, upgrade. Debian's Chromium driven by Playwright against a live server."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from conftest import SCREENSHOTS, needs_chromium
from medcode.codebook import store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]

PASSWORD = "a long enough passphrase"
CODES = ["E11.42", "I10", "E11.9", "J45.909", "S72.001A", "R51.9", "Z00.00", "M54.50"]


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 15) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in str(message["To"]):
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {to} reached the SMTP server; got {[m['To'] for m in self.messages]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on loopback; the app sends through Django's SMTP backend to it."""
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def page(browser: Any, default_codebook: Path, live_server: Any, settings: Any) -> Iterator[Any]:
    store.forget()
    settings.MEDCODE_METERING = True
    settings.MEDCODE_SELF_SERVICE_PLANS = True
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def test_register_verify_login_hit_the_limit_and_upgrade(page: Any, mailbox: Mailbox, live_server: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # a guest opens one code page in full, the next one is locked
    page.goto(f"/codes/icd10cm/{CODES[0]}/")
    assert page.locator("text=Excludes1").count() >= 1
    page.goto(f"/codes/icd10cm/{CODES[1]}/")
    assert page.locator(".lock-title", has_text="Register to view content").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / "locked-guest.png"), full_page=True)
    # clearing cookies does not help: the IP address was counted too
    page.context.clear_cookies()
    page.goto(f"/codes/icd10cm/{CODES[2]}/")
    assert page.locator(".lock-title", has_text="Register to view content").count() >= 2

    # register from the lock, then confirm by the e-mail the SMTP server received
    page.locator(".locked a", has_text="Register").first.click()
    page.fill("#id_email", "coder@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("button:text('Register')")
    page.wait_for_url("**/account/register/sent/")
    assert "coder@example.org" in page.locator("main").inner_text()
    message = mailbox.wait_for("coder@example.org")
    assert "Confirm your e-mail address" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https?://\S+/account/verify/\S+/", body).group(0)  # type: ignore[union-attr]
    page.goto(link)
    page.wait_for_url("**/account/")
    assert "is confirmed" in page.locator(".messages").inner_text()

    # log out and in again by the form
    page.click("nav .account button:text('Log out')")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav .account a:text('Log in')")
    page.fill("#id_email", "coder@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("main button:text('Log in')")
    page.wait_for_url("**/account/")
    assert "0 of 5" in page.locator("[data-testid=usage]").inner_text()

    # five code pages on the free plan, the sixth is locked with "Upgrade to view content"
    for n, code in enumerate(CODES[:5], start=1):
        page.goto(f"/codes/icd10cm/{code}/")
        assert f"{n} of 5 code pages" in page.locator(".meter-banner").inner_text()
        assert page.locator(".locked").count() == 0
    page.goto(f"/codes/icd10cm/{CODES[5]}/")
    assert page.locator(".lock-title", has_text="Upgrade to view content").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "locked-free.png"), full_page=True)

    # upgrade on the plans page; the same code page is now complete
    page.locator(".locked a", has_text="See plans").first.click()
    page.wait_for_url("**/account/upgrade/")
    page.click("button:text('Switch to Professional')")
    page.wait_for_url("**/account/")
    assert "Professional" in page.locator("#plan-h + p").inner_text()
    page.goto(f"/codes/icd10cm/{CODES[5]}/")
    assert page.locator(".locked").count() == 0 and page.locator(".meter-banner").count() == 0


def test_api_key_created_on_the_account_page_works_and_revokes(page: Any, mailbox: Mailbox, live_server: Any) -> None:
    from medcode.accounts.tests.factories import PASSWORD as KNOWN
    from medcode.accounts.tests.factories import make_account

    account = make_account()
    page.goto("/account/login/")
    page.fill("#id_email", account.user.email)
    page.fill("#id_password", KNOWN)
    page.click("main button:text('Log in')")
    page.wait_for_url("**/account/")
    page.fill("#id_name", "EHR integration")
    page.click("button:text('Create API key')")
    secret = page.locator("[data-testid=new-key]").inner_text()
    assert secret.startswith("mc_")
    response = page.request.get(
        f"{live_server.url}/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=I10",
        headers={"X-API-Key": secret},
    )
    assert response.status == 200 and response.headers["x-ratelimit-limit"] == "60"
    page.click("button:text('Revoke')")
    assert page.locator("text=is revoked").count() == 1
    refused = page.request.get(f"{live_server.url}/fhir/metadata", headers={"X-API-Key": secret})
    assert refused.status == 401
