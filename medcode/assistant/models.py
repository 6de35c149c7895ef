"""Conversations with the assistant, one per owner (a signed-in user or a browser session)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    """One owner's running conversation; deleted by its owner or after the retention period."""

    owner_key = models.CharField(max_length=80, unique=True)
    # set for a signed-in owner, so that deleting the account deletes the conversation with it
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assistant_conversations",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Message(models.Model):
    """A question or an answer (with the answer's JSON: codes, citations, verdict)."""

    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.role} message {self.pk}"
