"""Job board pages: search, job pages, applying, the employer's area, staff moderation, feeds."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.views.decorators.http import require_POST

from medcode.careers import jsonld, resume, selectors, services
from medcode.careers.forms import ApplyForm, EmployerForm, JobForm, RejectForm
from medcode.careers.models import CREDENTIALS, SPECIALTIES, Job
from medcode.careers.selectors import JobFilters
from medcode.core.errors import ApplicationError


def _uid(request: HttpRequest) -> int:
    return int(request.user.pk or 0)


def _user(request: HttpRequest) -> Any:
    return request.user


def job_list(request: HttpRequest) -> HttpResponse:
    """Open jobs with keyword, location, remote, credential, specialty and salary filters."""
    filters = JobFilters.from_params(request.GET)
    page = Paginator(selectors.job_search(filters=filters), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "careers/list.html",
        {"filters": filters, "page": page, "credentials": CREDENTIALS, "specialties": SPECIALTIES},
    )


def job_detail(request: HttpRequest, job_id: int, slug: str = "") -> HttpResponse:
    """One job with its JobPosting markup and the way to apply."""
    job = selectors.job_get_public(job_id=job_id)
    if job is None:
        raise Http404("No such job")
    url = request.build_absolute_uri(reverse("careers:job", args=[job.pk, job.slug]))
    applied = request.user.is_authenticated and selectors.has_applied(job_id=job.pk, user_id=_uid(request))
    return render(
        request,
        "careers/job.html",
        {
            "job": job,
            "jsonld": jsonld.script_tag(jsonld.job_posting(job, url=url)) if job.is_open else "",
            "form": ApplyForm(),
            "applied": applied,
        },
    )


@login_required
def job_apply(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """Apply on the site with a resume (PDF or DOCX, checked by content)."""
    form = ApplyForm(request.POST or None, request.FILES or None)
    job = selectors.job_get_public(job_id=job_id)
    if job is None:
        raise Http404("No such job")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["resume"]
        try:
            data = resume.resume_read(upload=upload, size=upload.size, limit=settings.MEDCODE_JOBS_RESUME_MAX_BYTES)
            services.application_create(
                job_id=job_id,
                user=_user(request),
                filename=upload.name or "resume",
                data=data,
                cover_letter=form.cleaned_data["cover_letter"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Your application to {job.title} was sent.")
    return redirect("careers:job", job.pk, job.slug)


@login_required
def saved_list(request: HttpRequest) -> HttpResponse:
    """The coder's saved searches (each sends a daily digest of new matches)."""
    return render(request, "careers/saved.html", {"searches": selectors.saved_search_list(user_id=_uid(request))})


@login_required
@require_POST
def saved_create(request: HttpRequest) -> HttpResponseBase:
    """Save the current filters as an alert."""
    filters = JobFilters.from_params(request.POST)
    try:
        services.saved_search_create(user=_user(request), filters=filters, name=request.POST.get("name", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Search saved: you will get a daily e-mail when new jobs match it.")
    return redirect(f"{reverse('careers:list')}?{_query(filters)}")


def _query(filters: JobFilters) -> str:
    from urllib.parse import urlencode

    return urlencode(filters.as_params())


@login_required
@require_POST
def saved_delete(request: HttpRequest, search_id: int) -> HttpResponseBase:
    """Stop a saved search."""
    services.saved_search_delete(user=_user(request), search_id=search_id)
    return redirect("careers:saved")


@login_required
def employer_home(request: HttpRequest) -> HttpResponseBase:
    """The employer's area: ask for the role, then post jobs and see their applicants."""
    employer = selectors.employer_for(user_id=_uid(request))
    form = EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_register(user=_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Thank you: the staff will review your employer role.")
        return redirect("careers:employer")
    jobs = selectors.employer_jobs(employer_id=employer.pk) if employer else []
    return render(request, "careers/employer.html", {"employer": employer, "form": form, "jobs": jobs})


@login_required
def job_new(request: HttpRequest) -> HttpResponseBase:
    """Post a job (approved employers); it waits for moderation."""
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_create(user=_user(request), data=form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{job.title}” was sent for moderation.")
            return redirect("careers:employer")
    return render(request, "careers/job_form.html", {"form": form})


@login_required
def applicants(request: HttpRequest, job_id: int) -> HttpResponse:
    """The applicants to one of the employer's jobs."""
    job = Job.objects.filter(pk=job_id, employer__user_id=_uid(request)).first()
    if job is None:
        raise Http404("No such job among yours")
    return render(
        request, "careers/applicants.html", {"job": job, "applications": selectors.job_applicants(job_id=job.pk)}
    )


@login_required
def resume_download(request: HttpRequest, application_id: int) -> FileResponse:
    """An applicant's resume, for the employer of the job only."""
    application = selectors.application_for_employer(application_id=application_id, user_id=_uid(request))
    if application is None:
        raise Http404("No such application among your jobs")
    content_type = (
        "application/pdf"
        if application.resume_kind == "pdf"
        else ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    response = FileResponse(
        application.resume.open("rb"), as_attachment=True, filename=application.resume_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def job_close(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The employer closes a job."""
    services.job_close(job_id=job_id, user=_user(request))
    return redirect("careers:employer")


@staff_member_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Staff: employers waiting for the role, jobs waiting for publication."""
    return render(request, "careers/moderation.html", {**selectors.moderation_queue(), "reject_form": RejectForm()})


@staff_member_required
@require_POST
def moderate_job(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """Staff: publish or reject a job."""
    try:
        job = services.job_moderate(
            job_id=job_id,
            approve=request.POST.get("action") == "approve",
            by=_user(request),
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{job.title}”: {job.get_status_display()}.")
    return redirect("careers:moderation")


@staff_member_required
@require_POST
def moderate_employer(request: HttpRequest, employer_id: int) -> HttpResponseBase:
    """Staff: approve or reject an employer role."""
    employer = services.employer_review(
        employer_id=employer_id, approve=request.POST.get("action") == "approve", by=_user(request)
    )
    messages.success(request, f"{employer.organisation}: {employer.get_status_display()}.")
    return redirect("careers:moderation")


class JobFeed(Feed):  # type: ignore[type-arg]
    """RSS 2.0 feed of open jobs (the same filters as the search page)."""

    feed_type = Rss201rev2Feed
    description = "Open medical coding jobs"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JobFilters:
        return JobFilters.from_params(request.GET)

    def title(self, obj: JobFilters) -> str:
        return f"{settings.MEDCODE_SITE_NAME} jobs"

    def link(self, obj: JobFilters) -> str:
        return reverse("careers:list")

    def items(self, obj: JobFilters) -> list[Job]:
        return list(selectors.job_search(filters=obj)[:50])

    def item_title(self, item: Job) -> str:
        return f"{item.title}, {item.organisation}"

    def item_description(self, item: Job) -> str:
        where = "Remote" if item.remote else item.location
        return f"{where}. {item.get_employment_type_display()}. {item.description[:500]}"

    def item_link(self, item: Job) -> str:
        return reverse("careers:job", args=[item.pk, item.slug])

    def item_pubdate(self, item: Job) -> Any:
        return item.published_at


def job_feed_json(request: HttpRequest) -> HttpResponse:
    """JSON Feed 1.1 of open jobs."""
    filters = JobFilters.from_params(request.GET)
    items = []
    for job in selectors.job_search(filters=filters)[:50]:
        url = request.build_absolute_uri(reverse("careers:job", args=[job.pk, job.slug]))
        items.append(
            {
                "id": str(job.pk),
                "url": url,
                "title": f"{job.title}, {job.organisation}",
                "content_text": job.description,
                "date_published": job.published_at.isoformat() if job.published_at else None,
                "tags": [job.specialty, job.workplace, *job.credentials],
            }
        )
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{settings.MEDCODE_SITE_NAME} jobs",
        "home_page_url": request.build_absolute_uri(reverse("careers:list")),
        "feed_url": request.build_absolute_uri(request.get_full_path()),
        "items": items,
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/feed+json")
