"""Metered code pages: how many distinct code pages a subject opened this month, and what a page may show.

The counting rule is written down in docs/metering.md; in short: one transaction per page view locks
the subject's counter rows, a page already counted this month is free, a new page is counted on every
counter only when all of them are below their limit, else the plan's locked sections are hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from medcode.accounts.models import SECTION_KEYS, MeterCounter, MeterView, Plan


@dataclass(frozen=True)
class PageAccess:
    """What one code page view may show, and where the subject stands."""

    allowed: bool
    reason: str  # off | unlimited | counted | repeat | exhausted
    guest: bool
    plan_name: str = ""
    used: int | None = None
    limit: int | None = None
    locked: frozenset[str] = field(default_factory=frozenset)

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None or self.used is None else max(0, self.limit - self.used)

    def is_locked(self, section: str) -> bool:
        return section in self.locked


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


@transaction.atomic
def page_view_record(
    *,
    plan: Plan,
    user_id: int | None,
    device: str | None,
    ip: str | None,
    system: str,
    code: str,
    today: dt.date | None = None,
) -> PageAccess:
    """Count one view of a code page for a subject and say what the page may show."""
    guest = user_id is None
    if not settings.MEDCODE_METERING:
        return PageAccess(allowed=True, reason="off", guest=guest, plan_name=plan.name)
    if plan.page_limit is None:
        return PageAccess(allowed=True, reason="unlimited", guest=guest, plan_name=plan.name)
    subjects = subjects_for(plan=plan, user_id=user_id, device=device, ip=ip)
    if not subjects:  # nothing to count on: treat as exhausted rather than open
        return PageAccess(
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
    if MeterView.objects.filter(counter__in=counters, system=system, code=code).exists():
        return PageAccess(
            allowed=True,
            reason="repeat",
            guest=guest,
            plan_name=plan.name,
            used=primary.count,
            limit=limits[primary.subject],
        )
    if all(c.count < limits[c.subject] for c in counters):
        MeterCounter.objects.filter(id__in=[c.id for c in counters]).update(count=F("count") + 1)
        MeterView.objects.bulk_create([MeterView(counter=c, system=system, code=code) for c in counters])
        return PageAccess(
            allowed=True,
            reason="counted",
            guest=guest,
            plan_name=plan.name,
            used=primary.count + 1,
            limit=limits[primary.subject],
        )
    return PageAccess(
        allowed=False,
        reason="exhausted",
        guest=guest,
        plan_name=plan.name,
        used=max(c.count for c in counters),
        limit=limits[primary.subject],
        locked=_locked(plan),
    )


def usage_get(*, user_id: int, today: dt.date | None = None) -> int:
    """Distinct code pages the account opened this month."""
    period = period_of(today or timezone.now().date())
    counter = MeterCounter.objects.filter(subject=f"account:{user_id}", period=period).first()
    return counter.count if counter is not None else 0
