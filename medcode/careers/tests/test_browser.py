"""The job board in a real browser: an employer posts, staff approve, a coder finds the job by filters, applies
with a resume, and gets the alert e-mail (through a loopback SMTP server) for a new matching job."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from conftest import SCREENSHOTS, needs_chromium
from medcode.accounts.tests.factories import PASSWORD, make_account
from medcode.careers import services
from medcode.careers.models import Application, Job
from medcode.careers.tests.factories import pdf_bytes
from medcode.consult.tests.support import Mailbox, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def login(browser: Any, live_server: Any) -> Iterator[Callable[[str], Any]]:
    contexts: list[Any] = []

    def _login(email: str) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/account/login/")
        page.fill("#id_email", email)
        page.fill("#id_password", PASSWORD)
        page.click("main button:text('Log in')")
        page.wait_for_url("**/account/")
        return page

    yield _login
    for context in contexts:
        context.close()


def _post_job(page: Any, *, title: str, credential: str) -> None:
    page.goto("/jobs/employer/jobs/new/")
    page.fill("#id_title", title)
    page.select_option("#id_workplace", "remote")
    page.select_option("#id_employment_type", "FULL_TIME")
    page.check(f"input[name=credentials][value={credential}]")
    page.select_option("#id_specialty", "risk_adjustment")
    page.fill("#id_salary_min", "62000")
    page.fill("#id_salary_max", "74000")
    page.fill("#id_description", "Abstract HCC diagnoses from Medicare Advantage charts, fully remote.")
    page.click("main button:text('Send for moderation')")
    page.wait_for_url("**/jobs/employer/")
    assert "was sent for moderation" in page.locator(".messages").inner_text()


def test_employer_posts_staff_approves_coder_finds_applies_and_gets_an_alert(
    login: Callable[[str], Any], mailbox: Mailbox, tmp_path: Path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    employer_user = make_account().user
    staff_user = make_account().user
    staff_user.is_staff = True
    staff_user.save()
    coder_user = make_account().user

    # the employer asks for the role
    employer = login(employer_user.email)
    employer.goto("/jobs/employer/")
    employer.fill("#id_organisation", "Summit Risk Partners")
    employer.click("main button:text('Ask for the employer role')")
    assert "waiting for approval" in employer.locator("[data-testid=employer-pending]").inner_text()

    # staff approve the employer
    staff = login(staff_user.email)
    staff.goto("/jobs/moderation/")
    staff.click("button:text('Approve Summit Risk Partners')")
    assert "Summit Risk Partners: approved" in staff.locator(".messages").inner_text()

    # the employer posts; staff publish
    _post_job(employer, title="Remote CRC coder", credential="CRC")
    staff.goto("/jobs/moderation/")
    staff.screenshot(path=str(SCREENSHOTS / "jobs-moderation.png"), full_page=True)
    staff.click("button:text('Publish “Remote CRC coder”')")
    assert "published" in staff.locator(".messages").inner_text()

    # the coder filters: remote, CRC, salary at least 60,000 and finds it
    coder = login(coder_user.email)
    coder.goto("/jobs/")
    coder.check("input[name=remote]")
    coder.select_option("select[name=credential]", "CRC")
    coder.fill("input[name=salary_min]", "60000")
    coder.click("main button:text('Search jobs')")
    assert coder.locator("[data-testid=job-count]").inner_text() == "1 open job"
    coder.fill(".save-search input[name=name]", "Remote CRC")
    coder.click("button:text('Save this search')")
    assert "Search saved" in coder.locator(".messages").inner_text()
    coder.screenshot(path=str(SCREENSHOTS / "jobs-search.png"), full_page=True)
    coder.click("a:text('Remote CRC coder')")
    ld = coder.locator("script[type='application/ld+json']").inner_text()
    assert '"@type": "JobPosting"' in ld

    # apply with a resume
    resume = tmp_path / "resume.pdf"
    resume.write_bytes(pdf_bytes("Jo Coder, CRC"))
    coder.set_input_files("#id_resume", str(resume))
    coder.fill("#id_cover_letter", "Five years of HCC abstraction.")
    coder.click("button:text('Send my application')")
    assert "Your application to Remote CRC coder was sent" in coder.locator(".messages").inner_text()
    assert Application.objects.get().applicant == coder_user

    # the employer sees the applicant
    employer.goto("/jobs/employer/")
    employer.click("td a:text('1')")
    assert coder_user.email in employer.locator("main").inner_text()
    assert employer.locator("a:text('resume.pdf')").count() == 1

    # a new matching job, published; the daily digest mails the coder
    _post_job(employer, title="Senior CRC auditor", credential="CRC")
    staff.goto("/jobs/moderation/")
    staff.click("button:text('Publish “Senior CRC auditor”')")
    assert services.job_alerts_send() == 1
    [alert] = mailbox.wait_for(coder_user.email)
    body = alert.get_content()
    assert "Senior CRC auditor" in body and "Remote CRC coder" not in body  # only what is new
    link = re.search(r"http://\S+/jobs/\d+-senior-crc-auditor/", body)
    assert link is not None
    assert Job.objects.filter(status="published").count() == 2
