"""REST: open jobs of the job board, with the search page's filters (behind the API gate like every router)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from medcode.careers import selectors
from medcode.careers.selectors import JobFilters
from medcode.careers.services import NotFound

router = Router(tags=["jobs"])


class JobFilterIn(Schema):
    q: str = ""
    location: str = ""
    remote: bool = False
    credential: str = ""
    specialty: str = ""
    salary_min: int | None = None
    limit: int = 50


class JobOut(Schema):
    id: int
    title: str
    organisation: str
    location: str
    workplace: str
    employment_type: str
    credentials: list[str]
    specialty: str
    salary_min: int | None
    salary_max: int | None
    salary_period: str
    salary_currency: str
    description: str
    how_to_apply: str
    apply_url: str
    closing_date: dt.date
    published_at: dt.datetime | None
    url: str


def _out(request: HttpRequest, job: object) -> JobOut:
    from django.urls import reverse

    from medcode.careers.models import Job

    assert isinstance(job, Job)
    return JobOut(
        **{f: getattr(job, f) for f in JobOut.model_fields if f not in {"id", "url"}},
        id=job.pk,
        url=request.build_absolute_uri(reverse("careers:job", args=[job.pk, job.slug])),
    )


class JobListOut(Schema):
    count: int
    results: list[JobOut]


@router.get("/jobs", response=JobListOut, summary="Search open jobs")
def jobs_search(request: HttpRequest, filters: Query[JobFilterIn]) -> JobListOut:
    params = filters.dict()
    parsed = JobFilters.from_params({**params, "remote": "1" if filters.remote else ""})
    jobs = selectors.job_search(filters=parsed)
    limit = max(1, min(filters.limit, 200))
    return JobListOut(count=jobs.count(), results=[_out(request, j) for j in jobs[:limit]])


@router.get("/jobs/{job_id}", response=JobOut, summary="One open job")
def job_get(request: HttpRequest, job_id: int) -> JobOut:
    job = selectors.job_open_list().filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"No open job {job_id}")
    return _out(request, job)
