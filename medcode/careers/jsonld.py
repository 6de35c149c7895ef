"""schema.org JobPosting markup for a job page (Google's job search reads it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from medcode.careers.models import Job


def job_posting(job: Job, *, url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": strip_tags(job.description),
        "identifier": {"@type": "PropertyValue", "name": job.organisation, "value": str(job.pk)},
        "datePosted": (job.published_at or job.created_at).date().isoformat(),
        "validThrough": dt.datetime.combine(job.closing_date, dt.time(23, 59)).isoformat(),
        "employmentType": job.employment_type,
        "hiringOrganization": {"@type": "Organization", "name": job.organisation}
        | ({"sameAs": job.employer.website} if job.employer.website else {}),
        "directApply": job.apply_on_site,
        "url": url,
    }
    if job.workplace == "remote":
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = {"@type": "Country", "name": "US"}
    if job.location:
        data["jobLocation"] = {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": job.location, "addressCountry": "US"},
        }
    if job.salary_min is not None or job.salary_max is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": job.salary_period}
        if job.salary_min is not None:
            value["minValue"] = job.salary_min
        if job.salary_max is not None:
            value["maxValue"] = job.salary_max
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": job.salary_currency, "value": value}
    if job.credentials:
        data["qualifications"] = ", ".join(job.credentials)
    return data


def script_tag(data: dict[str, Any]) -> SafeString:
    """A <script type="application/ld+json"> with `<`, `>` and `&` escaped so the text cannot close the tag."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
