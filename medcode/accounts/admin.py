"""Admin: plans (limits, locked sections), accounts and their plan, API keys, audit log (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from medcode.accounts import services
from medcode.accounts.http import client_of
from medcode.accounts.models import CODE_PAGE_SECTIONS, Account, ApiKey, AuditEvent, Plan


class PlanForm(forms.ModelForm):  # type: ignore[type-arg]
    locked_sections = forms.MultipleChoiceField(
        choices=CODE_PAGE_SECTIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Hidden behind “Register to view content” (guests) or “Upgrade” once the allowance is used.",
    )

    class Meta:
        model = Plan
        fields = (
            "slug",
            "name",
            "description",
            "page_limit",
            "ip_page_limit",
            "locked_sections",
            "api_rate_per_minute",
            "consults_per_month",
            "is_guest",
            "is_default",
            "self_service",
            "position",
        )


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PlanForm
    list_display = (
        "name",
        "slug",
        "page_limit",
        "ip_page_limit",
        "api_rate_per_minute",
        "is_guest",
        "is_default",
        "self_service",
    )
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff change a user's plan here; the change is written to the audit log."""

    list_display = ("user", "plan", "email_verified_at", "created_at")
    list_filter = ("plan",)
    search_fields = ("user__email", "user__username")
    list_select_related = ("user", "plan")
    raw_id_fields = ("user",)
    readonly_fields = ("email_verified_at", "created_at")

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        if change and "plan" in form.changed_data:
            services.account_plan_change(user=obj.user, plan=obj.plan, client=client_of(request), by=request.user)  # type: ignore[arg-type]
        else:
            super().save_model(request, obj, form, change)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "prefix", "user", "scopes", "rate_per_minute", "created_at", "last_used_at", "revoked_at")
    search_fields = ("prefix", "user__email", "name")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    raw_id_fields = ("user",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "kind", "email", "user", "ip")
    list_filter = ("kind",)
    search_fields = ("email", "ip")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
