"""The desk over real SMTP on loopback: question in by SMTP, answer out by SMTP with threading headers, replies,
auto-replies, bounces, loops, size limits, attachments, rate limits, allowances, unknown senders."""

from __future__ import annotations

import smtplib
import time
from typing import Any

import pytest

from medcode.accounts.models import Plan
from medcode.accounts.tests.factories import make_account
from medcode.consult import answering, services
from medcode.consult.models import Attachment, Consult, ConsultMessage, MailEvent
from medcode.consult.tests.conftest import DESK, SendMail, question
from medcode.consult.tests.support import Mailbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("codebook")]
SENDER = "coder@clinic.example"


def _settle(seconds: float = 0.5) -> None:
    time.sleep(seconds)


def test_question_by_smtp_gets_an_answer_by_smtp_with_threading_headers(send: SendMail, outbox: Mailbox) -> None:
    sent = send()
    [reply] = outbox.wait_for(SENDER)
    consult = Consult.objects.get()
    assert reply["In-Reply-To"] == sent["Message-ID"]
    assert sent["Message-ID"] in str(reply["References"])
    assert reply["Subject"] == "Re: Question about E11.9"
    assert str(reply["Reply-To"]) == f"consult+{consult.token}@desk.example"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Loop"] == DESK
    body = reply.get_content()
    assert "E11.9" in body and "Type 2 diabetes mellitus without complications" in body
    if not answering.assistant_available():
        assert answering.FALLBACK_LABEL in body
    assert consult.state == "answered"
    assert consult.first_response_at is not None
    out = ConsultMessage.objects.get(inbound=False)
    assert out.message_id == reply["Message-ID"] and out.sent_by is None


def test_a_reply_continues_the_thread(send: SendMail, outbox: Mailbox) -> None:
    first = send()
    [answer] = outbox.wait_for(SENDER)
    follow_up = question(
        to=str(answer["Reply-To"]),
        subject=f"Re: {first['Subject']}",
        body="Thanks. And what about I10 with it?\n\nOn Mon, the desk wrote:\n> E11.9 ...",
        headers={"In-Reply-To": answer["Message-ID"], "References": f"{first['Message-ID']} {answer['Message-ID']}"},
    )
    send(follow_up)
    replies = outbox.wait_for(SENDER, count=2)
    assert Consult.objects.count() == 1
    second = replies[1]
    assert second["In-Reply-To"] == follow_up["Message-ID"]
    refs = str(second["References"]).split()
    assert refs[-3:] == [first["Message-ID"], answer["Message-ID"], follow_up["Message-ID"]]
    assert "I10" in second.get_content()
    inbound = ConsultMessage.objects.filter(inbound=True).order_by("id")
    assert "E11.9 ..." not in inbound[1].body  # the quoted part is not the question


def test_a_guessed_or_foreign_token_does_not_join_a_thread(send: SendMail, outbox: Mailbox) -> None:
    send()
    [answer] = outbox.wait_for(SENDER)
    # another sender who got hold of the reply address starts their own consult
    send(question(sender="intruder@else.example", to=str(answer["Reply-To"]), body="What is I10?"))
    outbox.wait_for("intruder@else.example")
    # a made-up token is just another address of the desk
    send(question(to="consult+aaaaaaaaaaaaaaaaaaaaaaaaaa@desk.example", body="What is I10?"))
    outbox.wait_for(SENDER, count=2)
    assert Consult.objects.count() == 3
    assert Consult.objects.filter(sender=SENDER).count() == 2


@pytest.mark.parametrize(
    "headers,subject",
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: Question about E11.9"),
        ({"X-Autoreply": "yes"}, "Re: Question about E11.9"),
        ({"Precedence": "bulk"}, "Re: Question about E11.9"),
        ({}, "Out of Office: back on Monday E11.9"),
        ({}, "Automatic reply: Question about E11.9"),
    ],
)
def test_auto_replies_are_not_answered(send: SendMail, outbox: Mailbox, headers: dict[str, str], subject: str) -> None:
    send()
    [answer] = outbox.wait_for(SENDER)
    send(question(to=str(answer["Reply-To"]), subject=subject, body="I am out of the office. E11.9", headers=headers))
    _settle()
    assert len(outbox.to(SENDER)) == 1
    assert MailEvent.objects.filter(outcome="auto_reply").count() == 1
    consult = Consult.objects.get()
    assert consult.messages.filter(kind="auto_reply").count() == 1
    assert consult.state == "answered"


def test_bounces_are_not_answered(send: SendMail, outbox: Mailbox) -> None:
    send()
    [answer] = outbox.wait_for(SENDER)
    bounce = question(
        sender="MAILER-DAEMON@clinic.example",
        to=str(answer["Reply-To"]),
        subject="Undelivered Mail Returned to Sender",
        body="E11.9 could not be delivered",
    )
    send(bounce, mail_from="")
    _settle()
    assert len(outbox.messages) == 1
    assert MailEvent.objects.filter(outcome="bounce").count() == 1


def test_our_own_mail_coming_back_is_a_loop_and_not_answered(send: SendMail, outbox: Mailbox) -> None:
    send(question(headers={"X-Loop": DESK}))
    send(question(sender=DESK, body="E11.9"))
    _settle()
    assert outbox.messages == []
    assert MailEvent.objects.filter(outcome="loop").count() == 2
    assert not Consult.objects.exists()


def test_a_robot_that_answers_every_answer_is_stopped(send: SendMail, outbox: Mailbox, settings: Any) -> None:
    settings.MEDCODE_CONSULT_AUTO_REPLIES_PER_THREAD_HOUR = 3
    first = send()
    for n in range(6):  # a robot without any auto-reply header replying to each answer
        latest = outbox.wait_for(SENDER, count=min(n + 1, 3))[-1]
        send(
            question(
                to=str(latest["Reply-To"]),
                subject=f"Re: {first['Subject']}",
                body=f"Received your message about E11.9 ({n})",
            )
        )
    _settle()
    assert len(outbox.to(SENDER)) == 3
    consult = Consult.objects.get()
    assert consult.state == "needs_review" and consult.reason == "loop"
    assert MailEvent.objects.filter(outcome="loop").exists()


def test_an_oversized_message_is_refused_with_a_clear_reason(send: SendMail, outbox: Mailbox, settings: Any) -> None:
    settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES = 20_000
    big = question(attachments=[("scan.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 40_000)])
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(big)
    assert refused.value.smtp_code == 552
    error = refused.value.smtp_error
    text = error.decode() if isinstance(error, bytes) else error
    assert "too large" in text and "20,000 bytes" in text
    assert Consult.objects.get().reason == "too_large"  # in the staff queue, unanswered
    assert not Attachment.objects.exists()
    assert MailEvent.objects.get().outcome == "too_large"
    assert outbox.messages == []


def test_pdf_and_images_are_kept_other_attachments_refused_with_an_explanation(send: SendMail, outbox: Mailbox) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    send(
        attachments=[
            ("op-note.pdf", "application/pdf", b"%PDF-1.7\n1 0 obj\n%%EOF\n"),
            ("photo.png", "image/png", png),
            ("tool.pdf", "application/pdf", b"MZ\x90\x00 not a pdf at all"),
            ("notes.docx", "application/octet-stream", b"PK\x03\x04 word"),
        ]
    )
    [reply] = outbox.wait_for(SENDER)
    message = ConsultMessage.objects.get(inbound=True)
    kept = {(a.filename, a.content_type) for a in message.attachments.all()}
    assert kept == {("op-note.pdf", "application/pdf"), ("photo.png", "image/png")}
    assert message.attachments.get(content_type="image/png").data == png
    body = reply.get_content()
    assert "tool.pdf (application/pdf) was not kept" in body
    assert "notes.docx" in body and "PDF files and images" in body


def test_a_question_the_desk_cannot_answer_goes_to_review_with_an_acknowledgement(
    send: SendMail, outbox: Mailbox
) -> None:
    send(body="How should I code this complicated case? Please help.", subject="A case")
    [ack] = outbox.wait_for(SENDER)
    assert services.ACK in ack.get_content()
    consult = Consult.objects.get()
    assert consult.state == "needs_review" and consult.reason in {"no_answer", "low_confidence"}
    assert consult.first_response_at is None  # an acknowledgement is not an answer


def test_asking_for_a_human_goes_to_review(send: SendMail, outbox: Mailbox) -> None:
    send(body="E11.9 again. I want to talk to a human please.")
    outbox.wait_for(SENDER)
    consult = Consult.objects.get()
    assert (consult.state, consult.reason) == ("needs_review", "asked_for_human")


def test_per_sender_rate_limit(send: SendMail, outbox: Mailbox, settings: Any) -> None:
    settings.MEDCODE_CONSULT_SENDER_RATE_PER_HOUR = 2
    for _ in range(3):
        send()
    _settle()
    assert len(outbox.to(SENDER)) == 2
    assert MailEvent.objects.filter(outcome="rate_limited").count() == 1


def test_monthly_allowance_per_plan(send: SendMail, outbox: Mailbox) -> None:
    Plan.objects.filter(slug="guest").update(consults_per_month=1)
    account = make_account(plan=Plan.objects.get(slug="pro"))
    send()
    send(body="And I10?")
    replies = outbox.wait_for(SENDER, count=2)
    assert "allowance of 1 consult(s) this month is used" in replies[1].get_content()
    assert Consult.objects.filter(sender=SENDER).count() == 1
    for _ in range(2):  # an account on an unlimited plan is not limited
        send(question(sender=account.user.email))
    outbox.wait_for(account.user.email, count=2)
    assert Consult.objects.filter(user=account.user).count() == 2


def test_unknown_senders_invited_to_register_when_the_operator_says_so(
    send: SendMail, outbox: Mailbox, settings: Any
) -> None:
    settings.MEDCODE_CONSULT_UNKNOWN_SENDERS = "invite"
    send()
    [invite] = outbox.wait_for(SENDER)
    assert "http://medcode.example/account/register/" in invite.get_content()
    assert not Consult.objects.exists() and not ConsultMessage.objects.exists()
    account = make_account()
    send(question(sender=account.user.email))
    outbox.wait_for(account.user.email)
    assert Consult.objects.get().user == account.user


def test_unknown_senders_held_for_review_when_the_operator_says_so(
    send: SendMail, outbox: Mailbox, settings: Any
) -> None:
    settings.MEDCODE_CONSULT_UNKNOWN_SENDERS = "review"
    send()
    [ack] = outbox.wait_for(SENDER)
    assert services.ACK in ack.get_content()
    assert Consult.objects.get().reason == "operator_review"


def test_a_message_delivered_twice_is_answered_once(send: SendMail, outbox: Mailbox) -> None:
    message = question()
    send(message)
    send(message)
    _settle()
    assert len(outbox.to(SENDER)) == 1
    assert ConsultMessage.objects.filter(inbound=True).count() == 1


def test_rcpt_to_another_address_is_refused(listener: tuple[str, int]) -> None:
    with smtplib.SMTP(*listener, timeout=10) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.send_message(question(to="someone@else.example"))
