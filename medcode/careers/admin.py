"""Admin of the job board: employers (approve), jobs (publish, reject), applications, saved searches."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from medcode.careers import services
from medcode.careers.models import Application, Employer, Job, SavedSearch
from medcode.core.errors import ApplicationError


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("organisation", "user", "status", "created_at", "reviewed_by")
    list_filter = ("status",)
    search_fields = ("organisation", "user__email")
    readonly_fields = ("reviewed_by", "reviewed_at", "created_at")
    actions = ("approve", "reject")

    @admin.action(description="Approve the selected employers")
    def approve(self, request: HttpRequest, queryset: QuerySet[Employer]) -> None:
        for employer in queryset:
            services.employer_review(employer_id=employer.pk, approve=True, by=request.user)  # type: ignore[arg-type]

    @admin.action(description="Reject the selected employers")
    def reject(self, request: HttpRequest, queryset: QuerySet[Employer]) -> None:
        for employer in queryset:
            services.employer_review(employer_id=employer.pk, approve=False, by=request.user)  # type: ignore[arg-type]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "organisation", "status", "workplace", "closing_date", "published_at")
    list_filter = ("status", "workplace", "employment_type", "specialty")
    search_fields = ("title", "organisation", "description")
    readonly_fields = ("moderated_by", "published_at", "created_at")
    actions = ("publish",)

    @admin.action(description="Publish the selected jobs")
    def publish(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        for job in queryset:
            try:
                services.job_moderate(job_id=job.pk, approve=True, by=request.user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("job", "applicant", "resume_kind", "created_at")
    readonly_fields = ("job", "applicant", "resume", "resume_name", "resume_kind", "cover_letter", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "alerts", "created_at", "last_alert_at")
