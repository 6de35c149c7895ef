"""The consult desk under hostile or broken mail (issue 21), over real SMTP on loopback and a real database: mail is
sent after commit, never inside a transaction; header values from inbound mail cannot break or inject headers;
a message that cannot be answered goes to staff once and is not retried; one automatic reply per inbound
Message-ID, whatever breaks mid-send."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import IntegrityError, connections
from django.test import Client
from django.utils import timezone

from medcode.accounts.tests.factories import make_account
from medcode.consult import imap, mail, services
from medcode.consult.models import Consult, ConsultMessage, MailEvent
from medcode.consult.tests.conftest import DESK, SendMail, question
from medcode.consult.tests.support import ImapServer, Mailbox, free_port, nested_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("codebook")]
SENDER = "coder@clinic.example"
ATTEMPTS = 5  # services.ANSWER_ATTEMPTS: tries of a question before it goes to staff
CRLF_SUBJECT = b"=?utf-8?q?Question_about_E11.9=0D=0ABcc:_victim@evil.example?="


class WriteDuringSend(Mailbox):
    """A mail server that, while it holds the desk's SMTP conversation open, has another database connection
    write to the consult's row; it records whether that write got through within a few seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.wrote: list[bool] = []
        self.writers: list[threading.Thread] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        done = threading.Event()

        def write() -> None:
            try:
                Consult.objects.filter(sender=SENDER).update(last_activity_at=timezone.now())
                done.set()
            finally:
                connections.close_all()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        self.writers.append(writer)
        self.wrote.append(done.wait(5))
        return await super().handle_DATA(server, session, envelope)


class RefuseRecipients(Mailbox):
    """A mail server that refuses every recipient (the mailbox is gone)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        self.refused += 1
        return "550 5.1.1 mailbox unavailable"


class DropAfterData(Mailbox):
    """A mail server that takes the message and breaks the connection before it says 250: the sender cannot know
    whether it was delivered (it was)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return "250 never heard"


@pytest.fixture
def sink(settings: Any) -> Iterator[Callable[[Mailbox], Mailbox]]:
    """Point Django's SMTP backend at a loopback server with the given handler."""
    controllers: list[Controller] = []

    def _start(box: Mailbox) -> Mailbox:
        port = free_port()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        box.port = port
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        return box

    yield _start
    for controller in controllers:
        controller.stop()


def _age_questions() -> None:
    ConsultMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=30))


def _staff_client() -> Client:
    staff = make_account().user
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


# 1. Mail is sent after commit, never inside a transaction.


def test_the_answer_is_sent_with_no_transaction_open(send: SendMail, sink: Callable[[Mailbox], Mailbox]) -> None:
    box = WriteDuringSend()
    sink(box)
    send()
    [answer] = box.wait_for(SENDER)
    assert "E11.9" in answer.get_content()
    assert box.wrote == [True], "another connection could not write while the desk was sending (lock held)"
    assert Consult.objects.get().state == "answered"
    assert ConsultMessage.objects.get(inbound=False).sent_at is not None
    for writer in box.writers:
        writer.join(30)


def test_a_staff_reply_is_sent_with_no_transaction_open(sink: Callable[[Mailbox], Mailbox]) -> None:
    box = sink(Mailbox())
    receipt = services.mail_receive(raw=question(body="How do I code this case? No codes here.").as_bytes())
    box.wait_for(SENDER)  # the acknowledgement
    slow = WriteDuringSend()
    sink(slow)
    staff = make_account().user
    services.staff_reply_send(consult_id=receipt.consult_id or 0, text="Code E11.9.", by=staff)
    slow.wait_for(SENDER)
    assert slow.wrote == [True]
    consult = Consult.objects.get()
    assert consult.state == "closed" and consult.first_response_at is not None
    for writer in slow.writers:
        writer.join(30)


# 2. Header values from inbound mail are put on one line.


def _crlf_question(message_id: str = "<crlf-1@clinic.example>") -> bytes:
    return (
        b"From: A Coder <coder@clinic.example>\r\nTo: " + DESK.encode() + b"\r\nSubject: " + CRLF_SUBJECT + b"\r\n"
        b"Message-ID: " + message_id.encode() + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Is E11.9 billable for type 2 diabetes without complications?\r\n"
    )


def test_a_subject_that_decodes_to_cr_lf_is_answered_on_one_line(listener: tuple[str, int], outbox: Mailbox) -> None:
    with smtplib.SMTP(*listener, timeout=30) as client:
        client.sendmail(SENDER, [DESK], _crlf_question())
    [answer] = outbox.wait_for(SENDER)
    assert answer["Subject"] == "Re: Question about E11.9 Bcc: victim@evil.example"
    assert answer["Bcc"] is None
    stored = ConsultMessage.objects.get(inbound=True)
    assert "\r" not in stored.subject and "\n" not in stored.subject
    assert Consult.objects.get().state == "answered"


def test_the_staff_page_of_a_consult_with_a_cr_lf_subject_renders_and_replies(outbox: Mailbox) -> None:
    # a consult stored before headers were sanitised: its subject still holds CR LF
    consult = Consult.objects.create(
        sender=SENDER, subject="Question\r\nBcc: victim@evil.example", state="needs_review"
    )
    ConsultMessage.objects.create(
        consult=consult, inbound=True, kind="question", message_id="<old@clinic.example>", from_addr=SENDER,
        to_addr=DESK, subject=consult.subject, body="Is E11.9 billable?", handled_at=timezone.now(),
    )  # fmt: skip
    client = _staff_client()
    page = client.get(f"/consult/desk/{consult.pk}/")
    assert page.status_code == 200
    sent = client.post(f"/consult/desk/{consult.pk}/", {"text": "Yes, E11.9 is billable."})
    assert sent.status_code == 302
    [reply] = outbox.wait_for(SENDER)
    assert reply["Subject"] == "Re: Question Bcc: victim@evil.example" and reply["Bcc"] is None
    assert mail.header_safe("a\r\n\tb\x00c\u2028d") == "a b c d"


# 3. What cannot be answered goes to staff once, with the reason; retries stop.


def test_a_deeply_nested_message_goes_to_staff_once(listener: tuple[str, int], outbox: Mailbox) -> None:
    raw = nested_message(2000)
    for _ in range(2):  # the sending server's retry is a duplicate, not a second entry
        with smtplib.SMTP(*listener, timeout=60) as client:
            assert client.sendmail(SENDER, [DESK], raw) == {}
    consult = Consult.objects.get()
    assert (consult.state, consult.reason) == ("needs_review", "unreadable")
    stored = ConsultMessage.objects.get()
    assert stored.handled_at is not None
    assert "2000 parts that hold parts" in stored.failure and "at most 50" in stored.failure
    assert MailEvent.objects.filter(outcome="unreadable").count() == 1
    assert services.unanswered_requeue(older_than_seconds=0) == 0
    assert outbox.messages == []
    page = _staff_client().get(f"/consult/desk/{consult.pk}/")
    assert page.status_code == 200 and b"the desk could not read the message" in page.content


def test_an_answer_the_mail_server_refuses_is_tried_a_bounded_number_of_times(
    sink: Callable[[Mailbox], Mailbox],
) -> None:
    box = RefuseRecipients()
    sink(box)
    services.mail_receive(raw=question().as_bytes())
    for _ in range(ATTEMPTS + 2):  # the worker's retry job, every five minutes
        _age_questions()
        services.unanswered_requeue()
    assert box.refused == ATTEMPTS
    message = ConsultMessage.objects.get()
    assert message.handled_at is not None and message.attempts == ATTEMPTS
    assert "SMTPRecipientsRefused" in message.failure
    consult = Consult.objects.get()
    assert (consult.state, consult.reason) == ("needs_review", "send_failed")
    assert services.unanswered_requeue(older_than_seconds=0) == 0


def test_an_oversized_message_over_smtp_goes_to_staff_once(send: SendMail, outbox: Mailbox, settings: Any) -> None:
    settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES = 20_000
    big = question(attachments=[("scan.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 40_000)])
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError) as refused:
            send(big)
        assert refused.value.smtp_code == 552
    consult = Consult.objects.get()
    assert (consult.state, consult.reason) == ("needs_review", "too_large")
    assert "20,000 bytes" in ConsultMessage.objects.get().body
    assert MailEvent.objects.filter(outcome="too_large").count() == 1


@pytest.fixture
def imap_server(settings: Any) -> Iterator[ImapServer]:
    port = free_port()
    server = ImapServer(port, "desk", "imap secret")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MEDCODE_CONSULT_IMAP_HOST, settings.MEDCODE_CONSULT_IMAP_PORT = "127.0.0.1", port
    settings.MEDCODE_CONSULT_IMAP_SSL = False
    settings.MEDCODE_CONSULT_IMAP_USER, settings.MEDCODE_CONSULT_IMAP_PASSWORD = "desk", "imap secret"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_imap_reads_the_size_before_the_message_and_never_downloads_an_oversized_one(
    imap_server: ImapServer, outbox: Mailbox, settings: Any
) -> None:
    settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES = 5000
    big = imap_server.add(question(sender="big@clinic.example", body="x" * 6000).as_bytes())
    small = imap_server.add(question(body="Is E11.9 billable?").as_bytes())
    assert imap.imap_poll().outcomes == {"too_large": 1, "accepted": 1}
    assert (big, "RFC822") not in imap_server.fetched
    assert (big, "BODY.PEEK[HEADER]") in imap_server.fetched and (small, "RFC822") in imap_server.fetched
    [bounce] = outbox.wait_for("big@clinic.example")
    assert "too large" in bounce.get_content()
    assert Consult.objects.get(sender="big@clinic.example").reason == "too_large"
    imap_server.seen.clear()  # the mailbox shows them again (another client reset the flags): nothing repeats
    assert imap.imap_poll().outcomes == {"duplicate": 2}
    assert len(outbox.to("big@clinic.example")) == 1 and Consult.objects.count() == 2


def test_imap_takes_a_deeply_nested_message_once_and_goes_on(imap_server: ImapServer, outbox: Mailbox) -> None:
    imap_server.add(nested_message(2000))
    imap_server.add(question(body="Is E11.9 billable?").as_bytes())
    assert imap.imap_poll().outcomes == {"unreadable": 1, "accepted": 1}
    assert imap_server.seen == {1, 2}
    outbox.wait_for(SENDER)
    assert Consult.objects.filter(reason="unreadable").count() == 1


# 4. One automatic reply per inbound Message-ID, decided before the send.


def test_a_send_cut_off_after_the_data_and_a_redelivery_give_one_answer(
    send: SendMail, sink: Callable[[Mailbox], Mailbox]
) -> None:
    dropping = sink(DropAfterData())
    message = send()
    dropping.wait_for(SENDER)
    good = sink(Mailbox())
    send(message)  # the sending server did not see our 250 in time and delivers again
    _age_questions()
    services.unanswered_requeue()
    assert len(dropping.to(SENDER)) == 1 and good.messages == []
    out = ConsultMessage.objects.get(inbound=False)
    assert out.sent_at is None and out.failure.startswith("unconfirmed")
    consult = Consult.objects.get()
    assert (consult.state, consult.reason) == ("needs_review", "send_unconfirmed")


def test_an_answer_recorded_but_never_confirmed_goes_to_staff_once_and_is_not_sent_again(outbox: Mailbox) -> None:
    # what a crash between the commit and the mail server's reply leaves: the answer recorded, not confirmed
    receipt = services.mail_receive(raw=question().as_bytes())
    outbox.wait_for(SENDER)
    ConsultMessage.objects.filter(inbound=False).update(sent_at=None, created_at=timezone.now() - dt.timedelta(hours=1))
    Consult.objects.update(state="answered")
    _age_questions()
    assert services.unanswered_requeue() == 0
    services.unanswered_requeue()
    consult = Consult.objects.get(pk=receipt.consult_id or 0)
    assert (consult.state, consult.reason) == ("needs_review", "send_unconfirmed")
    assert len(outbox.messages) == 1
    question_message = ConsultMessage.objects.get(inbound=True)
    with pytest.raises(IntegrityError):  # the database itself refuses a second automatic reply
        ConsultMessage.objects.create(
            consult=consult, inbound=False, kind="auto_answer", message_id="<second@desk.example>",
            from_addr=DESK, to_addr=SENDER, answers=question_message,
        )  # fmt: skip
