"""Reads about accounts: plans, an account with its plan, favorites, notes, history, keys, audit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from medcode.accounts.models import Account, ApiKey, AuditEvent, CodeNote, Favorite, Plan, SearchEntry


def plan_guest() -> Plan:
    plan = Plan.objects.filter(is_guest=True).first()
    return plan if plan is not None else Plan(slug="guest", name="Guest", page_limit=1, locked_sections=[])


def plan_default() -> Plan:
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        plan = Plan.objects.exclude(is_guest=True).order_by("position", "id").first()
    if plan is None:
        raise Plan.DoesNotExist("No plan for new accounts: create one in the admin (Plans) and mark it default")
    return plan


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.exclude(is_guest=True).order_by("position", "id")


def account_for(user: AbstractBaseUser | AnonymousUser) -> Account | None:
    """The user's account with its plan (None for guests and for users made outside medcode without one)."""
    if not user.is_authenticated:
        return None
    return Account.objects.select_related("plan").filter(user_id=user.pk).first()


def plan_for(user: AbstractBaseUser | AnonymousUser) -> Plan:
    account = account_for(user)
    if account is not None:
        return account.plan
    if user.is_authenticated:
        return plan_default()
    return plan_guest()


def plan_of_user(*, user_id: int) -> Plan:
    """The plan of the user with this id (an API key's owner): their account's, else the default plan."""
    account = Account.objects.select_related("plan").filter(user_id=user_id).first()
    return account.plan if account is not None else plan_default()


def favorite_list(*, user_id: int) -> QuerySet[Favorite]:
    return Favorite.objects.filter(user_id=user_id)


def favorite_exists(*, user_id: int, system: str, code: str) -> bool:
    return Favorite.objects.filter(user_id=user_id, system=system, code=code).exists()


def note_list(*, user_id: int) -> QuerySet[CodeNote]:
    return CodeNote.objects.filter(user_id=user_id)


def note_get(*, user_id: int, system: str, code: str) -> CodeNote | None:
    return CodeNote.objects.filter(user_id=user_id, system=system, code=code).first()


def history_list(*, user_id: int, limit: int = 100) -> QuerySet[SearchEntry]:
    return SearchEntry.objects.filter(user_id=user_id)[:limit]


def api_key_list(*, user_id: int) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user_id=user_id)


def audit_list(*, user_id: int, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(user_id=user_id)[:limit]
