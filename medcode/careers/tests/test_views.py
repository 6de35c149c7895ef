"""Job board pages, JobPosting markup, feeds, the REST endpoint and permissions."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from medcode.accounts.tests.factories import make_account
from medcode.careers.models import Application, Job
from medcode.careers.tests.factories import make_employer, make_job, pdf_bytes

pytestmark = pytest.mark.django_db


def _login(client: Client, user: object) -> None:
    client.force_login(user)  # type: ignore[arg-type]


def test_job_page_has_jobposting_markup(client: Client) -> None:
    job = make_job(title="Remote CPC </script><b>", workplace="remote", location="", credentials=["CPC", "COC"])
    response = client.get(f"/jobs/{job.pk}-{job.slug}/")
    html = response.content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert raw is not None
    data = json.loads(raw.group(1))
    assert data["@type"] == "JobPosting" and data["title"] == job.title
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["baseSalary"]["value"] == {
        "@type": "QuantitativeValue",
        "unitText": "YEAR",
        "minValue": 50000,
        "maxValue": 65000,
    }
    assert data["hiringOrganization"]["name"] == job.organisation
    assert data["validThrough"].startswith(job.closing_date.isoformat())
    assert "</script><b>" not in raw.group(1)


def test_pending_jobs_are_not_public(client: Client) -> None:
    job = make_job(status="pending", published_at=None)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_search_page_and_feeds(client: Client) -> None:
    make_job(title="Remote CRC coder", workplace="remote", location="", credentials=["CRC"])
    make_job(title="Inpatient coder", credentials=["CCS"])
    page = client.get("/jobs/?remote=1").content.decode()
    assert "Remote CRC coder" in page and "Inpatient coder" not in page
    rss = client.get("/jobs/feed.rss?credential=CCS")
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert b"Inpatient coder" in rss.content and b"Remote CRC" not in rss.content
    feed = client.get("/jobs/feed.json").json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == 2


def test_rest_jobs(client: Client) -> None:
    job = make_job(credentials=["CCS"])
    body = client.get("/api/v1/jobs?credential=CCS").json()
    assert body["count"] == 1 and body["results"][0]["id"] == job.pk
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["title"] == job.title
    assert client.get("/api/v1/jobs/999999").status_code == 404
    # a NUL character in a filter is read as a space, never sent to the database (PostgreSQL refuses it)
    fuzzed = client.get("/api/v1/jobs?location=%00%1F&q=%00coder&credential=CCS")
    assert fuzzed.status_code == 200 and isinstance(fuzzed.json()["count"], int)
    assert client.get("/jobs/?location=%00").status_code == 200


def test_apply_and_the_employer_sees_the_applicant(client: Client) -> None:
    job = make_job()
    coder = make_account().user
    _login(client, coder)
    upload = SimpleUploadedFile("my resume.pdf", pdf_bytes(), content_type="application/pdf")
    client.post(f"/jobs/{job.pk}/apply/", {"resume": upload, "cover_letter": "Hello"})
    application = Application.objects.get()
    # the coder cannot see the applicants; the employer can, and downloads the resume
    assert client.get(f"/jobs/employer/jobs/{job.pk}/applicants/").status_code == 404
    assert client.get(f"/jobs/employer/applications/{application.pk}/resume/").status_code == 404
    _login(client, job.employer.user)
    assert coder.email in client.get(f"/jobs/employer/jobs/{job.pk}/applicants/").content.decode()
    download = client.get(f"/jobs/employer/applications/{application.pk}/resume/")
    assert b"".join(download.streaming_content) == pdf_bytes()  # type: ignore[attr-defined]


def test_a_renamed_executable_is_refused(client: Client) -> None:
    job = make_job()
    _login(client, make_account().user)
    upload = SimpleUploadedFile("resume.pdf", b"MZ\x90\x00\x03", content_type="application/pdf")
    page = client.post(f"/jobs/{job.pk}/apply/", {"resume": upload}, follow=True).content.decode()
    assert "neither" in page
    assert not Application.objects.exists()


def test_a_pdf_that_is_also_a_web_page_is_refused_with_the_reason(client: Client) -> None:
    job = make_job()
    _login(client, make_account().user)
    head, tail = pdf_bytes().split(b"xref\n", 1)
    polyglot = head + b"<html><script>alert(document.cookie)</script></html>\nxref\n" + tail
    upload = SimpleUploadedFile("resume.pdf", polyglot, content_type="application/pdf")
    page = client.post(f"/jobs/{job.pk}/apply/", {"resume": upload}, follow=True).content.decode()
    assert "also holds HTML or script" in page
    assert not Application.objects.exists()


def test_moderation_is_for_staff(client: Client) -> None:
    job = make_job(status="pending", published_at=None)
    user = make_account().user
    _login(client, user)
    assert client.post(f"/jobs/moderation/jobs/{job.pk}/", {"action": "approve"}).status_code == 302
    job.refresh_from_db()
    assert job.status == "pending"
    user.is_staff = True
    user.save()
    client.post(f"/jobs/moderation/jobs/{job.pk}/", {"action": "approve"})
    job.refresh_from_db()
    assert job.status == "published"


def test_employer_posts_through_the_form(client: Client) -> None:
    employer = make_employer()
    _login(client, employer.user)
    client.post(
        "/jobs/employer/jobs/new/",
        {
            "title": "Coder II",
            "location": "Austin, TX",
            "workplace": "hybrid",
            "employment_type": "PART_TIME",
            "credentials": ["CCS-P"],
            "specialty": "surgery",
            "salary_period": "HOUR",
            "salary_min": "30",
            "salary_max": "38",
            "description": "Surgical professional fee coding, part time.",
        },
    )
    job = Job.objects.get()
    assert (job.status, job.credentials, job.salary_period) == ("pending", ["CCS-P"], "HOUR")
