"""The chat page: ask, read the answer as it is composed, keep or delete the conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from medcode.accounts.http import viewer_of
from medcode.assistant import knowledge, services
from medcode.assistant import selectors as assistant_selectors
from medcode.core.errors import ApplicationError

EXAMPLES = (
    "What is ICD-10-CM code E11.42?",
    "Is R51 billable?",
    "Can E11.9 and E10.9 be coded together?",
    "In category S72, what 7th character is used for a subsequent encounter with routine healing?",
    "What does modifier XS mean?",
    "Which modifier identifies the left hand, thumb?",
    "What is place of service 22?",
    "ICD-10 code for type 2 diabetes with neuropathy?",
    "Can I bill 27258 with 27250?",
    "What is the global period for 27447?",
    "Guidelines for E/M levels by time",
    "What is medical necessity?",
)
TOPICS = (
    ("Codes", "What is HCPCS code A7016?"),
    ("Guidelines", "What do Excludes1 and Excludes2 notes mean?"),
    ("Modifiers", "Which modifier for a distinct procedural service?"),
    ("Crosswalks", "What is the ICD-10-CM code for ICD-9 250.00?"),
    ("NCCI edits", "What is an NCCI PTP modifier indicator?"),
    ("Compliance", "What are upcoding and unbundling?"),
    ("Medicare coverage", "What does Medicare Part B cover?"),
)


def owner_key(request: HttpRequest) -> str:
    """The conversation owner: the signed-in user, else this browser's session (created on first use)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if request.session.session_key is None:
        request.session.save()
    return f"session:{request.session.session_key}"


def user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return int(user.pk) if user is not None and user.is_authenticated else None


def _context(request: HttpRequest, **extra: object) -> dict[str, object]:
    return {
        "messages_list": assistant_selectors.conversation_messages(owner_key=owner_key(request)),
        "examples": EXAMPLES,
        "topics": TOPICS,
        "articles": knowledge.topic_list(),
        "retention_days": settings.MEDCODE_ASSISTANT_RETENTION_DAYS,
        **extra,
    }


@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    """The assistant: conversation so far, the question box, examples and topics."""
    return render(request, "assistant/chat.html", _context(request, question=request.GET.get("q", "")[:500]))


@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    """A question posted without JavaScript: answer it, keep it, show the conversation."""
    question = request.POST.get("question", "")
    try:
        answer = services.assistant_ask(question=question, viewer=viewer_of(request, interface="assistant"))
    except ApplicationError as exc:
        return render(
            request, "assistant/chat.html", _context(request, error=exc.message, question=question[:500]), status=400
        )
    services.conversation_append(
        owner_key=owner_key(request),
        question=services.question_clean(question),
        answer=answer,
        user_id=user_id(request),
    )
    return redirect(reverse("assistant:chat") + "#latest")


def _events(request: HttpRequest, question: str) -> Iterator[str]:
    try:
        answer = services.assistant_ask(question=question, viewer=viewer_of(request, interface="assistant"))
    except ApplicationError as exc:
        yield f"data: {json.dumps({'event': 'error', 'text': exc.message})}\n\n"
        return
    for event in services.answer_stream(answer):
        yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
    services.conversation_append(
        owner_key=owner_key(request),
        question=services.question_clean(question),
        answer=answer,
        user_id=user_id(request),
    )


@require_POST
def stream(request: HttpRequest) -> StreamingHttpResponse:
    """The answer as server-sent events: the direct answer first, then each fact, then codes and citations."""
    owner_key(request)  # the session exists before the response starts streaming
    response = StreamingHttpResponse(
        _events(request, request.POST.get("question", "")), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@require_POST
def clear(request: HttpRequest) -> HttpResponse:
    """Delete this user's conversation."""
    services.conversation_delete(owner_key=owner_key(request))
    return redirect("assistant:chat")
