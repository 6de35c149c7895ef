"""Reads of assistant conversations."""

from __future__ import annotations

from medcode.assistant.models import Message


def conversation_messages(*, owner_key: str, limit: int = 50) -> list[Message]:
    """The owner's latest messages, oldest first."""
    rows = Message.objects.filter(conversation__owner_key=owner_key).order_by("-id")[:limit]
    return list(reversed(list(rows)))
