"""Job board services: employer role, posting and moderation, expiry, applications, saved-search digests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from medcode.accounts.tests.factories import make_account
from medcode.careers import selectors, services
from medcode.careers.models import Job
from medcode.careers.resume import ResumeRejected
from medcode.careers.selectors import JobFilters
from medcode.careers.tests.factories import make_employer, make_job, pdf_bytes

pytestmark = pytest.mark.django_db

JOB = {
    "title": "Remote risk adjustment coder",
    "location": "",
    "workplace": "remote",
    "employment_type": "FULL_TIME",
    "credentials": ["CRC", "cpc"],
    "specialty": "risk_adjustment",
    "salary_min": "60,000",
    "salary_max": 75000,
    "salary_period": "YEAR",
    "description": "Review charts and abstract HCC diagnoses for Medicare Advantage members.",
    "apply_url": "",
}


def _staff() -> object:
    account = make_account()
    account.user.is_staff = True
    account.user.save()
    return account.user


def test_only_an_approved_employer_posts_and_a_job_waits_for_moderation(
    django_capture_on_commit_callbacks: object,
) -> None:
    user = make_account().user
    with pytest.raises(services.JobError, match="ask for the employer role"):
        services.job_create(user=user, data=JOB)
    employer = services.employer_register(user=user, organisation="Acme Health")
    with pytest.raises(services.JobError, match="waiting for approval"):
        services.job_create(user=user, data=JOB)
    services.employer_review(employer_id=employer.pk, approve=True, by=_staff())  # type: ignore[arg-type]
    job = services.job_create(user=user, data=JOB)
    assert (job.status, job.organisation, job.credentials, job.salary_min) == (
        "pending",
        "Acme Health",
        ["CRC", "CPC"],
        60000,
    )
    assert job.closing_date == timezone.localdate() + dt.timedelta(days=30)
    assert not selectors.job_search(filters=JobFilters()).exists()
    services.job_moderate(job_id=job.pk, approve=True, by=_staff())  # type: ignore[arg-type]
    assert list(selectors.job_search(filters=JobFilters())) == [Job.objects.get(pk=job.pk)]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"title": ""}, "title"),
        ({"workplace": "onsite", "location": ""}, "location: required"),
        ({"credentials": ["CPC", "XYZ"]}, "unknown XYZ"),
        ({"salary_min": "90000", "salary_max": "1"}, "salary_max"),
        ({"closing_date": "2001-01-01"}, "closing_date: must not be in the past"),
        ({"apply_url": "javascript:alert(1)"}, "apply_url"),
    ],
)
def test_job_fields_are_validated(change: dict[str, object], message: str) -> None:
    employer = make_employer()
    with pytest.raises(services.JobError, match=message):
        services.job_create(user=employer.user, data={**JOB, **change})


def test_rejection_needs_a_reason_and_tells_the_employer(
    mailoutbox: list[mail.EmailMessage], django_capture_on_commit_callbacks: object
) -> None:
    job = make_job(status="pending", published_at=None)
    with pytest.raises(services.JobError, match="Say why"):
        services.job_moderate(job_id=job.pk, approve=False, by=_staff())  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.job_moderate(job_id=job.pk, approve=False, by=_staff(), reason="Salary missing")  # type: ignore[arg-type]
    assert "Salary missing" in mailoutbox[-1].subject


def test_jobs_expire_after_their_closing_date() -> None:
    today = timezone.localdate()
    old = make_job(closing_date=today - dt.timedelta(days=1))
    current = make_job(closing_date=today)
    assert services.jobs_expire(today=today) == 1
    old.refresh_from_db()
    assert old.status == "expired"
    assert list(selectors.job_search(filters=JobFilters())) == [current]


def test_filters() -> None:
    remote = make_job(
        title="Remote CRC coder",
        workplace="remote",
        location="",
        credentials=["CRC"],
        specialty="risk_adjustment",
        salary_min=70_000,
        salary_max=80_000,
    )
    denver = make_job(
        title="Inpatient coder", credentials=["CCS"], specialty="inpatient", salary_min=40_000, salary_max=50_000
    )
    make_job(status="pending", published_at=None)

    def found(**params: str) -> list[Job]:
        return list(selectors.job_search(filters=JobFilters.from_params(params)))

    assert found() == [denver, remote]
    assert found(remote="1") == [remote]
    assert found(credential="ccs") == [denver]
    assert found(specialty="risk_adjustment") == [remote]
    assert found(salary_min="60000") == [remote]
    assert found(location="denver") == [denver]
    assert found(q="inpatient coder") == [denver]
    assert found(q="nothing-like-this") == []


def test_apply_with_a_resume_once(
    django_capture_on_commit_callbacks: object, mailoutbox: list[mail.EmailMessage]
) -> None:
    job = make_job()
    coder = make_account().user
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        application = services.application_create(job_id=job.pk, user=coder, filename="me.pdf", data=pdf_bytes())
    assert application.resume_kind == "pdf" and application.resume.read() == pdf_bytes()
    assert "me.pdf" not in str(application.resume.name)  # stored under a random name
    assert coder.email in mailoutbox[-1].body
    with pytest.raises(services.JobError, match="already applied"):
        services.application_create(job_id=job.pk, user=coder, filename="me.pdf", data=pdf_bytes())
    with pytest.raises(ResumeRejected, match="neither"):
        services.application_create(job_id=make_job().pk, user=coder, filename="cv.pdf", data=b"MZ...")
    external = make_job(apply_url="https://careers.example/apply/1")
    with pytest.raises(services.JobError, match=r"careers\.example"):
        services.application_create(job_id=external.pk, user=coder, filename="me.pdf", data=pdf_bytes())


def test_daily_digest_sends_new_matches_once(
    django_capture_on_commit_callbacks: object, mailoutbox: list[mail.EmailMessage]
) -> None:
    coder = make_account().user
    search = services.saved_search_create(
        user=coder, filters=JobFilters.from_params({"remote": "1", "credential": "CRC"})
    )
    make_job(workplace="remote", location="", credentials=["CPC"])  # no match
    match = make_job(title="Remote CRC", workplace="remote", location="", credentials=["CRC"])
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert services.job_alerts_send() == 1
        assert services.job_alerts_send() == 0  # nothing new
    assert len(mailoutbox) == 1
    assert "Remote CRC" in mailoutbox[0].body and f"/jobs/{match.pk}-remote-crc/" in mailoutbox[0].body
    search.refresh_from_db()
    assert search.sent.count() == 1
    with pytest.raises(services.JobError, match="at least one filter"):
        services.saved_search_create(user=coder, filters=JobFilters())


def test_daily_mode_skips_searches_sent_today() -> None:
    coder = make_account().user
    search = services.saved_search_create(user=coder, filters=JobFilters(remote=True))
    search.last_alert_at = timezone.now()
    search.save()
    make_job(workplace="remote", location="")
    assert services.job_alerts_send(daily=True) == 0
