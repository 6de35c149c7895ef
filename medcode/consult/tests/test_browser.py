"""The staff queue end to end in a real browser: a question arrives by SMTP, the desk cannot answer it with
confidence, staff find it under "needs review", escalate it, edit and send a reply that reaches the sender by
SMTP in the same thread; a coder asks on the web form and reads the answer on their consult page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import SCREENSHOTS, needs_chromium
from medcode.accounts.tests.factories import PASSWORD, make_account
from medcode.consult.models import Consult, ConsultMessage
from medcode.consult.tests.conftest import SendMail
from medcode.consult.tests.support import Mailbox, nested_message

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("codebook"),
    needs_chromium,
]


@pytest.fixture
def login(browser: Any, live_server: Any) -> Iterator[Callable[[str], Any]]:
    contexts: list[Any] = []

    def _login(email: str) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/account/login/")
        page.fill("#id_email", email)
        page.fill("#id_password", PASSWORD)
        page.click("main button:text('Log in')")
        page.wait_for_url("**/account/")
        return page

    yield _login
    for context in contexts:
        context.close()


def test_staff_queue_review_escalate_edit_and_send(
    login: Callable[[str], Any], send: SendMail, outbox: Mailbox
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sent = send(
        subject="Sepsis sequencing",
        body="How do I sequence sepsis with pneumonia on admission? I want to talk to a human.",
    )
    [ack] = outbox.wait_for("coder@clinic.example")
    assert "needs a look from one of our coders" in ack.get_content()
    staff_user = make_account().user
    staff_user.is_staff = True
    staff_user.save()

    page = login(staff_user.email)
    page.goto("/consult/desk/")
    assert page.locator("[data-testid=count-needs_review]").inner_text() == "1"
    page.screenshot(path=str(SCREENSHOTS / "consult-queue.png"), full_page=True)
    page.click("a:text('Sepsis sequencing')")
    assert "the user asked for a person" in page.locator("main").inner_text()
    assert "How do I sequence sepsis" in page.locator(".thread").inner_text()
    page.click("button:text('Escalate')")
    assert page.locator("[data-testid=state]").inner_text() == "escalated"

    page.fill(
        "#id_text", "Sequence the sepsis code first when it is present on admission, then J18.9. See guideline I.C.1.d."
    )
    page.click("button:text('Send and close')")
    assert "Reply sent to coder@clinic.example" in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=state]").inner_text() == "closed"
    assert page.locator("[data-testid=sent-by]").inner_text() == staff_user.email
    page.screenshot(path=str(SCREENSHOTS / "consult-detail.png"), full_page=True)

    replies = outbox.wait_for("coder@clinic.example", count=2)
    assert replies[1]["In-Reply-To"] == sent["Message-ID"]
    assert "J18.9" in replies[1].get_content()
    consult = Consult.objects.get()
    assert consult.first_response_at is not None
    assert ConsultMessage.objects.get(kind="staff_answer").sent_by == staff_user

    page.goto("/consult/desk/?state=closed")
    assert page.locator("[data-testid=consult-row]").count() == 1
    assert page.locator("[data-testid=median]").inner_text().endswith(" s")


def test_a_coder_asks_on_the_web_form(login: Callable[[str], Any], outbox: Mailbox) -> None:
    coder = make_account().user
    page = login(coder.email)
    page.goto("/consult/")
    page.fill("#id_subject", "Hypertension")
    page.fill("#id_question", "Is I10 a billable code?")
    page.click("button:text('Send my question')")
    page.wait_for_url("**/consult/mine/**")
    page.reload()
    assert page.locator("[data-testid=consult-state]").inner_text() == "answered automatically"
    assert "I10" in page.locator(".thread li.out").inner_text()
    outbox.wait_for(coder.email)


def test_staff_answer_a_consult_that_could_not_be_read_and_one_with_a_cr_lf_subject(
    login: Callable[[str], Any], listener: tuple[str, int], outbox: Mailbox
) -> None:
    """A message nested too deep reaches the queue once with its reason; a consult stored with CR LF in its
    subject (before subjects were put on one line) opens and is answered with the subject on one line."""
    import smtplib

    from django.utils import timezone

    with smtplib.SMTP(*listener, timeout=60) as client:
        client.sendmail("coder@clinic.example", ["consult@desk.example"], nested_message(2000))
    legacy = Consult.objects.create(
        sender="other@clinic.example", subject="Question\r\nBcc: victim@evil.example", state="needs_review"
    )
    ConsultMessage.objects.create(
        consult=legacy, inbound=True, kind="question", message_id="<old@clinic.example>",
        from_addr=legacy.sender, to_addr="consult@desk.example", body="Is E11.9 billable?", handled_at=timezone.now(),
    )  # fmt: skip
    staff_user = make_account().user
    staff_user.is_staff = True
    staff_user.save()

    page = login(staff_user.email)
    page.goto("/consult/desk/")
    assert page.locator("[data-testid=count-needs_review]").inner_text() == "2"
    unreadable = Consult.objects.get(reason="unreadable")
    page.goto(f"/consult/desk/{unreadable.pk}/")
    assert "the desk could not read the message" in page.locator("main").inner_text()
    assert "2000 parts that hold parts" in page.locator("[data-testid=failure]").inner_text()

    page.goto(f"/consult/desk/{legacy.pk}/")
    page.fill("#id_text", "Yes: E11.9 is billable.")
    page.click("button:text('Send and close')")
    assert "Reply sent to other@clinic.example" in page.locator(".messages").inner_text()
    [reply] = outbox.wait_for("other@clinic.example")
    assert reply["Subject"] == "Re: Question Bcc: victim@evil.example" and reply["Bcc"] is None
