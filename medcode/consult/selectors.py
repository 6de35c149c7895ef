"""Consult desk reads: the staff queue by state, one consult with its thread, response-time figures."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from medcode.consult.models import STATES, Consult, MailEvent


@dataclass(frozen=True)
class ResponseFigures:
    consults: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None
    automatic_share: float | None


def queue(*, state: str | None = None) -> QuerySet[Consult]:
    consults = Consult.objects.select_related("user").annotate(message_count=Count("messages"))
    if state:
        consults = consults.filter(state=state)
    return consults.order_by("-last_activity_at", "-id")


def state_counts() -> list[tuple[str, str, int]]:
    counts = dict(Consult.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return [(key, label, counts.get(key, 0)) for key, label in STATES]


def consult_get(*, consult_id: int) -> Consult | None:
    return Consult.objects.select_related("user").filter(pk=consult_id).first()


def consult_for_owner(*, token: str, user_id: int) -> Consult | None:
    return Consult.objects.filter(token=token, user_id=user_id).first()


def consults_of(*, user_id: int) -> QuerySet[Consult]:
    return Consult.objects.filter(user_id=user_id).order_by("-created_at")


def response_figures(*, days: int = 30, now: dt.datetime | None = None) -> ResponseFigures:
    """Time from question to first answer (automatic or staff) over the consults of the last `days` days."""
    now = now or timezone.now()
    consults = Consult.objects.filter(created_at__gte=now - dt.timedelta(days=days))
    rows = list(consults.values_list("created_at", "first_response_at", "state"))
    times = sorted((first - created).total_seconds() for created, first, _ in rows if first is not None)
    automatic = consults.filter(messages__kind="auto_answer").distinct().count()

    def pct(p: float) -> float | None:
        if not times:
            return None
        return times[min(len(times) - 1, round(p * (len(times) - 1)))]

    return ResponseFigures(
        consults=len(rows),
        answered=len(times),
        median_seconds=statistics.median(times) if times else None,
        p90_seconds=pct(0.9),
        automatic_share=(automatic / len(times)) if times else None,
    )


def mail_event_counts(*, days: int = 30) -> list[tuple[str, int]]:
    since = timezone.now() - dt.timedelta(days=days)
    rows = MailEvent.objects.filter(at__gte=since).values_list("outcome").annotate(n=Count("id"))
    return sorted(((outcome, n) for outcome, n in rows), key=lambda r: -r[1])
