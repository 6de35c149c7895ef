"""REST: ask the consult desk and read one's consults (API key with the 'account' scope); answers also go by e-mail."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Router, Schema

from medcode.api.auth import ApiKeyAuth
from medcode.consult import selectors, services
from medcode.consult.models import Consult

router = Router(tags=["consult"], auth=ApiKeyAuth(scope="account", anonymous=False))


class ErrorOut(Schema):
    error: str


class ConsultIn(Schema):
    subject: str = ""
    question: str


class MessageOut(Schema):
    inbound: bool
    kind: str
    body: str
    at: dt.datetime


class ConsultOut(Schema):
    id: str
    subject: str
    state: str
    created_at: dt.datetime
    first_response_seconds: float | None
    messages: list[MessageOut]


def _user(request: HttpRequest) -> User:
    principal = request.auth  # type: ignore[attr-defined]
    return User.objects.get(pk=principal.user_id)


def _out(consult: Consult) -> ConsultOut:
    return ConsultOut(
        id=consult.token,
        subject=consult.subject,
        state=consult.state,
        created_at=consult.created_at,
        first_response_seconds=consult.first_response_seconds,
        messages=[
            MessageOut(inbound=m.inbound, kind=m.kind, body=m.body, at=m.created_at) for m in consult.messages.all()
        ],
    )


@router.post("/consults", response={201: ConsultOut, 400: ErrorOut}, summary="Ask the consult desk a question")
def consult_create(request: HttpRequest, body: ConsultIn) -> tuple[int, ConsultOut]:
    consult = services.consult_create_web(user=_user(request), subject=body.subject, text=body.question)
    consult.refresh_from_db()
    return 201, _out(consult)


@router.get("/consults/{consult_id}", response={200: ConsultOut, 404: ErrorOut}, summary="One of my consults")
def consult_get(request: HttpRequest, consult_id: str) -> ConsultOut:
    consult = selectors.consult_for_owner(token=consult_id, user_id=int(request.auth.user_id))  # type: ignore[attr-defined]
    if consult is None:
        raise services.ConsultNotFound(services.MSG_NOT_FOUND.format(consult_id=consult_id))
    return _out(consult)
