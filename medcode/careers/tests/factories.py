"""factory_boy factories for employers, jobs and saved searches, with typed helpers for the tests."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any, cast

import factory
from django.utils import timezone

from medcode.accounts.tests.factories import UserFactory
from medcode.careers.models import Employer, Job


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    user = factory.SubFactory(UserFactory)
    organisation = factory.Sequence(lambda n: f"Clinic {n}")
    status = "approved"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    employer = factory.SubFactory(EmployerFactory)
    title = "Outpatient coder"
    organisation = factory.LazyAttribute(lambda o: o.employer.organisation)
    location = "Denver, CO"
    workplace = "onsite"
    employment_type = "FULL_TIME"
    credentials = ["CPC"]
    specialty = "profee"
    salary_min = 50_000
    salary_max = 65_000
    description = "Code professional fee claims for a busy multispecialty clinic."
    closing_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    status = "published"
    published_at = factory.LazyFunction(timezone.now)


def make_employer(**kwargs: Any) -> Employer:
    return cast(Employer, EmployerFactory(**kwargs))


def make_job(**kwargs: Any) -> Job:
    return cast(Job, JobFactory(**kwargs))


def pdf_bytes(text: str = "Resume") -> bytes:
    """A small, well-formed one-page PDF."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
        + f"% {text}\n".encode()
        + b"xref\n0 4\ntrailer << /Root 1 0 R /Size 4 >>\nstartxref\n9\n%%EOF\n"
    )


def docx_bytes(*, macros: bool = False, document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        content_type = (
            "application/vnd.ms-word.document.macroEnabled.main+xml"
            if macros
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        )
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="{content_type}"/></Types>',
        )
        if document:
            archive.writestr(
                "word/document.xml", "<w:document><w:body><w:p><w:r><w:t>Resume</w:t></w:r></w:p></w:body></w:document>"
            )
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return buffer.getvalue()
