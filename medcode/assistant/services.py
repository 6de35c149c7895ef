"""Asking the assistant, and the per-user conversations it keeps (question text is never logged)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from medcode.accounts import metering
from medcode.assistant import compose, llm, router
from medcode.assistant.answer import Answer, CodeRef, Fact
from medcode.assistant.models import Conversation, Message
from medcode.core import labels
from medcode.core.errors import ApplicationError

MAX_QUESTION_CHARS = 4000
MSG_EMPTY_QUESTION = "Ask a question: the text is empty"
MSG_LONG_QUESTION = "The question is too long: at most {limit} characters (paste a shorter excerpt of the case)"
MSG_WITHHELD = "Not shown here for {code}: {message}."
MSG_SEVENTH_WITHHELD = "The 7th characters of {code} are not shown here: {message}."


def question_clean(question: str) -> str:
    text = " ".join(str(question or "").split())
    if not text:
        raise ApplicationError(MSG_EMPTY_QUESTION)
    if len(text) > MAX_QUESTION_CHARS:
        raise ApplicationError(MSG_LONG_QUESTION.format(limit=MAX_QUESTION_CHARS))
    return text


def answer_meter(answer: Answer, *, viewer: metering.Viewer) -> Answer:
    """The answer without the facts the viewer's plan locks (docs/metering.md), and a line saying what is needed.

    Each code whose locked content the answer would quote is one view of that code (`metering.access_decide`,
    as its page would count); facts that quote nothing lockable (codes, titles, billable or not) stay.
    """
    decisions: dict[CodeRef, metering.Access] = {}
    kept: list[Fact] = []
    withheld: dict[CodeRef, Fact] = {}
    for fact in answer.facts:
        if fact.section is None or fact.about is None:
            kept.append(fact)
            continue
        if fact.about not in decisions:
            decisions[fact.about] = metering.access_decide(
                viewer=viewer, system=fact.about.system, code=fact.about.code
            )
        if decisions[fact.about].is_locked(fact.section):
            withheld.setdefault(fact.about, fact)
        else:
            kept.append(fact)
    if not withheld:
        return answer
    lead = answer.answer
    for about, fact in withheld.items():
        message = (decisions[about].message or "").rstrip(".")
        kept.append(Fact(MSG_WITHHELD.format(code=about.code, message=message), fact.citation, (about,)))
        if answer.kind == "seventh" and fact.section == "seventh":
            lead = MSG_SEVENTH_WITHHELD.format(code=about.code, message=message)
    return dataclasses.replace(answer, answer=lead, facts=kept)


def assistant_ask(
    *, question: str, date: str | None = None, use_llm: bool = True, viewer: metering.Viewer | None = None
) -> Answer:
    """Answer one question from the tools; with an LLM configured, let it plan and phrase within the same checks.

    With a `viewer` (every web and API request), what the viewer's plan locks is left out before the model
    phrases anything; without one (the operator's command line) nothing is metered.
    """
    text = question_clean(question)
    intent = router.route(text)
    if date:
        from medcode.codebook import selectors

        intent.as_of = selectors.parse_date(date)
    client = llm.client_from_settings() if use_llm else None
    if client is not None and intent.kind in {"concept", "unknown"}:
        planned = llm.tools_plan(client=client, intent=intent)
        if planned is not None:
            intent = planned
    results = compose.tools_run(intent)
    answer = compose.answer_compose(intent, results)
    if viewer is not None:
        answer = answer_meter(answer, viewer=viewer)
    if client is not None and answer.facts:
        answer = llm.answer_phrase(client=client, question=text, answer=answer)
    return answer


def answer_stream(answer: Answer) -> Iterator[dict[str, object]]:
    """The answer in the order a reader wants it: the direct answer, then each fact, then the citations."""
    numbers = {c: i for i, c in enumerate(answer.citations, start=1)}
    yield {
        "event": "answer",
        "text": answer.answer,
        "verdict": answer.verdict,
        # the page shows the verdict in words; the identifier stays for clients of the stream
        "verdict_label": labels.label(answer.verdict, "verdict") if answer.verdict else None,
    }
    for fact in answer.facts:
        yield {"event": "fact", "text": fact.text, "citation": numbers[fact.citation]}
    yield {
        "event": "done",
        "codes": [c.as_dict() for c in answer.codes],
        "citations": [{"id": numbers[c], **c.as_dict()} for c in answer.citations],
    }


def retention_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=settings.MEDCODE_ASSISTANT_RETENTION_DAYS)


@transaction.atomic
def conversation_purge_expired() -> int:
    """Delete conversations untouched for longer than the retention setting; returns how many went."""
    deleted, _ = Conversation.objects.filter(updated_at__lt=retention_cutoff()).delete()
    return deleted


@transaction.atomic
def conversation_append(*, owner_key: str, question: str, answer: Answer, user_id: int | None = None) -> Conversation:
    """Keep one question and its answer in the owner's conversation (created on first use).

    ``user_id`` ties the conversation to a signed-in user: deleting the account deletes it.
    """
    conversation_purge_expired()
    conversation, _ = Conversation.objects.get_or_create(owner_key=owner_key, defaults={"user_id": user_id})
    Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question, payload={})
    Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, text=answer.answer, payload=answer.as_dict()
    )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    return conversation


@transaction.atomic
def conversation_delete(*, owner_key: str) -> int:
    """Delete the owner's conversation and every message in it."""
    deleted, _ = Conversation.objects.filter(owner_key=owner_key).delete()
    return deleted
