"""Accounts and access: plans, an account per user, metering counters, favorites, notes, history, API keys, audit."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Sections of a code page a plan can lock once its allowance of code pages is used up.
CODE_PAGE_SECTIONS = (
    ("explanation", "In plain language"),
    ("notes", "Notes at the code"),
    ("seventh", "7th characters"),
    ("children", "Codes under the code"),
    ("axes", "PCS characters"),
    ("index", "Index entries"),
    ("billing", "Billing facts (fee schedule, NCCI, MUE, DRG, HCC, crosswalks)"),
    ("attrs", "Official data fields"),
    ("inherited_notes", "Notes from higher levels"),
    ("history", "History across releases"),
)
SECTION_KEYS = tuple(key for key, _ in CODE_PAGE_SECTIONS)
DEFAULT_LOCKED_SECTIONS = ["explanation", "notes", "seventh", "axes", "index", "billing", "attrs", "inherited_notes"]
NOTE_MAX_CHARS = 10_000

API_SCOPES = (
    ("read", "Read the codebook (look-ups, search, FHIR)"),
    ("account", "Read and change my favorites, notes, history"),
)
SCOPE_KEYS = tuple(key for key, _ in API_SCOPES)


class Plan(models.Model):
    """What an account (or a guest) may see: code pages per month, locked sections, API rate."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    page_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Distinct code pages per calendar month (UTC); empty means unlimited."
    )
    ip_page_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Guests only: distinct code pages per month per IP address; empty: same as page limit.",
    )
    locked_sections = models.JSONField(
        default=list, blank=True, help_text=f"Sections hidden once the allowance is used: {', '.join(SECTION_KEYS)}."
    )
    api_rate_per_minute = models.PositiveIntegerField(default=60, help_text="Requests per minute for each API key.")
    consults_per_month = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=10,
        help_text="Consult desk questions per calendar month (UTC); empty means unlimited. "
        "The guest plan's value applies to unregistered senders.",
    )
    is_guest = models.BooleanField(default=False, help_text="The plan of visitors who are not logged in (one plan).")
    is_default = models.BooleanField(default=False, help_text="The plan of newly registered accounts (one plan).")
    self_service = models.BooleanField(
        default=False, help_text="Users may switch to it themselves on the upgrade page (when self-service is enabled)."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["is_guest"], condition=models.Q(is_guest=True), name="one_guest_plan"),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_plan"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def unlimited(self) -> bool:
        return self.page_limit is None


class Account(models.Model):
    """medcode's side of a user: plan and e-mail verification. The user's username is their e-mail."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="accounts")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.plan.slug})"


class MeterCounter(models.Model):
    """Distinct code pages one subject (account:ID, device:UUID, ip:ADDR) opened in one month."""

    subject = models.CharField(max_length=80)
    period = models.DateField(help_text="First day of the month (UTC).")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "period"], name="meter_counter_subject_period")]

    def __str__(self) -> str:
        return f"{self.subject} {self.period:%Y-%m}: {self.count}"


class MeterView(models.Model):
    """One code page counted against a counter (a page already counted this month is free to reopen)."""

    counter = models.ForeignKey(MeterCounter, on_delete=models.CASCADE, related_name="views")
    system = models.CharField(max_length=16)
    code = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["counter", "system", "code"], name="meter_view_once")]

    def __str__(self) -> str:
        return f"{self.system} {self.code}"


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    system = models.CharField(max_length=16)
    code = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [models.UniqueConstraint(fields=["user", "system", "code"], name="favorite_once")]

    def __str__(self) -> str:
        return f"{self.system} {self.code}"


class CodeNote(models.Model):
    """A user's personal note on a code (private to them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="code_notes")
    system = models.CharField(max_length=16)
    code = models.CharField(max_length=16)
    text = models.TextField(max_length=NOTE_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at", "-id")
        constraints = [models.UniqueConstraint(fields=["user", "system", "code"], name="code_note_once")]

    def __str__(self) -> str:
        return f"{self.system} {self.code}"


class SearchEntry(models.Model):
    """One search the user made on the search page or through the API."""

    SOURCES = (("web", "search page"), ("api", "REST API"))

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="searches")
    query = models.CharField(max_length=500)
    system = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=8, choices=SOURCES)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["user", "-at"], name="search_entry_user_at")]

    def __str__(self) -> str:
        return self.query


class ApiKey(models.Model):
    """A secret for the REST and FHIR APIs; only its SHA-256 is stored, the prefix identifies it to people."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    rate_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the plan's API rate for this key; empty: the plan's."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """Something that happened to an account: registration, log-ins (and failures), changes, keys, deletion."""

    KINDS = (
        ("registered", "registered"),
        ("register_existing", "registration tried with this address (owner told by mail)"),
        ("email_verified", "e-mail verified"),
        ("login", "logged in"),
        ("login_failed", "log-in failed"),
        ("login_throttled", "log-in throttled"),
        ("logout", "logged out"),
        ("password_changed", "password changed"),
        ("password_reset_requested", "password reset requested"),
        ("password_reset_throttled", "password reset throttled"),
        ("password_reset", "password reset"),
        ("email_change_requested", "e-mail change requested"),
        ("email_changed", "e-mail changed"),
        ("plan_changed", "plan changed"),
        ("api_key_created", "API key created"),
        ("api_key_revoked", "API key revoked"),
        ("account_deleted", "account deleted"),
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    email = models.CharField(max_length=254, blank=True, help_text="The e-mail the event was about (log-in attempts).")
    kind = models.CharField(max_length=32, choices=KINDS)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["kind", "email", "at"], name="audit_kind_email_at"),
            models.Index(fields=["kind", "ip", "at"], name="audit_kind_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.email}"
