"""Consults, their messages (threaded by Message-ID), kept attachments, and a content-free log of inbound mail.

Everything a correspondent wrote (subjects, bodies, attachment names and bytes, drafts) is encrypted at
rest (medcode/consult/crypto.py); addresses, Message-IDs, states and timings are not, so that the queue,
threading, limits and figures work in SQL.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from medcode.consult.crypto import EncryptedBytesField, EncryptedTextField

STATES = (
    ("new", "new"),
    ("answered", "answered automatically"),
    ("needs_review", "needs review"),
    ("escalated", "escalated"),
    ("closed", "closed"),
)
REASONS = (
    ("", ""),
    ("low_confidence", "the assistant's answer is not confident enough"),
    ("no_answer", "the assistant could not answer"),
    ("asked_for_human", "the user asked for a person"),
    ("loop", "too many automatic replies in this thread (mail loop?)"),
    ("operator_review", "unknown sender: the operator reviews these"),
    ("staff", "set by staff"),
    ("unreadable", "the desk could not read the message"),
    ("too_large", "the message was over the size limit"),
    ("failed", "the desk could not answer it (see the message)"),
    ("send_failed", "the mail server refused the answer"),
    ("send_unconfirmed", "the answer may not have been sent (not sent again)"),
)


def new_token() -> str:
    """The reply-address token: 130 random bits in lowercase base32 (safe in an e-mail local part)."""
    import base64

    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower().rstrip("=")[:26]


class Consult(models.Model):
    """One coding question and its thread."""

    CHANNELS = (("email", "e-mail"), ("web", "web form"))

    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="consults"
    )
    sender = models.EmailField(db_index=True, help_text="The correspondent's address (lower case).")
    channel = models.CharField(max_length=5, choices=CHANNELS, default="email")
    subject = EncryptedTextField(blank=True)
    state = models.CharField(max_length=12, choices=STATES, default="new", db_index=True)
    reason = models.CharField(max_length=20, choices=REASONS, blank=True)
    draft = EncryptedTextField(blank=True, help_text="The assistant's latest draft answer.")
    draft_confidence = models.FloatField(null=True, blank=True)
    draft_source = models.CharField(max_length=40, blank=True)
    draft_codes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-last_activity_at", "-id")
        indexes = [models.Index(fields=["state", "-last_activity_at"], name="consult_state_activity")]

    def __str__(self) -> str:
        return f"consult {self.pk} ({self.state})"

    @property
    def first_response_seconds(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()


class ConsultMessage(models.Model):
    """A message of a consult, in or out, with its threading headers; outbound ones record who sent them."""

    KINDS = (
        ("question", "question"),
        ("auto_answer", "automatic answer"),
        ("staff_answer", "staff answer"),
        ("ack", "acknowledgement"),
        ("notice", "notice"),
        ("auto_reply", "auto-reply received"),
        ("bounce", "bounce received"),
    )

    consult = models.ForeignKey(Consult, on_delete=models.CASCADE, related_name="messages")
    inbound = models.BooleanField()
    kind = models.CharField(max_length=12, choices=KINDS)
    message_id = models.CharField(max_length=300, unique=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    from_addr = models.CharField(max_length=254)
    to_addr = models.CharField(max_length=254)
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff member who sent it; empty for automatic messages.",
    )
    refused_attachments = models.JSONField(default=list, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True, help_text="Inbound: when the desk processed it.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Inbound: failed attempts to answer it.")
    failure = models.CharField(
        max_length=200, blank=True, help_text="Why it was not answered or not sent; names no content."
    )
    answers = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="automatic_reply",
        help_text="Automatic reply: the inbound message it answers (at most one each, decided before the send).",
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Outbound: when the mail server accepted it; empty: not (yet) confirmed."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{'in' if self.inbound else 'out'} {self.kind} {self.message_id}"


class Attachment(models.Model):
    """A kept attachment (PDF or image, checked by its bytes), encrypted at rest."""

    message = models.ForeignKey(ConsultMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedTextField()
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    data = EncryptedBytesField()

    def __str__(self) -> str:
        return f"{self.content_type} ({self.size} bytes)"


class MailEvent(models.Model):
    """What the desk did with one inbound e-mail; never holds its content (for limits, loops and figures)."""

    OUTCOMES = (
        ("accepted", "accepted"),
        ("duplicate", "duplicate Message-ID: ignored"),
        ("bounce", "bounce: not answered"),
        ("auto_reply", "auto-reply: not answered"),
        ("loop", "mail loop: not answered"),
        ("rate_limited", "sender over the rate limit"),
        ("quota", "monthly consult allowance used"),
        ("invited", "unknown sender invited to register"),
        ("too_large", "message too large"),
        ("empty", "no question text"),
        ("unreadable", "unreadable (MIME too deep, unparsable): to staff"),
    )

    sender = models.CharField(max_length=254, db_index=True)
    message_id = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=12, choices=OUTCOMES)
    consult = models.ForeignKey(Consult, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    size = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["sender", "at"], name="mail_event_sender_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.sender} {self.outcome}"
