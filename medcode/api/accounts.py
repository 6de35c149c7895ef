"""REST endpoints over the caller's own data: account, favorites, notes, search history (API key with 'account' scope)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from medcode.accounts import metering, selectors, services
from medcode.accounts.models import Account
from medcode.api.auth import ApiKeyAuth

router = Router(tags=["account"], auth=ApiKeyAuth(scope="account", anonymous=False))


class ErrorOut(Schema):
    error: str


class MeOut(Schema):
    email: str
    plan: str
    page_limit: int | None
    pages_used_this_month: int
    api_rate_per_minute: int
    key: str
    scopes: list[str]


class CodeIn(Schema):
    system: str
    code: str


class FavoriteOut(Schema):
    system: str
    code: str
    created_at: dt.datetime


class NoteIn(Schema):
    text: str


class NoteOut(Schema):
    system: str
    code: str
    text: str
    updated_at: dt.datetime


class SearchOut(Schema):
    query: str
    system: str
    source: str
    at: dt.datetime


class DeletedOut(Schema):
    deleted: int


def _user_id(request: HttpRequest) -> int:
    principal = request.auth  # type: ignore[attr-defined]
    return int(principal.user_id)


@router.get("me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut})
def me(request: HttpRequest) -> dict[str, object]:
    """The account the API key belongs to: plan, this month's code pages, rate."""
    user_id = _user_id(request)
    account = Account.objects.select_related("user", "plan").filter(user_id=user_id).first()
    plan = account.plan if account is not None else selectors.plan_default()
    principal = request.auth  # type: ignore[attr-defined]
    return {
        "email": account.user.email if account is not None else "",
        "plan": plan.slug,
        "page_limit": plan.page_limit,
        "pages_used_this_month": metering.usage_get(user_id=user_id),
        "api_rate_per_minute": principal.rate.limit if principal.rate else plan.api_rate_per_minute,
        "key": principal.key_prefix,
        "scopes": sorted(principal.scopes),
    }


@router.get("favorites", response={200: list[FavoriteOut], 401: ErrorOut, 403: ErrorOut, 429: ErrorOut})
def favorite_list(request: HttpRequest) -> list[object]:
    """Your favorite codes, newest first."""
    return list(selectors.favorite_list(user_id=_user_id(request)))


@router.post("favorites", response={201: FavoriteOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def favorite_add(request: HttpRequest, payload: CodeIn) -> tuple[int, object]:
    """Add a code to your favorites (the code must exist in its system's latest release)."""
    return 201, services.favorite_add(user_id=_user_id(request), system=payload.system, code=payload.code)


@router.delete("favorites/{system}/{code}", response={200: DeletedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
def favorite_remove(request: HttpRequest, system: str, code: str) -> dict[str, int]:
    """Remove a code from your favorites."""
    return {"deleted": int(services.favorite_remove(user_id=_user_id(request), system=system, code=code))}


@router.get("notes", response={200: list[NoteOut], 401: ErrorOut, 403: ErrorOut, 429: ErrorOut})
def note_list(request: HttpRequest) -> list[object]:
    """Your notes on codes, most recently changed first."""
    return list(selectors.note_list(user_id=_user_id(request)))


@router.put(
    "notes/{system}/{code}", response={200: NoteOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def note_put(request: HttpRequest, system: str, code: str, payload: NoteIn) -> object:
    """Write (or replace) your note on a code."""
    return services.note_set(user_id=_user_id(request), system=system, code=code, text=payload.text)


@router.delete("notes/{system}/{code}", response={200: DeletedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
def note_delete(request: HttpRequest, system: str, code: str) -> dict[str, int]:
    """Delete your note on a code."""
    return {"deleted": int(services.note_delete(user_id=_user_id(request), system=system, code=code))}


@router.get("history", response={200: list[SearchOut], 401: ErrorOut, 403: ErrorOut, 429: ErrorOut})
def history_list(request: HttpRequest, limit: int = 100) -> list[object]:
    """Your latest searches (search page and API), newest first."""
    return list(selectors.history_list(user_id=_user_id(request), limit=max(1, min(limit, 500))))


@router.delete("history", response={200: DeletedOut, 401: ErrorOut, 403: ErrorOut})
def history_clear(request: HttpRequest) -> dict[str, int]:
    """Clear your search history."""
    return {"deleted": services.history_clear(user_id=_user_id(request))}
