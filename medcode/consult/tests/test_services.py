"""Consult services without the listener: staff replies, states, the web form, encryption at rest, logging,
retention, response figures, IMAP polling against a loopback IMAP server."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from medcode.accounts.tests.factories import make_account
from medcode.consult import crypto, imap, selectors, services
from medcode.consult.models import Consult, ConsultMessage, MailEvent
from medcode.consult.tests.conftest import question
from medcode.consult.tests.support import ImapServer, Mailbox, free_port
from medcode.core.errors import ApplicationError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("codebook")]
SECRET = "Patient Jane Roe, DOB 1950-02-03, MRN 99812, has E11.9"


def _receive(**kwargs: Any) -> services.Receipt:
    return services.mail_receive(
        raw=question(**kwargs).as_bytes(), envelope_from="coder@clinic.example", recipients=["consult@desk.example"]
    )


def test_content_is_encrypted_at_rest_and_never_logged(outbox: Mailbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _receive(body=SECRET, subject="Jane Roe")
    outbox.wait_for("coder@clinic.example")
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject, body FROM consult_consultmessage")
        rows = cursor.fetchall()
        cursor.execute("SELECT subject, draft FROM consult_consult")
        rows += cursor.fetchall()
    stored = " ".join(str(v) for row in rows for v in row)
    assert "Jane" not in stored and "MRN" not in stored
    assert ConsultMessage.objects.get(inbound=True).body == SECRET  # the application reads it back
    assert "Jane" not in caplog.text and "MRN" not in caplog.text


def test_rotated_keys_still_decrypt(settings: Any) -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.MEDCODE_CONSULT_KEYS = [old]
    token = crypto.encrypt(b"question")
    settings.MEDCODE_CONSULT_KEYS = [new, old]
    assert crypto.decrypt(token) == b"question"


def test_staff_edit_and_send_is_recorded_with_who_sent_it(outbox: Mailbox) -> None:
    receipt = _receive(body="How do I code this case? No codes here.")
    assert services.ACK in outbox.wait_for("coder@clinic.example")[0].get_content()
    staff = make_account().user
    consult = Consult.objects.get(pk=receipt.consult_id or 0)
    assert consult.state == "needs_review"
    sent = services.staff_reply_send(
        consult_id=consult.pk, text="Use E11.9 when no complication is documented.", by=staff
    )
    replies = outbox.wait_for("coder@clinic.example", count=2)
    question_message = ConsultMessage.objects.get(inbound=True)
    assert replies[1]["In-Reply-To"] == question_message.message_id
    assert "Auto-Submitted" not in replies[1]  # a person wrote it
    assert sent.sent_by == staff and sent.kind == "staff_answer"
    consult.refresh_from_db()
    assert consult.state == "closed" and consult.first_response_at is not None
    with pytest.raises(services.ConsultError, match="empty"):
        services.staff_reply_send(consult_id=consult.pk, text="  ", by=staff)


def test_states_and_a_follow_up_on_an_escalated_consult_waits_for_staff(outbox: Mailbox) -> None:
    receipt = _receive(body="What about E11.9?")
    [answer] = outbox.wait_for("coder@clinic.example")
    staff = make_account().user
    services.consult_state_set(consult_id=receipt.consult_id or 0, state="escalated", by=staff)
    services.mail_receive(
        raw=question(to=str(answer["Reply-To"]), body="And E11.65?").as_bytes(), envelope_from=None, recipients=[]
    )
    consult = Consult.objects.get()
    assert consult.state == "escalated" and consult.messages.filter(inbound=True).count() == 2
    assert len(outbox.messages) == 1
    with pytest.raises(services.ConsultError, match="Unknown state"):
        services.consult_state_set(consult_id=consult.pk, state="lost", by=staff)


def test_web_form_question_is_answered_by_email(outbox: Mailbox) -> None:
    user = make_account().user
    consult = services.consult_create_web(user=user, subject="Hypertension", text="Is I10 billable?")
    [answer] = outbox.wait_for(user.email)
    assert "I10" in answer.get_content()
    consult.refresh_from_db()
    assert consult.channel == "web" and consult.state == "answered"
    with pytest.raises(services.ConsultError, match="no text"):
        services.consult_create_web(user=user, subject="", text="   ")


def test_retention_purges_old_consults_and_mail_records(outbox: Mailbox, settings: Any) -> None:
    settings.MEDCODE_CONSULT_RETENTION_DAYS = 30
    _receive()
    outbox.wait_for("coder@clinic.example")
    later = timezone.now() + dt.timedelta(days=31)
    assert services.consults_purge_expired(now=later) == 1
    assert not Consult.objects.exists() and not ConsultMessage.objects.exists() and not MailEvent.objects.exists()


def test_response_figures(outbox: Mailbox) -> None:
    _receive()
    outbox.wait_for("coder@clinic.example")
    figures = selectors.response_figures()
    assert figures.consults == 1 and figures.answered == 1 and figures.automatic_share == 1.0
    assert figures.median_seconds is not None and figures.median_seconds < 60


def test_unhandled_questions_are_queued_again(outbox: Mailbox, settings: Any) -> None:
    settings.EMAIL_PORT = free_port()  # the first send fails: nothing listens there
    _receive()
    message = ConsultMessage.objects.get()
    assert message.handled_at is None and not ConsultMessage.objects.filter(inbound=False).exists()
    settings.EMAIL_PORT = outbox.port
    ConsultMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert services.unanswered_requeue() == 1
    outbox.wait_for("coder@clinic.example")
    message.refresh_from_db()
    assert message.handled_at is not None


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


def test_imap_poll_answers_unseen_messages_once(imap_server: ImapServer, outbox: Mailbox, settings: Any) -> None:
    imap_server.add(question(body="Is E11.9 billable?").as_bytes())
    imap_server.add(question(sender="robot@clinic.example", headers={"Auto-Submitted": "auto-generated"}).as_bytes())
    settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES = 5000
    imap_server.add(question(sender="big@clinic.example", body="x" * 6000).as_bytes())
    result = imap.imap_poll()
    assert result.fetched == 3
    assert result.outcomes == {"accepted": 1, "auto_reply": 1, "too_large": 1}
    outbox.wait_for("coder@clinic.example")
    [bounce] = outbox.wait_for("big@clinic.example")
    assert "too large" in bounce.get_content()
    assert imap_server.seen == {1, 2, 3}
    assert imap.imap_poll().fetched == 0
    assert not outbox.to("robot@clinic.example")


def test_imap_not_configured(settings: Any) -> None:
    settings.MEDCODE_CONSULT_IMAP_HOST = ""
    with pytest.raises(ApplicationError, match="not configured"):
        imap.imap_poll()


def test_the_worker_polls_imap_on_its_schedule(imap_server: ImapServer, outbox: Mailbox, settings: Any) -> None:
    from medcode.core import tasks

    settings.MEDCODE_REDIS_URL = ""
    tasks.load_task_modules()
    for job in tasks._periodic:
        job.next_at = 0.0  # every periodic job is due, as when a worker starts
    imap_server.add(question(body="Is E11.9 billable?").as_bytes())
    tasks.worker_run(once=True)
    outbox.wait_for("coder@clinic.example")
    assert imap_server.seen == {1}


def test_a_web_follow_up_joins_the_thread_and_is_answered_by_email_in_it(outbox: Mailbox) -> None:
    user = make_account().user
    consult = services.consult_create_web(user=user, subject="Hypertension", text="Is I10 billable?")
    [first] = outbox.wait_for(user.email)
    follow_up = services.consult_followup_web(user=user, token=consult.token, text="And E11.9?")
    second = outbox.wait_for(user.email, count=2)[1]
    assert "E11.9" in second.get_content()
    assert second["In-Reply-To"] == follow_up.message_id
    assert first["Message-ID"] in str(second["References"])  # the same thread in the asker's mail client
    assert follow_up.in_reply_to == first["Message-ID"]
    assert Consult.objects.count() == 1 and consult.messages.filter(inbound=True).count() == 2
    assert Consult.objects.get().state == "answered"


def test_a_web_follow_up_on_an_escalated_consult_waits_for_staff(outbox: Mailbox, settings: Any) -> None:
    user, staff = make_account().user, make_account().user
    consult = services.consult_create_web(user=user, subject="", text="What about E11.9?")
    outbox.wait_for(user.email)
    services.consult_state_set(consult_id=consult.pk, state="escalated", by=staff)
    services.consult_followup_web(user=user, token=consult.token, text="Still waiting on the sequencing")
    consult.refresh_from_db()
    assert consult.state == "escalated" and consult.messages.filter(inbound=True).count() == 2
    with pytest.raises(services.ConsultError, match="empty"):
        services.consult_followup_web(user=user, token=consult.token, text="  ")
    with pytest.raises(services.ConsultNotFound):
        services.consult_followup_web(user=staff, token=consult.token, text="Not my consult")
    settings.MEDCODE_CONSULT_SENDER_RATE_PER_HOUR = 2
    with pytest.raises(services.ConsultError, match="in the last hour"):
        services.consult_followup_web(user=user, token=consult.token, text="A third message this hour")
    assert len(outbox.messages) == 1  # nothing more was mailed: staff answer from the queue
