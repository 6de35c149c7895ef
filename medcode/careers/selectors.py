"""Reads of the job board: open jobs and their filters, an employer's jobs and applicants, moderation queues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from medcode.careers.models import CREDENTIAL_KEYS, SPECIALTIES, Application, Employer, Job, SavedSearch

SPECIALTY_KEYS = tuple(k for k, _ in SPECIALTIES)


@dataclass(frozen=True)
class JobFilters:
    """What a coder searches by; built from a query string, a saved search or the API."""

    q: str = ""
    location: str = ""
    remote: bool = False
    credential: str = ""
    specialty: str = ""
    salary_min: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> JobFilters:
        def text(name: str, size: int = 120) -> str:
            return str(params.get(name) or "").strip()[:size]

        salary = text("salary_min", 12).replace(",", "")
        credential = text("credential", 10).upper()
        specialty = text("specialty", 20)
        return cls(
            q=text("q"),
            location=text("location"),
            remote=str(params.get("remote") or "").lower() in {"1", "true", "on", "yes"},
            credential=credential if credential in CREDENTIAL_KEYS else "",
            specialty=specialty if specialty in SPECIALTY_KEYS else "",
            salary_min=int(salary) if salary.isdigit() else None,
        )

    def as_params(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "q": self.q,
            "location": self.location,
            "remote": "1" if self.remote else "",
            "credential": self.credential,
            "specialty": self.specialty,
            "salary_min": "" if self.salary_min is None else str(self.salary_min),
        }
        return {k: v for k, v in values.items() if v}

    @property
    def empty(self) -> bool:
        return not self.as_params()


def job_open_list(*, today: dt.date | None = None) -> QuerySet[Job]:
    today = today or timezone.localdate()
    return Job.objects.filter(status="published", closing_date__gte=today).select_related("employer")


def job_search(*, filters: JobFilters, today: dt.date | None = None) -> QuerySet[Job]:
    jobs = job_open_list(today=today)
    for word in filters.q.split()[:8]:
        jobs = jobs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(organisation__icontains=word))
    if filters.location:
        jobs = jobs.filter(location__icontains=filters.location)
    if filters.remote:
        jobs = jobs.filter(workplace="remote")
    if filters.specialty:
        jobs = jobs.filter(specialty=filters.specialty)
    if filters.salary_min is not None:
        jobs = jobs.filter(
            Q(salary_max__gte=filters.salary_min) | Q(salary_max__isnull=True, salary_min__gte=filters.salary_min)
        )
    if filters.credential:
        # JSON containment differs by database; filter the (small) remainder in Python, keep a queryset.
        ids = [
            pk for pk, credentials in jobs.values_list("pk", "credentials") if filters.credential in (credentials or [])
        ]
        jobs = jobs.filter(pk__in=ids)
    return jobs.order_by("-published_at", "-id")


def job_get_public(*, job_id: int) -> Job | None:
    return (
        Job.objects.select_related("employer").filter(pk=job_id, status__in=["published", "expired", "closed"]).first()
    )


def employer_for(*, user_id: int) -> Employer | None:
    return Employer.objects.filter(user_id=user_id).first()


def employer_jobs(*, employer_id: int) -> QuerySet[Job]:
    return (
        Job.objects.filter(employer_id=employer_id)
        .annotate(applicant_count=Count("applications"))
        .order_by("-created_at")
    )


def job_applicants(*, job_id: int) -> QuerySet[Application]:
    return Application.objects.filter(job_id=job_id).select_related("applicant")


def application_for_employer(*, application_id: int, user_id: int) -> Application | None:
    return (
        Application.objects.select_related("job__employer")
        .filter(pk=application_id, job__employer__user_id=user_id)
        .first()
    )


def moderation_queue() -> dict[str, QuerySet[Any]]:
    return {
        "employers": Employer.objects.filter(status="pending").select_related("user").order_by("created_at"),
        "jobs": Job.objects.filter(status="pending").select_related("employer").order_by("created_at"),
    }


def saved_search_list(*, user_id: int) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user_id=user_id)


def alert_candidates(*, search: SavedSearch) -> list[Job]:
    """Open jobs matching a saved search, published since its last digest and never sent to it."""
    filters = JobFilters.from_params(search.params)
    jobs = (
        job_search(filters=filters).filter(published_at__gt=search.since()).exclude(pk__in=search.sent.values("job_id"))
    )
    return list(jobs[:50])


def has_applied(*, job_id: int, user_id: int) -> bool:
    return Application.objects.filter(job_id=job_id, applicant_id=user_id).exists()
