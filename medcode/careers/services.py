"""Writes of the job board: employer roles, postings and their moderation, expiry, applications, alerts."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from medcode.careers import resume as resume_checks
from medcode.careers import selectors
from medcode.careers.models import (
    CREDENTIAL_KEYS,
    EMPLOYMENT_TYPES,
    SALARY_PERIODS,
    WORKPLACE,
    AlertSent,
    Application,
    Employer,
    Job,
    SavedSearch,
)
from medcode.careers.selectors import SPECIALTY_KEYS, JobFilters
from medcode.core.errors import ApplicationError

log = logging.getLogger(__name__)

MSG_ORGANISATION = "Give the name of your organisation"
MSG_NOT_EMPLOYER = "Only approved employers can post jobs; ask for the employer role first"
MSG_EMPLOYER_PENDING = "Your employer role is waiting for approval by the staff of this site"
MSG_JOB_FIELD = "{field}: {problem}"
MSG_JOB_NOT_FOUND = "No job {job_id}"
MSG_JOB_NOT_PENDING = "Job {job_id} is not waiting for moderation (it is {status})"
MSG_JOB_CLOSED = "This job is no longer open for applications"
MSG_APPLY_EXTERNAL = "This employer takes applications on their own site: {url}"
MSG_ALREADY_APPLIED = "You have already applied to this job"
MSG_OWN_JOB = "You cannot apply to your own job"
MSG_SEARCH_EMPTY = "Choose at least one filter before saving the search"
MSG_REJECT_REASON = "Say why the job is rejected (the employer sees it)"


class JobError(ApplicationError):
    """A job board action that cannot be carried out as asked."""


class NotFound(JobError):
    status = 404


def _mail_on_commit(*, to: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


@transaction.atomic
def employer_register(*, user: User, organisation: str, website: str = "") -> Employer:
    organisation = organisation.strip()
    if not organisation:
        raise JobError(MSG_ORGANISATION)
    employer, created = Employer.objects.get_or_create(
        user=user, defaults={"organisation": organisation[:200], "website": website.strip()[:200]}
    )
    if not created and employer.status == "rejected":
        employer.organisation, employer.website, employer.status = organisation[:200], website.strip()[:200], "pending"
        employer.save(update_fields=["organisation", "website", "status"])
    return employer


@transaction.atomic
def employer_review(*, employer_id: int, approve: bool, by: User) -> Employer:
    employer = Employer.objects.select_for_update().select_related("user").get(pk=employer_id)
    employer.status = "approved" if approve else "rejected"
    employer.reviewed_by, employer.reviewed_at = by, timezone.now()
    employer.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    verdict = "approved: you can post jobs now" if approve else "not approved"
    _mail_on_commit(
        to=employer.user.email,
        subject=f"Employer role for {employer.organisation} {'approved' if approve else 'not approved'}",
        body=f"Your employer role for {employer.organisation} on {settings.MEDCODE_SITE_NAME} was {verdict}.\n",
    )
    return employer


def _approved_employer(user: User) -> Employer:
    employer = selectors.employer_for(user_id=user.pk)
    if employer is None or employer.status == "rejected":
        raise JobError(MSG_NOT_EMPLOYER)
    if employer.status == "pending":
        raise JobError(MSG_EMPLOYER_PENDING)
    return employer


def _clean_job(data: dict[str, Any]) -> dict[str, Any]:
    def problem(field: str, text: str) -> JobError:
        return JobError(MSG_JOB_FIELD.format(field=field, problem=text))

    title = str(data.get("title") or "").strip()
    if not title or len(title) > 160:
        raise problem("title", "required, up to 160 characters")
    description = str(data.get("description") or "").strip()
    if len(description) < 20:
        raise problem("description", "describe the job in at least 20 characters")
    workplace = str(data.get("workplace") or "onsite")
    if workplace not in dict(WORKPLACE):
        raise problem("workplace", f"one of {', '.join(dict(WORKPLACE))}")
    location = str(data.get("location") or "").strip()[:160]
    if workplace != "remote" and not location:
        raise problem("location", "required unless the job is fully remote")
    employment_type = str(data.get("employment_type") or "FULL_TIME")
    if employment_type not in dict(EMPLOYMENT_TYPES):
        raise problem("employment_type", f"one of {', '.join(dict(EMPLOYMENT_TYPES))}")
    credentials = [str(c).strip().upper() for c in (data.get("credentials") or []) if str(c).strip()]
    unknown = [c for c in credentials if c not in CREDENTIAL_KEYS]
    if unknown:
        raise problem("credentials", f"unknown {', '.join(unknown)}; known: {', '.join(CREDENTIAL_KEYS)}")
    specialty = str(data.get("specialty") or "general")
    if specialty not in SPECIALTY_KEYS:
        raise problem("specialty", f"one of {', '.join(SPECIALTY_KEYS)}")
    salary: dict[str, int | None] = {}
    for name in ("salary_min", "salary_max"):
        raw = data.get(name)
        raw = "" if raw is None else str(raw).replace(",", "").strip()
        if raw and not raw.isdigit():
            raise problem(name, "a whole number")
        salary[name] = int(raw) if raw else None
    if (
        salary["salary_min"] is not None
        and salary["salary_max"] is not None
        and salary["salary_min"] > salary["salary_max"]
    ):
        raise problem("salary_max", "must not be below the minimum")
    period = str(data.get("salary_period") or "YEAR")
    if period not in dict(SALARY_PERIODS):
        raise problem("salary_period", "YEAR or HOUR")
    apply_url = str(data.get("apply_url") or "").strip()
    if apply_url and not apply_url.startswith(("https://", "http://")):
        raise problem("apply_url", "an http(s) address, or empty to take applications on this site")
    closing = data.get("closing_date")
    today = timezone.localdate()
    if closing in (None, ""):
        closing_date = today + dt.timedelta(days=settings.MEDCODE_JOBS_DEFAULT_DAYS)
    else:
        try:
            closing_date = closing if isinstance(closing, dt.date) else dt.date.fromisoformat(str(closing))
        except ValueError as exc:
            raise problem("closing_date", "a date YYYY-MM-DD") from exc
        if closing_date < today:
            raise problem("closing_date", "must not be in the past")
        if closing_date > today + dt.timedelta(days=180):
            raise problem("closing_date", "at most 180 days ahead")
    return {
        "title": title,
        "organisation": str(data.get("organisation") or "").strip()[:200],
        "location": location,
        "workplace": workplace,
        "employment_type": employment_type,
        "credentials": list(dict.fromkeys(credentials)),
        "specialty": specialty,
        "salary_min": salary["salary_min"],
        "salary_max": salary["salary_max"],
        "salary_period": period,
        "description": description[:20_000],
        "how_to_apply": str(data.get("how_to_apply") or "").strip()[:2000],
        "apply_url": apply_url[:200],
        "closing_date": closing_date,
    }


@transaction.atomic
def job_create(*, user: User, data: dict[str, Any]) -> Job:
    """A new posting by an approved employer; it waits for moderation."""
    employer = _approved_employer(user)
    fields = _clean_job(data)
    fields["organisation"] = fields["organisation"] or employer.organisation
    return Job.objects.create(employer=employer, status="pending", **fields)


@transaction.atomic
def job_moderate(*, job_id: int, approve: bool, by: User, reason: str = "") -> Job:
    job = Job.objects.select_for_update().select_related("employer__user").filter(pk=job_id).first()
    if job is None:
        raise NotFound(MSG_JOB_NOT_FOUND.format(job_id=job_id))
    if job.status != "pending":
        raise JobError(MSG_JOB_NOT_PENDING.format(job_id=job_id, status=job.get_status_display()))
    if not approve and not reason.strip():
        raise JobError(MSG_REJECT_REASON)
    job.moderated_by = by
    if approve:
        job.status, job.published_at = "published", timezone.now()
    else:
        job.status, job.rejection_reason = "rejected", reason.strip()[:300]
    job.save(update_fields=["status", "published_at", "moderated_by", "rejection_reason"])
    outcome = "is published" if approve else f"was not published: {job.rejection_reason}"
    _mail_on_commit(
        to=job.employer.user.email, subject=f"Your job “{job.title}” {outcome}"[:150], body=f"{job.title} {outcome}.\n"
    )
    return job


@transaction.atomic
def job_close(*, job_id: int, user: User) -> Job:
    job = Job.objects.select_for_update().filter(pk=job_id, employer__user=user).first()
    if job is None:
        raise NotFound(MSG_JOB_NOT_FOUND.format(job_id=job_id))
    job.status = "closed"
    job.save(update_fields=["status"])
    return job


@transaction.atomic
def jobs_expire(*, today: dt.date | None = None) -> int:
    """Published jobs past their closing date become expired (pages say so; search no longer lists them)."""
    today = today or timezone.localdate()
    return Job.objects.filter(status="published", closing_date__lt=today).update(status="expired")


@transaction.atomic
def application_create(*, job_id: int, user: User, filename: str, data: bytes, cover_letter: str = "") -> Application:
    job = Job.objects.select_related("employer__user").filter(pk=job_id).first()
    if job is None:
        raise NotFound(MSG_JOB_NOT_FOUND.format(job_id=job_id))
    if not job.is_open:
        raise JobError(MSG_JOB_CLOSED)
    if not job.apply_on_site:
        raise JobError(MSG_APPLY_EXTERNAL.format(url=job.apply_url))
    if job.employer.user_id == user.pk:
        raise JobError(MSG_OWN_JOB)
    kind = resume_checks.resume_check(data=data, limit=settings.MEDCODE_JOBS_RESUME_MAX_BYTES)
    shown_name = (filename or "resume").replace("/", "_").replace("\\", "_")[:150]
    stored_name = f"{secrets.token_hex(16)}.{kind}"  # never the uploaded name on disk
    application = Application(
        job=job, applicant=user, resume_name=shown_name, resume_kind=kind, cover_letter=cover_letter[:5000]
    )
    try:
        with transaction.atomic():
            application.resume.save(stored_name, ContentFile(data), save=False)
            application.save()
    except IntegrityError as exc:
        application.resume.delete(save=False)
        raise JobError(MSG_ALREADY_APPLIED) from exc
    _mail_on_commit(
        to=job.employer.user.email,
        subject=f"New applicant for {job.title}"[:150],
        body=f"{user.email} applied to {job.title}. See your applicants: "
        f"{settings.MEDCODE_BASE_URL}{reverse('careers:applicants', args=[job.pk])}\n",
    )
    return application


@transaction.atomic
def saved_search_create(*, user: User, filters: JobFilters, name: str = "") -> SavedSearch:
    if filters.empty:
        raise JobError(MSG_SEARCH_EMPTY)
    label = name.strip() or ", ".join(f"{k}: {v}" for k, v in filters.as_params().items())
    return SavedSearch.objects.create(user=user, name=label[:120], params=filters.as_params())


@transaction.atomic
def saved_search_delete(*, user: User, search_id: int) -> bool:
    deleted, _ = SavedSearch.objects.filter(pk=search_id, user=user).delete()
    return bool(deleted)


def job_alerts_send(*, now: dt.datetime | None = None, daily: bool = False) -> int:
    """The digest: one e-mail per saved search with new matching jobs; returns e-mails sent.

    With `daily`, a search already sent today (UTC) is skipped, so the worker may call it every hour.
    """
    now = now or timezone.now()
    sent = 0
    searches = SavedSearch.objects.filter(alerts=True)
    if daily:
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        searches = searches.exclude(last_alert_at__gte=start_of_day)
    for search in searches:
        if _digest_one(search_id=search.pk, now=now):
            sent += 1
    return sent


@transaction.atomic
def _digest_one(*, search_id: int, now: dt.datetime) -> bool:
    search = SavedSearch.objects.select_for_update().select_related("user").get(pk=search_id)
    jobs = selectors.alert_candidates(search=search)
    search.last_alert_at = now
    search.save(update_fields=["last_alert_at"])
    if not jobs or not search.user.email:
        return False
    AlertSent.objects.bulk_create([AlertSent(search=search, job=job) for job in jobs], ignore_conflicts=True)
    base = settings.MEDCODE_BASE_URL
    lines = [f"New jobs matching your saved search “{search.name}”:", ""]
    for job in jobs:
        where = "Remote" if job.remote else job.location
        lines += [
            f"- {job.title}, {job.organisation} ({where})",
            f"  {base}{reverse('careers:job', args=[job.pk, job.slug])}",
        ]
    lines += ["", f"Manage your saved searches: {base}{reverse('careers:saved')}"]
    _mail_on_commit(
        to=search.user.email, subject=f"{len(jobs)} new job(s) for “{search.name}”"[:150], body="\n".join(lines)
    )
    return True
