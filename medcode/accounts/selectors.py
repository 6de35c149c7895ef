"""Reads about accounts: plans, an account with its plan, favorites, notes, history, keys, audit."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from medcode.accounts.models import Account, ApiKey, AuditEvent, CodeNote, Favorite, Plan, SearchEntry
from medcode.codebook import selectors as codebook
from medcode.codebook.systems import SYSTEM_LABELS
from medcode.core.errors import ApplicationError


@dataclass(frozen=True)
class Titled[T]:
    """A favorite, note or search with the code it names and that code's title in the active codebook."""

    item: T
    system: str | None  # None: a search that is not one code
    code: str | None
    title: str | None  # None: the code is not in the active codebook (or has no distributed descriptor)
    found: bool

    @property
    def system_label(self) -> str:
        return SYSTEM_LABELS.get(self.system or "", self.system or "")


def code_title(*, system: str, code: str) -> tuple[bool, str | None]:
    """Whether the code is in the active codebook, and its title (None when the descriptor is not distributed)."""
    try:
        concept = codebook.concept_get(system=system, code=code)
    except ApplicationError:
        return False, None
    return True, concept.title or None


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


def plan_register_limit() -> int | None:
    """Code pages a month a free account gets on registering (None: unlimited, or no plan for new accounts)."""
    try:
        return plan_default().page_limit
    except Plan.DoesNotExist:
        return None


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


def favorite_list_titled(*, user_id: int) -> list[Titled[Favorite]]:
    """Favorites, each with its code's title (favorites, notes and history lists show what a code is)."""
    return [Titled(f, f.system, f.code, *_title_of(f.system, f.code)) for f in favorite_list(user_id=user_id)]


def note_list_titled(*, user_id: int) -> list[Titled[CodeNote]]:
    return [Titled(n, n.system, n.code, *_title_of(n.system, n.code)) for n in note_list(user_id=user_id)]


def history_list_titled(*, user_id: int, limit: int = 100) -> list[Titled[SearchEntry]]:
    """Searches; one that is exactly one code (E11.42, j2680) carries that code and its title."""
    titled = []
    for entry in history_list(user_id=user_id, limit=limit):
        try:
            found = [c for c in codebook.concept_locate(code=entry.query) if entry.system in ("", c.system)]
        except ApplicationError:
            found = []
        if len(found) == 1:
            titled.append(Titled(entry, found[0].system, found[0].code, found[0].title or None, True))
        else:
            titled.append(Titled(entry, None, None, None, False))
    return titled


def _title_of(system: str, code: str) -> tuple[str | None, bool]:
    found, title = code_title(system=system, code=code)
    return title, found


def api_key_list(*, user_id: int) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user_id=user_id)


def audit_list(*, user_id: int, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(user_id=user_id)[:limit]
