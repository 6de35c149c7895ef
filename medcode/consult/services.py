"""Consult desk writes: receive mail, answer it (assistant draft or staff review), staff replies, retention.

Nothing here logs what a correspondent wrote: log lines carry ids and outcomes only.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from medcode.accounts import selectors as accounts
from medcode.consult import answering, mail
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
MSG_STATE = "Unknown state {state}; use one of: {states}"
MSG_REPLY_EMPTY = "The reply is empty"
MSG_NOT_FOUND = "No consult {consult_id}"
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


class ConsultError(ApplicationError):
    """A consult desk action that cannot be carried out as asked."""


class ConsultNotFound(ConsultError):
    status = 404


@dataclass(frozen=True)
class Receipt:
    outcome: str
    consult_id: int | None = None
    message_pk: int | None = None


def _own() -> str:
    return str(settings.MEDCODE_CONSULT_ADDRESS).lower()


def new_message_id() -> str:
    """A Message-ID from the OS's random source (email.utils.make_msgid uses `random`, which tests may seed)."""
    domain = _own().partition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def _event(*, sender: str, outcome: str, message_id: str = "", consult: Consult | None = None, size: int = 0) -> None:
    MailEvent.objects.create(
        sender=sender[:254], outcome=outcome, message_id=message_id[:300], consult=consult, size=size
    )
    log.info("consult mail: %s (consult %s)", outcome, consult.pk if consult else "-")


def mail_receive(*, raw: bytes, envelope_from: str | None = None, recipients: list[str] | None = None) -> Receipt:
    """Take one inbound e-mail (SMTP listener or IMAP poll); the answer follows after commit."""
    limit = settings.MEDCODE_CONSULT_MAX_MESSAGE_BYTES
    if len(raw) > limit:
        sender = mail.address(mail.parse(raw[:65536]).get("From")) or mail.address(envelope_from)
        MailEvent.objects.create(sender=sender[:254], outcome="too_large", size=len(raw))
        raise MessageTooLarge(
            MSG_TOO_LARGE.format(size=len(raw), limit=limit, attach=settings.MEDCODE_CONSULT_MAX_ATTACHMENT_BYTES)
        )
    inbound = mail.read(raw, envelope_from=envelope_from, recipients=list(recipients or []), own_address=_own())
    try:
        return _receive(inbound, size=len(raw))
    except IntegrityError:
        # the same Message-ID stored concurrently by another listener or poller
        return Receipt(outcome="duplicate")


def _month_start(now: dt.datetime) -> dt.datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def _receive(inbound: mail.Inbound, *, size: int) -> Receipt:
    now = timezone.now()
    if (
        ConsultMessage.objects.filter(message_id=inbound.message_id).exists()
        or MailEvent.objects.filter(message_id=inbound.message_id).exclude(outcome="accepted").exists()
    ):
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


def consult_answer(*, message_pk: int) -> str:
    """Answer one inbound question: the assistant's draft goes out when confident, else the consult waits for staff."""
    message = ConsultMessage.objects.select_related("consult").filter(pk=message_pk, inbound=True).first()
    if message is None or message.handled_at is not None:
        return "skipped"
    consult = message.consult
    held = consult.state in {"needs_review", "escalated"} and consult.messages.filter(inbound=False).exists()
    human = mail.asks_for_human(message.body)
    draft = None if held or human or consult.reason == "operator_review" else answering.answer_question(message.body)
    with transaction.atomic():
        message = ConsultMessage.objects.select_for_update().get(pk=message_pk)
        if message.handled_at is not None:
            return "skipped"
        consult = Consult.objects.select_for_update().get(pk=message.consult_id)
        now = timezone.now()
        outcome = _decide(consult=consult, message=message, draft=draft, held=held, human=human, now=now)
        message.handled_at = now
        message.save(update_fields=["handled_at"])
    log.info("consult %s: %s", consult.pk, outcome)
    return outcome


def _decide(
    *,
    consult: Consult,
    message: ConsultMessage,
    draft: answering.Answer | None,
    held: bool,
    human: bool,
    now: dt.datetime,
) -> str:
    if held:
        consult.last_activity_at = now
        consult.save(update_fields=["last_activity_at"])
        return "held for staff"
    recent_auto = consult.messages.filter(
        inbound=False, sent_by__isnull=True, created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent_auto >= settings.MEDCODE_CONSULT_AUTO_REPLIES_PER_THREAD_HOUR:
        _set_state(consult, "needs_review", "loop", now)
        MailEvent.objects.create(sender=consult.sender, outcome="loop", message_id=message.message_id, consult=consult)
        return "loop stopped"
    if draft is not None:
        consult.draft, consult.draft_confidence = draft.text, draft.confidence
        consult.draft_source, consult.draft_codes = draft.source, draft.codes
    notes = list(message.refused_attachments)
    if draft is not None and draft.text and draft.confidence >= settings.MEDCODE_CONSULT_MIN_CONFIDENCE:
        body = "\n\n".join([draft.text, *notes, DISCLAIMER.format(site=settings.MEDCODE_SITE_NAME)])
        _send(consult=consult, reply_to=message, kind="auto_answer", body=body, by=None, now=now)
        _set_state(consult, "answered", "", now)
        return "answered"
    reason = (
        "asked_for_human"
        if human
        else consult.reason or ("no_answer" if not (draft and draft.text) else "low_confidence")
    )
    _set_state(consult, "needs_review", reason, now)
    if not consult.messages.filter(kind="ack").exists():
        _send(consult=consult, reply_to=message, kind="ack", body="\n\n".join([ACK, *notes]), by=None, now=now)
    return f"needs review ({reason})"


def _set_state(consult: Consult, state: str, reason: str, now: dt.datetime) -> None:
    consult.state, consult.reason, consult.last_activity_at = state, reason, now
    consult.closed_at = now if state == "closed" else None
    consult.save()


def _subject(subject: str) -> str:
    subject = subject.strip() or "Your coding question"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _send(
    *, consult: Consult, reply_to: ConsultMessage | None, kind: str, body: str, by: User | None, now: dt.datetime
) -> ConsultMessage:
    """Send one message of the thread through Django's mail backend, with threading and anti-loop headers."""
    own = _own()
    message_id = new_message_id()
    references = reply_to.references.split() if reply_to else []
    if reply_to is not None:
        references = [*references, reply_to.message_id][-20:]
    headers = {"Message-ID": message_id, "X-Loop": own}
    if reply_to is not None:
        headers["In-Reply-To"] = reply_to.message_id
        headers["References"] = " ".join(references)
    if by is None:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots must not answer it
    subject = _subject(consult.subject)
    email = EmailMessage(
        subject=subject, body=body, from_email=f"{settings.MEDCODE_CONSULT_FROM_NAME} <{own}>", to=[consult.sender],
        reply_to=[mail.reply_address(token=consult.token, own_address=own)], headers=headers,
    )  # fmt: skip
    email.send(fail_silently=False)
    sent = ConsultMessage.objects.create(
        consult=consult, inbound=False, kind=kind, message_id=message_id,
        in_reply_to=reply_to.message_id if reply_to else "", references=" ".join(references), from_addr=own,
        to_addr=consult.sender, subject=subject, body=body, sent_by=by,
    )  # fmt: skip
    if kind in {"auto_answer", "staff_answer"} and consult.first_response_at is None:
        consult.first_response_at = now
        consult.save(update_fields=["first_response_at"])
    return sent


def _notice_on_commit(*, to: str, subject: str, in_reply_to: str, body: str) -> None:
    """A short automatic notice (quota, invitation) that is not part of a stored consult."""
    own = _own()

    def send() -> None:
        EmailMessage(
            subject=_subject(subject), body=body, from_email=f"{settings.MEDCODE_CONSULT_FROM_NAME} <{own}>", to=[to],
            headers={"Auto-Submitted": "auto-replied", "X-Loop": own, "In-Reply-To": in_reply_to, "References": in_reply_to,
                     "Message-ID": new_message_id()},
        ).send(fail_silently=True)  # fmt: skip

    transaction.on_commit(send)


def bounce_send(*, to: str, subject: str, in_reply_to: str, reason: str) -> None:
    """Tell the sender why a message was refused (used where SMTP could not refuse it: IMAP)."""
    with transaction.atomic():
        _notice_on_commit(to=to, subject=f"Undelivered: {subject}"[:200], in_reply_to=in_reply_to, body=reason)


@transaction.atomic
def staff_reply_send(*, consult_id: int, text: str, by: User, close: bool = True) -> ConsultMessage:
    """A staff member's reply (edited draft or their own words), recorded with who sent it."""
    text = text.strip()
    if not text:
        raise ConsultError(MSG_REPLY_EMPTY)
    consult = Consult.objects.select_for_update().filter(pk=consult_id).first()
    if consult is None:
        raise ConsultError(MSG_NOT_FOUND.format(consult_id=consult_id))
    last_question = consult.messages.filter(inbound=True, kind="question").order_by("-created_at", "-id").first()
    now = timezone.now()
    sent = _send(consult=consult, reply_to=last_question, kind="staff_answer", body=text, by=by, now=now)
    _set_state(consult, "closed" if close else "answered", "staff" if not close else "", now)
    return sent


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
    """Questions stored but not handled (a crash, a failed SMTP send) are queued again."""
    from medcode.consult import tasks

    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pks = list(
        ConsultMessage.objects.filter(
            inbound=True, kind="question", handled_at__isnull=True, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    for pk in pks:
        tasks.consult_answer.delay(message_pk=pk)
    return len(pks)
