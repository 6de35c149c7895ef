"""Consult desk writes: receive mail, answer it (assistant draft or staff review), staff replies, retention.

Nothing here logs what a correspondent wrote: log lines carry ids, outcomes and exception class names only.
Mail is recorded inside a transaction and sent after it commits (medcode/consult/delivery.py); a message the
desk cannot read or answer goes to the staff queue once, with the reason, and is not retried.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from medcode.accounts import selectors as accounts
from medcode.consult import answering, delivery, mail
from medcode.consult.models import Attachment, Consult, ConsultMessage, MailEvent
from medcode.core.errors import ApplicationError

log = logging.getLogger(__name__)

MSG_TOO_LARGE = (
    "Message too large for the consult desk: {size:,} bytes, the limit is {limit:,} bytes. "
    "Send the question as text, with PDF or image attachments of at most {attach:,} bytes each."
)
MSG_ATTACHMENT_TYPE = (
    "{name} ({declared}) was not kept: the consult desk keeps PDF files and images (PNG, JPEG, GIF, WebP) only, "
    "recognised by their content"
)
MSG_ATTACHMENT_SIZE = "{name} was not kept: it is {size:,} bytes, the limit is {limit:,} bytes per attachment"
MSG_QUOTA = (
    "Your plan's allowance of {limit} consult(s) this month is used. Your question was not stored. "
    "See the plans at {url}"
)
MSG_INVITE = (
    "We answer questions from registered users only. Register (free) at {url} with this e-mail address and send "
    "your question again. Your message was not stored."
)
MSG_EMPTY = "Write your question in the message: it has no text we could read"
MSG_FOLLOWUP_EMPTY = "Write your follow-up in the box: it is empty"
MSG_FOLLOWUP_RATE = (
    "You have sent {limit} messages to the consult desk in the last hour; wait a little and send this one again"
)
MSG_CONSULT_NOT_YOURS = "No such consult among yours"
MSG_STATE = "Unknown state {state}; use one of: {states}"
MSG_REPLY_EMPTY = "The reply is empty"
MSG_NOT_FOUND = "No consult {consult_id}"
MSG_UNANSWERABLE = "[Not answered automatically: {reason}.]"
MSG_ANSWER_FAILED = "could not be answered: {error} (attempt {attempt} of {attempts})"
MSG_NOT_SENT = "not sent: the mail server could not be reached or refused it ({error}; attempt {attempt} of {attempts})"
MSG_STAFF_NOT_SENT = (
    "The reply was not sent: the mail server could not be reached or refused it ({error}). It is not recorded; "
    "try again later."
)
MSG_STAFF_UNCONFIRMED = (
    "The mail server did not confirm the reply ({error}): it may or may not have arrived. It is recorded as "
    "unconfirmed and was not sent again."
)
# An inbound question is tried this many times (the worker re-queues it every five minutes), then goes to staff.
ANSWER_ATTEMPTS = 5
# Failures that come back on every try (a header that cannot be built, a structure Python cannot walk).
PERMANENT_ERRORS = (ValueError, LookupError, RecursionError, mail.Unreadable)
DISCLAIMER = (
    "--\nThis answer was drafted automatically by the {site} coding assistant from the official code sets; "
    "check it against the documentation of the case. Reply to this e-mail to continue the consult, or write "
    '"I want to talk to a human" to ask for a coder.'
)
ACK = (
    "Thank you for your question. It needs a look from one of our coders, who will answer by e-mail. "
    "Reply to this e-mail to add to your consult."
)


class MessageTooLarge(ApplicationError):
    """An inbound message over MEDCODE_CONSULT_MAX_MESSAGE_BYTES (SMTP: refused with 552)."""

    status = 413

    def __init__(self, message: str, *, receipt: Receipt) -> None:
        super().__init__(message)
        self.receipt = receipt


class ConsultError(ApplicationError):
    """A consult desk action that cannot be carried out as asked."""


class ConsultNotFound(ConsultError):
    status = 404


@dataclass(frozen=True)
class Receipt:
    outcome: str
    consult_id: int | None = None
    message_pk: int | None = None


_own = delivery.own
new_message_id = delivery.new_message_id


def _event(*, sender: str, outcome: str, message_id: str = "", consult: Consult | None = None, size: int = 0) -> None:
    MailEvent.objects.create(
        sender=sender[:254], outcome=outcome, message_id=message_id[:300], consult=consult, size=size
    )
    log.info("consult mail: %s (consult %s)", outcome, consult.pk if consult else "-")


def mail_receive(*, raw: bytes, envelope_from: str | None = None, recipients: list[str] | None = None) -> Receipt:
    """Take one inbound e-mail (SMTP listener or IMAP poll); the answer follows after commit.

    Over the size limit: MessageTooLarge (the listener refuses it with 552). Over the size limit or unreadable
    (MIME nested too deep, unparsable): to the staff queue once, with the reason, when a person sent it."""
    recipients = list(recipients or [])
    limit = settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES
    if len(raw) > limit:
        receipt = mail_too_large(head=raw[:65536], size=len(raw), envelope_from=envelope_from, recipients=recipients)
        raise MessageTooLarge(too_large_text(len(raw)), receipt=receipt)
    try:
        inbound = mail.read(raw, envelope_from=envelope_from, recipients=recipients, own_address=_own())
    except mail.Unreadable as exc:
        return _unanswerable(
            head=raw[:65536], size=len(raw), envelope_from=envelope_from, recipients=recipients,
            outcome="unreadable", reason=exc.reason,
        )  # fmt: skip
    try:
        return _receive(inbound, size=len(raw))
    except IntegrityError:
        # the same Message-ID stored concurrently by another listener or poller
        return Receipt(outcome="duplicate")


def too_large_text(size: int) -> str:
    limit = settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES
    return MSG_TOO_LARGE.format(size=size, limit=limit, attach=settings.MEDCODE_CONSULT_MAX_ATTACHMENT_BYTES)


def mail_too_large(*, head: bytes, size: int, envelope_from: str | None, recipients: list[str]) -> Receipt:
    """A message over the size limit, known by its header block and its size only (its body is never read)."""
    return _unanswerable(
        head=head, size=size, envelope_from=envelope_from, recipients=recipients,
        outcome="too_large", reason=too_large_text(size),
    )  # fmt: skip


def _is_duplicate(message_id: str) -> bool:
    return (
        ConsultMessage.objects.filter(message_id=message_id).exists()
        or MailEvent.objects.filter(message_id=message_id).exclude(outcome="accepted").exists()
    )


@transaction.atomic
def _unanswerable(
    *, head: bytes, size: int, envelope_from: str | None, recipients: list[str], outcome: str, reason: str
) -> Receipt:
    """A message the desk cannot answer: recorded once by its Message-ID; a person's goes to the staff queue."""
    message = mail.head(head)
    try:
        sender = mail.address(message.get("From")) or mail.address(envelope_from)
        message_id = mail.message_id_of(message, head)
        subject = mail.header_safe(message.get("Subject", ""))
        kind = mail.kind_of(message, sender=sender, envelope_from=envelope_from, own_address=_own())
        to = [mail.address(str(message.get(h, ""))) for h in ("To", "Cc", "Delivered-To")]
    except Exception:  # headers Python cannot read: known by the envelope only
        sender, subject, kind, to = mail.address(envelope_from), "", "person", []
        message_id = mail.message_id_of(mail.head(b""), head)
    if _is_duplicate(message_id):
        return Receipt(outcome="duplicate")
    now = timezone.now()
    if kind != "person" or not sender:
        _event(sender=sender, outcome=outcome, message_id=message_id, size=size)
        return Receipt(outcome=outcome)
    recent = MailEvent.objects.filter(sender=sender, at__gte=now - dt.timedelta(hours=1)).exclude(outcome="duplicate")
    if recent.count() >= settings.MEDCODE_CONSULT_SENDER_RATE_PER_HOUR:
        _event(sender=sender, outcome="rate_limited", message_id=message_id, size=size)
        return Receipt(outcome="rate_limited")
    token = mail.token_in([r.lower() for r in recipients] + [t for t in to if t], own_address=_own())
    consult = Consult.objects.select_for_update().filter(token=token, sender=sender).first() if token else None
    if consult is None:
        user = User.objects.filter(email__iexact=sender, is_active=True).first()
        consult = Consult.objects.create(user=user, sender=sender, channel="email", subject=subject)
    _set_state(consult, "needs_review", outcome, now)
    stored = ConsultMessage.objects.create(
        consult=consult, inbound=True, kind="question", message_id=message_id, from_addr=sender, to_addr=_own(),
        subject=subject, body=MSG_UNANSWERABLE.format(reason=reason), handled_at=now, failure=reason[:200],
    )  # fmt: skip
    _event(sender=sender, outcome=outcome, message_id=message_id, consult=consult, size=size)
    return Receipt(outcome=outcome, consult_id=consult.pk, message_pk=stored.pk)


def _month_start(now: dt.datetime) -> dt.datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def _receive(inbound: mail.Inbound, *, size: int) -> Receipt:
    now = timezone.now()
    if _is_duplicate(inbound.message_id):
        return Receipt(outcome="duplicate")
    token = mail.token_in(inbound.recipients, own_address=_own())
    if inbound.kind != "person":
        consult = Consult.objects.filter(token=token).first() if token else None
        if consult is not None and inbound.kind != "loop":
            ConsultMessage.objects.create(
                consult=consult, inbound=True, kind=inbound.kind, message_id=inbound.message_id,
                in_reply_to=inbound.in_reply_to, references=" ".join(inbound.references), from_addr=inbound.sender[:254],
                to_addr=_own(), subject=inbound.subject, body=inbound.text[:5000], handled_at=now,
            )  # fmt: skip
        _event(sender=inbound.sender, outcome=inbound.kind, message_id=inbound.message_id, consult=consult, size=size)
        return Receipt(outcome=inbound.kind, consult_id=consult.pk if consult else None)
    hour_ago = now - dt.timedelta(hours=1)
    recent = MailEvent.objects.filter(sender=inbound.sender, at__gte=hour_ago).exclude(outcome="duplicate").count()
    if recent >= settings.MEDCODE_CONSULT_SENDER_RATE_PER_HOUR:
        _event(sender=inbound.sender, outcome="rate_limited", message_id=inbound.message_id, size=size)
        return Receipt(outcome="rate_limited")
    if not inbound.text.strip() and not inbound.attachments:
        _event(sender=inbound.sender, outcome="empty", message_id=inbound.message_id, size=size)
        _notice_on_commit(to=inbound.sender, subject=inbound.subject, in_reply_to=inbound.message_id, body=MSG_EMPTY)
        return Receipt(outcome="empty")
    consult = Consult.objects.select_for_update().filter(token=token, sender=inbound.sender).first() if token else None
    if consult is None:
        user = User.objects.filter(email__iexact=inbound.sender, is_active=True).first()
        policy = settings.MEDCODE_CONSULT_UNKNOWN_SENDERS
        if user is None and policy == "invite":
            url = settings.MEDCODE_BASE_URL + reverse("accounts:register")
            _notice_on_commit(
                to=inbound.sender,
                subject=inbound.subject,
                in_reply_to=inbound.message_id,
                body=MSG_INVITE.format(url=url),
            )
            _event(sender=inbound.sender, outcome="invited", message_id=inbound.message_id, size=size)
            return Receipt(outcome="invited")
        refusal = quota_check(user=user, sender=inbound.sender, now=now)
        if refusal:
            _notice_on_commit(to=inbound.sender, subject=inbound.subject, in_reply_to=inbound.message_id, body=refusal)
            _event(sender=inbound.sender, outcome="quota", message_id=inbound.message_id, size=size)
            return Receipt(outcome="quota")
        consult = Consult.objects.create(
            user=user, sender=inbound.sender, channel="email", subject=inbound.subject,
            reason="operator_review" if user is None and policy == "review" else "",
        )  # fmt: skip
    message = _store_question(consult=consult, inbound=inbound, now=now)
    _event(sender=inbound.sender, outcome="accepted", message_id=inbound.message_id, consult=consult, size=size)
    _answer_on_commit(message.pk)
    return Receipt(outcome="accepted", consult_id=consult.pk, message_pk=message.pk)


def quota_check(*, user: User | None, sender: str, now: dt.datetime) -> str | None:
    """The refusal text when the sender's plan allows no more consults this month, else None."""
    plan = accounts.plan_for(user) if user is not None else accounts.plan_guest()
    limit = plan.consults_per_month
    if limit is None:
        return None
    used = Consult.objects.filter(created_at__gte=_month_start(now))
    used = used.filter(user=user) if user is not None else used.filter(sender=sender, user__isnull=True)
    if used.count() >= limit:
        return MSG_QUOTA.format(limit=limit, url=settings.MEDCODE_BASE_URL + reverse("accounts:upgrade"))
    return None


def _store_question(*, consult: Consult, inbound: mail.Inbound, now: dt.datetime) -> ConsultMessage:
    refused: list[str] = []
    kept: list[tuple[mail.Part, str]] = []
    max_size = settings.MEDCODE_CONSULT_MAX_ATTACHMENT_BYTES
    for part in inbound.attachments[:20]:
        content_type = mail.kept_type(part.data)
        if content_type is None:
            refused.append(MSG_ATTACHMENT_TYPE.format(name=part.filename, declared=part.declared_type))
        elif len(part.data) > max_size:
            refused.append(MSG_ATTACHMENT_SIZE.format(name=part.filename, size=len(part.data), limit=max_size))
        else:
            kept.append((part, content_type))
    message = ConsultMessage.objects.create(
        consult=consult, inbound=True, kind="question", message_id=inbound.message_id, in_reply_to=inbound.in_reply_to,
        references=" ".join(inbound.references), from_addr=inbound.sender[:254], to_addr=_own(),
        subject=inbound.subject, body=inbound.text, refused_attachments=refused,
    )  # fmt: skip
    Attachment.objects.bulk_create(
        [
            Attachment(message=message, filename=p.filename, content_type=t, size=len(p.data), data=p.data)
            for p, t in kept
        ]
    )
    Consult.objects.filter(pk=consult.pk).update(last_activity_at=now)
    return message


def _answer_on_commit(message_pk: int) -> None:
    from medcode.consult import tasks

    transaction.on_commit(lambda: tasks.consult_answer.delay(message_pk=message_pk))


@transaction.atomic
def consult_create_web(*, user: User, subject: str, text: str) -> Consult:
    """A question from the web form of a logged-in user; the answer goes to their e-mail and the consult page."""
    text = text.strip()
    if not text:
        raise ConsultError(MSG_EMPTY)
    now = timezone.now()
    refusal = quota_check(user=user, sender=user.email.lower(), now=now)
    if refusal:
        raise ConsultError(refusal.replace(" Your question was not stored.", ""))
    consult = Consult.objects.create(user=user, sender=user.email.lower(), channel="web", subject=subject.strip()[:300])
    inbound = mail.Inbound(
        sender=user.email.lower(), message_id=new_message_id(), in_reply_to="",
        references=[], subject=subject.strip()[:300] or "Coding question", text=text[:20_000], recipients=[], kind="person",
    )  # fmt: skip
    message = _store_question(consult=consult, inbound=inbound, now=now)
    _answer_on_commit(message.pk)
    return consult


@transaction.atomic
def consult_followup_web(*, user: User, token: str, text: str) -> ConsultMessage:
    """A follow-up written on the consult's page by its signed-in asker: it joins the same thread, as a reply by
    e-mail does (not counted as a new consult; the sender's hourly rate applies), and is answered the same way."""
    text = text.strip()
    if not text:
        raise ConsultError(MSG_FOLLOWUP_EMPTY)
    consult = Consult.objects.select_for_update().filter(token=token, user=user).first()
    if consult is None:
        raise ConsultNotFound(MSG_CONSULT_NOT_YOURS)
    now = timezone.now()
    limit = settings.MEDCODE_CONSULT_SENDER_RATE_PER_HOUR
    recent = ConsultMessage.objects.filter(
        inbound=True, consult__user=user, created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent >= limit:
        raise ConsultError(MSG_FOLLOWUP_RATE.format(limit=limit))
    last = consult.messages.exclude(kind__in=("auto_reply", "bounce")).order_by("-created_at", "-id").first()
    references = [*last.references.split(), last.message_id][-20:] if last is not None else []
    inbound = mail.Inbound(
        sender=consult.sender, message_id=new_message_id(), in_reply_to=last.message_id if last else "",
        references=references, subject=consult.subject or "Coding question", text=text[:20_000], recipients=[],
        kind="person",
    )  # fmt: skip
    message = _store_question(consult=consult, inbound=inbound, now=now)
    _answer_on_commit(message.pk)
    return message


def consult_answer(*, message_pk: int) -> str:
    """Answer one inbound question: the assistant's draft goes out when confident, else the consult waits for staff.

    The reply is decided and recorded (one automatic reply per inbound message) in a transaction, and sent after
    it commits. A failure is retried up to ANSWER_ATTEMPTS times, then the consult goes to staff with the reason."""
    message = ConsultMessage.objects.select_related("consult").filter(pk=message_pk, inbound=True).first()
    if message is None or message.handled_at is not None:
        return "skipped"
    try:
        consult = message.consult
        held = consult.state in {"needs_review", "escalated"} and consult.messages.filter(inbound=False).exists()
        human = mail.asks_for_human(message.body)
        draft = (
            None if held or human or consult.reason == "operator_review" else answering.answer_question(message.body)
        )
        with transaction.atomic():
            message = ConsultMessage.objects.select_for_update().get(pk=message_pk)
            if message.handled_at is not None:
                return "skipped"
            consult = Consult.objects.select_for_update().get(pk=message.consult_id)
            now = timezone.now()
            outcome, outgoing = _decide(consult=consult, message=message, draft=draft, held=held, human=human, now=now)
            message.handled_at = now
            message.save(update_fields=["handled_at"])
    except IntegrityError:
        return "skipped"  # an automatic reply to this message is already recorded
    except Exception as exc:  # counted, and sent to staff after the last attempt: never retried forever
        return _answer_failed(
            message_pk=message_pk, error=type(exc).__name__, permanent=isinstance(exc, PERMANENT_ERRORS)
        )
    log.info("consult %s: %s", consult.pk, outcome)
    if outgoing is not None:
        result = delivery.deliver(outgoing)
        if result.status == delivery.NOT_SENT:
            return _automatic_not_sent(outgoing=outgoing, message_pk=message_pk, error=result.error)
    return outcome


def _answer_failed(*, message_pk: int, error: str, permanent: bool) -> str:
    with transaction.atomic():
        message = ConsultMessage.objects.select_for_update().filter(pk=message_pk, handled_at__isnull=True).first()
        if message is None:
            return "skipped"
        message.attempts += 1
        message.failure = MSG_ANSWER_FAILED.format(error=error, attempt=message.attempts, attempts=ANSWER_ATTEMPTS)
        outcome = "failed, will retry"
        if permanent or message.attempts >= ANSWER_ATTEMPTS:
            message.handled_at = timezone.now()
            consult = Consult.objects.select_for_update().get(pk=message.consult_id)
            _set_state(consult, "needs_review", "failed", message.handled_at)
            outcome = "failed, to staff"
        message.save(update_fields=["attempts", "failure", "handled_at"])
    log.warning("consult answer for message %s: %s (%s)", message_pk, outcome, error)
    return outcome


def _automatic_not_sent(*, outgoing: delivery.Outgoing, message_pk: int, error: str) -> str:
    """Nothing reached the mail server: forget the recorded reply and try the question again, or give it to staff."""
    with transaction.atomic():
        ConsultMessage.objects.filter(pk=outgoing.pk, sent_at__isnull=True).delete()
        message = ConsultMessage.objects.select_for_update().get(pk=message_pk)
        consult = Consult.objects.select_for_update().get(pk=message.consult_id)
        message.attempts += 1
        message.failure = MSG_NOT_SENT.format(error=error, attempt=message.attempts, attempts=ANSWER_ATTEMPTS)
        now = timezone.now()
        if message.attempts >= ANSWER_ATTEMPTS:
            _set_state(consult, "needs_review", "send_failed", now)
            outcome = "not sent, to staff"
        else:
            message.handled_at = None  # `unanswered_requeue` tries it again
            if consult.state == "answered" and outgoing.kind == "auto_answer":
                _set_state(consult, "new", "", now)
            outcome = "not sent, will retry"
        message.save(update_fields=["attempts", "failure", "handled_at"])
    log.warning("consult %s: %s (%s)", outgoing.consult_id, outcome, error)
    return outcome


def _decide(
    *,
    consult: Consult,
    message: ConsultMessage,
    draft: answering.Answer | None,
    held: bool,
    human: bool,
    now: dt.datetime,
) -> tuple[str, delivery.Outgoing | None]:
    if held:
        consult.last_activity_at = now
        consult.save(update_fields=["last_activity_at"])
        return "held for staff", None
    recent_auto = consult.messages.filter(
        inbound=False, sent_by__isnull=True, created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent_auto >= settings.MEDCODE_CONSULT_AUTO_REPLIES_PER_THREAD_HOUR:
        _set_state(consult, "needs_review", "loop", now)
        MailEvent.objects.create(sender=consult.sender, outcome="loop", message_id=message.message_id, consult=consult)
        return "loop stopped", None
    if draft is not None:
        consult.draft, consult.draft_confidence = draft.text, draft.confidence
        consult.draft_source, consult.draft_codes = draft.source, draft.codes
    notes = list(message.refused_attachments)
    if draft is not None and draft.text and draft.confidence >= settings.MEDCODE_CONSULT_MIN_CONFIDENCE:
        body = "\n\n".join([draft.text, *notes, DISCLAIMER.format(site=settings.MEDCODE_SITE_NAME)])
        answer = delivery.record(
            consult=consult, reply_to=message, kind="auto_answer", body=body, by=None, automatic_for=message
        )
        _set_state(consult, "answered", "", now)
        return "answered", answer
    reason = (
        "asked_for_human"
        if human
        else consult.reason or ("no_answer" if not (draft and draft.text) else "low_confidence")
    )
    _set_state(consult, "needs_review", reason, now)
    ack = None
    if not consult.messages.filter(kind="ack").exists():
        body = "\n\n".join([ACK, *notes])
        ack = delivery.record(consult=consult, reply_to=message, kind="ack", body=body, by=None, automatic_for=message)
    return f"needs review ({reason})", ack


def _set_state(consult: Consult, state: str, reason: str, now: dt.datetime) -> None:
    consult.state, consult.reason, consult.last_activity_at = state, reason, now
    consult.closed_at = now if state == "closed" else None
    consult.save()


def _notice_on_commit(*, to: str, subject: str, in_reply_to: str, body: str) -> None:
    """A short automatic notice (quota, invitation, refusal) that is not part of a stored consult, sent after commit."""
    ids = mail.ids(in_reply_to)[:1]
    headers = {"Auto-Submitted": "auto-replied", "X-Loop": _own(), "Message-ID": new_message_id()}
    if ids:
        headers["In-Reply-To"] = headers["References"] = ids[0]
    try:
        email = delivery.build(to=to, subject=delivery.subject_for(subject), body=body, headers=headers)
    except ValueError:
        log.warning("consult notice not sent: no usable address")
        return

    def send() -> None:
        result = delivery.send(email)
        log.info("consult notice %s (%s)", result.status, result.error or "-")

    transaction.on_commit(send)


def bounce_send(*, to: str, subject: str, in_reply_to: str, reason: str) -> None:
    """Tell the sender why a message was refused (used where SMTP could not refuse it: IMAP)."""
    with transaction.atomic():
        _notice_on_commit(
            to=to, subject=f"Undelivered: {mail.header_safe(subject)}"[:200], in_reply_to=in_reply_to, body=reason
        )


def staff_reply_send(*, consult_id: int, text: str, by: User, close: bool = True) -> ConsultMessage:
    """A staff member's reply (edited draft or their own words), recorded with who sent it, sent after commit.

    ConsultError when the mail server refused it (nothing is recorded) or did not confirm it (recorded as
    unconfirmed, and the consult stays in review)."""
    text = text.strip()
    if not text:
        raise ConsultError(MSG_REPLY_EMPTY)
    with transaction.atomic():
        consult = Consult.objects.select_for_update().filter(pk=consult_id).first()
        if consult is None:
            raise ConsultError(MSG_NOT_FOUND.format(consult_id=consult_id))
        last_question = consult.messages.filter(inbound=True, kind="question").order_by("-created_at", "-id").first()
        try:
            out = delivery.record(consult=consult, reply_to=last_question, kind="staff_answer", body=text, by=by)
        except ValueError as exc:
            raise ConsultError(MSG_STAFF_NOT_SENT.format(error=exc)) from exc
    result = delivery.deliver(out)
    if result.status == delivery.NOT_SENT:
        ConsultMessage.objects.filter(pk=out.pk, sent_at__isnull=True).delete()
        raise ConsultError(MSG_STAFF_NOT_SENT.format(error=result.error))
    if result.status == delivery.UNCONFIRMED:
        raise ConsultError(MSG_STAFF_UNCONFIRMED.format(error=result.error))
    with transaction.atomic():
        consult = Consult.objects.select_for_update().get(pk=consult_id)
        _set_state(consult, "closed" if close else "answered", "staff" if not close else "", timezone.now())
    return ConsultMessage.objects.get(pk=out.pk)


@transaction.atomic
def consult_state_set(*, consult_id: int, state: str, by: User) -> Consult:
    states = {"needs_review", "escalated", "closed", "new", "answered"}
    if state not in states:
        raise ConsultError(MSG_STATE.format(state=state, states=", ".join(sorted(states))))
    consult = Consult.objects.select_for_update().filter(pk=consult_id).first()
    if consult is None:
        raise ConsultError(MSG_NOT_FOUND.format(consult_id=consult_id))
    _set_state(consult, state, "staff", timezone.now())
    log.info("consult %s: state %s by user %s", consult.pk, state, by.pk)
    return consult


@transaction.atomic
def consults_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete consults (with messages and attachments) and inbound-mail records older than the retention period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.MEDCODE_CONSULT_RETENTION_DAYS)
    expired = Consult.objects.filter(last_activity_at__lt=cutoff)
    count = expired.count()
    expired.delete()
    MailEvent.objects.filter(at__lt=cutoff).delete()
    return count


def unanswered_requeue(*, older_than_seconds: int = 120) -> int:
    """Questions stored but not handled (a crash before the answer was recorded, a send the mail server refused)
    are queued again; answers recorded but never confirmed sent (a crash mid-send) go to staff, not out again."""
    from medcode.consult import tasks

    delivery.unconfirmed_sweep()
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pks = list(
        ConsultMessage.objects.filter(
            inbound=True, kind="question", handled_at__isnull=True, created_at__lt=cutoff,
            attempts__lt=ANSWER_ATTEMPTS,
        ).values_list("pk", flat=True)[:500]
    )  # fmt: skip
    for pk in pks:
        tasks.consult_answer.delay(message_pk=pk)
    return len(pks)
