"""Admin of the consult desk: consults and messages (content shown decrypted to staff), inbound mail log."""

from __future__ import annotations

from django.contrib import admin

from medcode.consult.models import Consult, ConsultMessage, MailEvent


class MessageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ConsultMessage
    fields = ("created_at", "inbound", "kind", "from_addr", "to_addr", "sent_by", "message_id")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Consult)
class ConsultAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "sender", "channel", "state", "reason", "created_at", "first_response_at", "last_activity_at")
    list_filter = ("state", "channel", "reason")
    search_fields = ("sender", "token")
    readonly_fields = ("token", "created_at", "last_activity_at", "first_response_at", "closed_at", "draft_codes")
    inlines = [MessageInline]


@admin.register(MailEvent)
class MailEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "sender", "outcome", "consult", "size")
    list_filter = ("outcome",)
    search_fields = ("sender", "message_id")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
