"""Outbound consult mail: recorded before the send, sent after commit (never inside a transaction), then confirmed.

A message is built and its row recorded in the caller's transaction; the SMTP conversation happens after that
transaction has committed, so no database lock is held while a mail server is slow; the row is then marked sent.
Automatic replies are at most once per inbound message (docs/adr/0040): a send that may have reached the server
(the connection broke after the data, the process died) is never repeated, it goes to staff as unconfirmed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from medcode.consult import mail
from medcode.consult.models import Consult, ConsultMessage

log = logging.getLogger(__name__)

SENT, NOT_SENT, UNCONFIRMED = "sent", "not sent", "unconfirmed"
ANSWER_KINDS = frozenset({"auto_answer", "staff_answer"})
# A recorded message the mail server has not confirmed after this long was cut off by a crash (EMAIL_TIMEOUT is
# seconds): it goes to staff, and is not sent again.
UNCONFIRMED_AFTER = dt.timedelta(minutes=15)
MSG_IN_TRANSACTION = "consult mail is sent after commit, never inside a database transaction"
MSG_BAD_RECIPIENT = "the consult's sender is not a usable e-mail address"
MSG_UNCONFIRMED = "unconfirmed: the mail server did not confirm it ({error}); not sent again"
MSG_STOPPED = "unconfirmed: the desk stopped while sending it; not sent again"


@dataclass(frozen=True)
class Outgoing:
    """A recorded outbound message (row `pk`) and the e-mail to send for it after commit."""

    pk: int
    consult_id: int
    kind: str
    email: EmailMessage


@dataclass(frozen=True)
class Result:
    status: str  # SENT, NOT_SENT or UNCONFIRMED
    error: str = ""  # the exception's class name: never its message, which may quote a header


def own() -> str:
    return str(settings.MEDCODE_CONSULT_ADDRESS).lower()


def new_message_id() -> str:
    """A Message-ID from the OS's random source (email.utils.make_msgid uses `random`, which tests may seed)."""
    domain = own().partition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def subject_for(subject: str) -> str:
    """The reply's subject: "Re: " and the question's subject on one line."""
    subject = mail.header_safe(subject) or "Your coding question"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def build(
    *, to: str, subject: str, body: str, headers: dict[str, str], reply_to: list[str] | None = None
) -> EmailMessage:
    """An e-mail from the desk; every header value is put on one line, and the message is built once here so that
    a header Django refuses fails now, before anything is recorded, and not at the send."""
    address = mail.address(to)
    if not address:
        raise ValueError(MSG_BAD_RECIPIENT)
    email = EmailMessage(
        subject=mail.header_safe(subject),
        body=body,
        from_email=f"{mail.header_safe(settings.MEDCODE_CONSULT_FROM_NAME)} <{own()}>",
        to=[address],
        reply_to=reply_to or [],
        headers={name: mail.header_safe(value, limit=2000) for name, value in headers.items()},
    )
    email.message()
    return email


def record(
    *,
    consult: Consult,
    reply_to: ConsultMessage | None,
    kind: str,
    body: str,
    by: User | None,
    automatic_for: ConsultMessage | None = None,
) -> Outgoing:
    """Record one message of the thread, not yet sent (call inside the transaction that decides to send it).

    `automatic_for` is the inbound message an automatic reply answers: one each, by a unique column, so a second
    automatic reply to the same Message-ID cannot be recorded whatever crashed in between."""
    message_id = new_message_id()
    references = reply_to.references.split() if reply_to else []
    if reply_to is not None:
        references = [*references, reply_to.message_id][-20:]
    headers = {"Message-ID": message_id, "X-Loop": own()}
    if reply_to is not None:
        headers["In-Reply-To"] = reply_to.message_id
        headers["References"] = " ".join(references)
    if by is None:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots must not answer it
    email = build(
        to=consult.sender,
        subject=subject_for(consult.subject),
        body=body,
        headers=headers,
        reply_to=[mail.reply_address(token=consult.token, own_address=own())],
    )
    row = ConsultMessage.objects.create(
        consult=consult, inbound=False, kind=kind, message_id=message_id,
        in_reply_to=reply_to.message_id if reply_to else "", references=" ".join(references), from_addr=own(),
        to_addr=email.to[0], subject=str(email.subject), body=body, sent_by=by, answers=automatic_for,
    )  # fmt: skip
    return Outgoing(pk=row.pk, consult_id=consult.pk, kind=kind, email=email)


def send(email: EmailMessage) -> Result:
    """One SMTP conversation, outside any transaction; which failures prove the mail was not delivered."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError(MSG_IN_TRANSACTION)
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # no connection: nothing was handed over
        return Result(NOT_SENT, type(exc).__name__)
    try:
        connection.send_messages([email])
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, ValueError) as exc:
        # the server answered with an error code, or the message could not be built: nothing was delivered
        return Result(NOT_SENT, type(exc).__name__)
    except Exception as exc:  # the conversation broke off: the server may have taken the message
        return Result(UNCONFIRMED, type(exc).__name__)
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return Result(SENT)


def deliver(out: Outgoing) -> Result:
    """Send a recorded message and record what came of it: sent, or unconfirmed (to staff, never sent again).

    NOT_SENT is returned with the row left as it is; the caller decides (retry an automatic reply, tell staff)."""
    result = send(out.email)
    now = timezone.now()
    if result.status == SENT:
        ConsultMessage.objects.filter(pk=out.pk).update(sent_at=now)
        if out.kind in ANSWER_KINDS:
            Consult.objects.filter(pk=out.consult_id, first_response_at__isnull=True).update(first_response_at=now)
    elif result.status == UNCONFIRMED:
        unconfirmed_mark(pk=out.pk, failure=MSG_UNCONFIRMED.format(error=result.error), now=now)
    log.info("consult %s: %s %s (%s)", out.consult_id, out.kind, result.status, result.error or "-")
    return result


def unconfirmed_mark(*, pk: int, failure: str, now: dt.datetime) -> None:
    """The message may or may not have reached the server: staff look at the consult; it is not sent again."""
    with transaction.atomic():
        row = ConsultMessage.objects.select_for_update().filter(pk=pk, sent_at__isnull=True, failure="").first()
        if row is None:
            return
        row.failure = failure[:200]
        row.save(update_fields=["failure"])
        Consult.objects.filter(pk=row.consult_id).update(
            state="needs_review", reason="send_unconfirmed", last_activity_at=now, closed_at=None
        )


def unconfirmed_sweep(*, now: dt.datetime | None = None) -> int:
    """Recorded messages never confirmed (the process died mid-send) go to staff, once each."""
    now = now or timezone.now()
    pks = list(
        ConsultMessage.objects.filter(
            inbound=False, sent_at__isnull=True, failure="", created_at__lt=now - UNCONFIRMED_AFTER
        ).values_list("pk", flat=True)[:500]
    )
    for pk in pks:
        unconfirmed_mark(pk=pk, failure=MSG_STOPPED, now=now)
    return len(pks)
