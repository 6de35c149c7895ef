"""Job board data: employer profiles (approved by staff), jobs (moderated, expiring), applications, saved searches."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

CREDENTIALS = (
    ("CPC", "CPC (Certified Professional Coder)"),
    ("COC", "COC (Certified Outpatient Coder)"),
    ("CIC", "CIC (Certified Inpatient Coder)"),
    ("CRC", "CRC (Certified Risk Adjustment Coder)"),
    ("CPMA", "CPMA (Certified Professional Medical Auditor)"),
    ("CCA", "CCA (Certified Coding Associate)"),
    ("CCS", "CCS (Certified Coding Specialist)"),
    ("CCS-P", "CCS-P (Certified Coding Specialist, Physician-based)"),
    ("RHIT", "RHIT (Registered Health Information Technician)"),
    ("RHIA", "RHIA (Registered Health Information Administrator)"),
    ("CDIP", "CDIP (Certified Documentation Integrity Practitioner)"),
    ("CCDS", "CCDS (Certified Clinical Documentation Specialist)"),
)
CREDENTIAL_KEYS = tuple(k for k, _ in CREDENTIALS)

SPECIALTIES = (
    ("general", "General / multispecialty"),
    ("inpatient", "Inpatient facility"),
    ("outpatient", "Outpatient facility"),
    ("profee", "Professional fee"),
    ("emergency", "Emergency department"),
    ("surgery", "Surgery"),
    ("cardiology", "Cardiology"),
    ("oncology", "Oncology"),
    ("orthopedics", "Orthopedics"),
    ("radiology", "Radiology"),
    ("anesthesia", "Anesthesia"),
    ("risk_adjustment", "Risk adjustment (HCC)"),
    ("cdi", "Clinical documentation integrity"),
    ("auditing", "Auditing and compliance"),
    ("denials", "Denials and billing"),
)

WORKPLACE = (("onsite", "On site"), ("hybrid", "Hybrid"), ("remote", "Remote"))
EMPLOYMENT_TYPES = (
    ("FULL_TIME", "Full time"),
    ("PART_TIME", "Part time"),
    ("CONTRACTOR", "Contract"),
    ("TEMPORARY", "Temporary"),
    ("PER_DIEM", "Per diem"),
    ("INTERN", "Internship / apprenticeship"),
)
SALARY_PERIODS = (("YEAR", "a year"), ("HOUR", "an hour"))


def private_storage() -> Storage:
    """Uploads that only permission-checked views serve (resumes): MEDCODE_PRIVATE_DIR, never MEDIA or static."""
    return FileSystemStorage(location=settings.MEDCODE_PRIVATE_DIR)


class Employer(models.Model):
    """An account's employer role: it may post jobs once staff approve it."""

    STATUSES = (("pending", "waiting for approval"), ("approved", "approved"), ("rejected", "rejected"))

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer")
    organisation = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default="pending", db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.organisation

    @property
    def approved(self) -> bool:
        return self.status == "approved"


class Job(models.Model):
    """A job posting; visible to coders once staff publish it and until its closing date."""

    STATUSES = (
        ("pending", "waiting for moderation"),
        ("published", "published"),
        ("rejected", "rejected"),
        ("expired", "expired"),
        ("closed", "closed by the employer"),
    )

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="jobs")
    title = models.CharField(max_length=160)
    organisation = models.CharField(max_length=200)
    location = models.CharField(max_length=160, blank=True, help_text="City, state; empty for fully remote jobs.")
    workplace = models.CharField(max_length=8, choices=WORKPLACE, default="onsite")
    employment_type = models.CharField(max_length=12, choices=EMPLOYMENT_TYPES, default="FULL_TIME")
    credentials = models.JSONField(default=list, blank=True)
    specialty = models.CharField(max_length=20, choices=SPECIALTIES, default="general")
    salary_min = models.PositiveIntegerField(null=True, blank=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    salary_period = models.CharField(max_length=4, choices=SALARY_PERIODS, default="YEAR")
    salary_currency = models.CharField(max_length=3, default="USD")
    description = models.TextField(max_length=20_000)
    how_to_apply = models.TextField(max_length=2000, blank=True)
    apply_url = models.URLField(blank=True, help_text="The employer's own application page; empty: apply on this site.")
    closing_date = models.DateField()
    status = models.CharField(max_length=10, choices=STATUSES, default="pending", db_index=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-published_at", "-id")
        indexes = [models.Index(fields=["status", "closing_date"], name="job_status_closing")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(salary_min__isnull=True)
                | models.Q(salary_max__isnull=True)
                | models.Q(salary_min__lte=models.F("salary_max")),
                name="job_salary_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})"

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "job"

    @property
    def apply_on_site(self) -> bool:
        return not self.apply_url

    @property
    def is_open(self) -> bool:
        return self.status == "published" and self.closing_date >= timezone.localdate()

    @property
    def remote(self) -> bool:
        return self.workplace == "remote"


class Application(models.Model):
    """A coder's application on the site, with the resume they uploaded (kept in private storage)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    resume = models.FileField(storage=private_storage, upload_to="resumes/%Y/%m/")
    resume_name = models.CharField(max_length=200)
    resume_kind = models.CharField(max_length=4, choices=(("pdf", "PDF"), ("docx", "DOCX")))
    cover_letter = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [models.UniqueConstraint(fields=["job", "applicant"], name="application_once")]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.job}"


class SavedSearch(models.Model):
    """A coder's search, sent as a daily digest of new matching jobs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120)
    params = models.JSONField(default=dict)
    alerts = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_alert_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name

    def since(self) -> dt.datetime:
        return self.last_alert_at or self.created_at


class AlertSent(models.Model):
    """A job already sent to a saved search (a job is never sent twice to the same search)."""

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="sent")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["search", "job"], name="alert_sent_once")]

    def __str__(self) -> str:
        return f"{self.search_id} → {self.job_id}"
