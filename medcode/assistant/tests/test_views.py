"""The chat page without JavaScript, the streaming endpoint, conversations per user, deleting them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from medcode.assistant import services
from medcode.assistant.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_chat_page_shows_examples_topics_and_a_form() -> None:
    html = Client().get("/assistant/").content.decode()
    assert "Coding assistant" in html and 'name="question"' in html
    for topic in ("Codes", "Guidelines", "Modifiers", "Crosswalks", "NCCI edits", "Compliance", "Medicare coverage"):
        assert topic in html
    assert 'href="/assistant/"' in Client().get("/").content.decode()  # in the main navigation


def test_plain_form_post_answers_and_keeps_the_conversation() -> None:
    client = Client()
    response = client.post("/assistant/ask/", {"question": "Is ICD-10-CM code R51 billable?"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Is ICD-10-CM code R51 billable?" in html and "No: R51 is not billable" in html
    assert "Verdict: No<" in html and "allowed_with_modifier" not in html and 'href="/codes/icd10cm/R51/"' in html
    assert "icd10c-tabular-April-1-2026.xml" in html
    assert Client().get("/assistant/").content.decode().count("code R51 billable") == 0  # another browser


def test_empty_question_gets_a_clear_message() -> None:
    response = Client().post("/assistant/ask/", {"question": "  "})
    assert response.status_code == 400 and "empty" in response.content.decode()


def test_stream_sends_the_direct_answer_first_then_facts_then_citations() -> None:
    client = Client()
    response = client.post("/assistant/stream/", {"question": "What is E11.9?"})
    assert response["Content-Type"] == "text/event-stream"
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    events = [json.loads(line[6:]) for line in body.split("\n\n") if line.startswith("data: ")]
    assert events[0]["event"] == "answer" and events[-1]["event"] == "done"
    assert {e["event"] for e in events[1:-1]} == {"fact"}
    assert events[-1]["codes"] == [{"system": "icd10cm", "code": "E11.9"}]
    assert "What is E11.9?" in client.get("/assistant/").content.decode()


def test_user_can_delete_the_conversation() -> None:
    client = Client()
    client.post("/assistant/ask/", {"question": "What is E11.9?"})
    assert Message.objects.count() == 2
    client.post("/assistant/clear/")
    assert Message.objects.count() == 0 and Conversation.objects.count() == 0


def test_old_conversations_are_deleted_after_the_retention_period(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDCODE_ASSISTANT_RETENTION_DAYS = 30
    answer = services.assistant_ask(question="What is E11.9?", use_llm=False)
    old = services.conversation_append(owner_key="session:old", question="What is E11.9?", answer=answer)
    Conversation.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=31))
    services.conversation_append(owner_key="session:new", question="What is E11.9?", answer=answer)
    assert list(Conversation.objects.values_list("owner_key", flat=True)) == ["session:new"]


def test_api_ask() -> None:
    response = Client().post(
        "/api/v1/assistant/ask", {"question": "Can E11.9 and E10.9 be coded together?"}, content_type="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["verdict"] == "no" and {c["code"] for c in data["codes"]} == {"E11.9", "E10.9"}
    assert data["citations"][0]["source_file"] == "icd10c-tabular-April-1-2026.xml"


def test_api_errors_are_json() -> None:
    response = Client().post("/api/v1/assistant/ask", {"question": ""}, content_type="application/json")
    assert response.status_code == 400 and "empty" in response.json()["error"]
    response = Client().post("/api/v1/assistant/ask", {}, content_type="application/json")
    assert response.status_code == 422 and "question" in response.json()["error"]


def test_openapi_lists_the_assistant() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/assistant/ask" in schema["paths"]


def test_hostile_markup_in_a_question_is_shown_as_text() -> None:
    client = Client()
    client.post("/assistant/ask/", {"question": "<script>alert(1)</script> What is E11.9?"})
    html = client.get("/assistant/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signed_in_users_conversation_follows_the_user_and_goes_with_the_account() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="coder", email="coder@example.org", password="pw-12345678")
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    first.post("/assistant/ask/", {"question": "What is ICD-10-CM code E11.9?"})
    assert "What is ICD-10-CM code E11.9?" in second.get("/assistant/").content.decode()  # another browser
    assert Conversation.objects.get().owner_key == f"user:{user.pk}"
    user.delete()
    assert Conversation.objects.count() == 0 and Message.objects.count() == 0
