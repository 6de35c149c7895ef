"""Metering: one policy for every interface that shows a code's content (pages, REST, FHIR, the assistant).

The policy is written down in docs/metering.md. Every interface asks `access_decide(viewer=..., system=...,
code=...)` what it may show of a code and hides the `Access.locked` sections. In short: one transaction per
view locks the subject's counter rows, a code already counted this month is free, a new code is counted on
every counter only when all of them are below their limit, else the plan's locked sections are hidden; an
API or FHIR call with neither key nor session gets the public fields only (never counted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from medcode.accounts.errors import MSG_LOCKED_ACCOUNT, MSG_LOCKED_ANONYMOUS_API, MSG_LOCKED_GUEST
from medcode.accounts.models import SECTION_KEYS, MeterCounter, MeterView, Plan

# Where a code's content is asked for. "api" and "fhir" calls without a key or session get the public fields.
INTERFACES = ("page", "api", "fhir", "assistant")
API_INTERFACES = frozenset({"api", "fhir"})


@dataclass(frozen=True)
class Viewer:
    """Who asks for a code's content, and where: an account (by API key or session) or a guest (device, IP)."""

    plan: Plan
    user_id: int | None
    device: str | None = None
    ip: str | None = None
    interface: str = "page"

    @property
    def guest(self) -> bool:
        return self.user_id is None


@dataclass(frozen=True)
class Access:
    """What one view of a code may show, and where the subject stands."""

    allowed: bool
    reason: str  # off | unlimited | counted | repeat | exhausted | key_required
    guest: bool
    plan_name: str = ""
    used: int | None = None
    limit: int | None = None
    locked: frozenset[str] = field(default_factory=frozenset)

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None or self.used is None else max(0, self.limit - self.used)

    @property
    def full(self) -> bool:
        """Nothing is hidden (the view was allowed, or the plan locks no section)."""
        return not self.locked

    def is_locked(self, section: str) -> bool:
        return section in self.locked

    @property
    def message(self) -> str | None:
        """What the viewer needs to see the locked sections (None when nothing is locked)."""
        if not self.locked:
            return None
        sections = ", ".join(sorted(self.locked))
        if self.reason == "key_required":
            return MSG_LOCKED_ANONYMOUS_API.format(sections=sections)
        if self.guest:
            return MSG_LOCKED_GUEST.format(sections=sections)
        return MSG_LOCKED_ACCOUNT.format(plan=self.plan_name, limit=self.limit, sections=sections)

    def as_dict(self) -> dict[str, object]:
        return {
            "full": self.full,
            "reason": self.reason,
            "plan": self.plan_name,
            "used": self.used,
            "limit": self.limit,
            "locked": sorted(self.locked),
            "message": self.message,
        }


PageAccess = Access  # the name code pages and their tests knew it by


def period_of(today: dt.date) -> dt.date:
    return today.replace(day=1)


def subjects_for(*, plan: Plan, user_id: int | None, device: str | None, ip: str | None) -> list[tuple[str, int]]:
    """The counters a view is counted on, each with its limit: the account, or a guest's device and IP."""
    assert plan.page_limit is not None
    if user_id is not None:
        return [(f"account:{user_id}", plan.page_limit)]
    subjects = []
    if device:
        subjects.append((f"device:{device}", plan.page_limit))
    if ip:
        subjects.append((f"ip:{ip}", plan.ip_page_limit if plan.ip_page_limit is not None else plan.page_limit))
    return subjects


def _locked(plan: Plan) -> frozenset[str]:
    return frozenset(s for s in plan.locked_sections if s in SECTION_KEYS)


def access_decide(*, viewer: Viewer, system: str, code: str, today: dt.date | None = None) -> Access:
    """What `viewer` may see of one code on its interface; a new code is counted against its allowance.

    The one place the metering policy lives (docs/metering.md): code pages, the REST API, FHIR and the
    assistant all call it with the canonical system and code, and hide the sections in `Access.locked`.
    """
    plan = viewer.plan
    if not settings.MEDCODE_METERING:
        return Access(allowed=True, reason="off", guest=viewer.guest, plan_name=plan.name)
    if plan.page_limit is None:
        return Access(allowed=True, reason="unlimited", guest=viewer.guest, plan_name=plan.name)
    if viewer.guest and viewer.interface in API_INTERFACES:
        # Neither key nor session: the public fields, as a guest whose allowance is used sees them on a page.
        return Access(
            allowed=False, reason="key_required", guest=True, plan_name=plan.name, used=0, limit=0, locked=_locked(plan)
        )
    return _count(
        plan=plan, user_id=viewer.user_id, device=viewer.device, ip=viewer.ip, system=system, code=code, today=today
    )


def page_view_record(
    *,
    plan: Plan,
    user_id: int | None,
    device: str | None,
    ip: str | None,
    system: str,
    code: str,
    today: dt.date | None = None,
) -> Access:
    """Count one view of a code page for a subject and say what the page may show."""
    viewer = Viewer(plan=plan, user_id=user_id, device=device, ip=ip, interface="page")
    return access_decide(viewer=viewer, system=system, code=code, today=today)


@transaction.atomic
def _count(
    *,
    plan: Plan,
    user_id: int | None,
    device: str | None,
    ip: str | None,
    system: str,
    code: str,
    today: dt.date | None,
) -> Access:
    """One view counted in one transaction: counter rows locked in subject order, checked, incremented."""
    assert plan.page_limit is not None
    guest = user_id is None
    subjects = subjects_for(plan=plan, user_id=user_id, device=device, ip=ip)
    if not subjects:  # nothing to count on: treat as exhausted rather than open
        return Access(
            allowed=False, reason="exhausted", guest=guest, plan_name=plan.name, used=0, limit=0, locked=_locked(plan)
        )
    period = period_of(today or timezone.now().date())
    limits = dict(subjects)
    MeterCounter.objects.bulk_create(
        [MeterCounter(subject=s, period=period) for s in sorted(limits)], ignore_conflicts=True
    )
    counters = list(
        MeterCounter.objects.select_for_update().filter(subject__in=limits, period=period).order_by("subject")
    )
    primary = (
        counters[0] if guest is False else next((c for c in counters if c.subject.startswith("device:")), counters[0])
    )
    # Where the subject stands is its fullest counter: a guest's new device cookie (count 0) must not read as
    # "0 of 1" on a page the IP already opened (a new code is counted only when every counter is below its limit).
    used = max(c.count for c in counters)
    if MeterView.objects.filter(counter__in=counters, system=system, code=code).exists():
        return Access(
            allowed=True,
            reason="repeat",
            guest=guest,
            plan_name=plan.name,
            used=used,
            limit=limits[primary.subject],
        )
    if all(c.count < limits[c.subject] for c in counters):
        MeterCounter.objects.filter(id__in=[c.id for c in counters]).update(count=F("count") + 1)
        MeterView.objects.bulk_create([MeterView(counter=c, system=system, code=code) for c in counters])
        return Access(
            allowed=True,
            reason="counted",
            guest=guest,
            plan_name=plan.name,
            used=used + 1,
            limit=limits[primary.subject],
        )
    return Access(
        allowed=False,
        reason="exhausted",
        guest=guest,
        plan_name=plan.name,
        used=used,
        limit=limits[primary.subject],
        locked=_locked(plan),
    )


def usage_get(*, user_id: int, today: dt.date | None = None) -> int:
    """Distinct code pages the account opened this month."""
    period = period_of(today or timezone.now().date())
    counter = MeterCounter.objects.filter(subject=f"account:{user_id}", period=period).first()
    return counter.count if counter is not None else 0
