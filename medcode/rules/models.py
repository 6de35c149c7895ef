"""Claim files checked in the background: one row per upload, its progress and where its results are."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ClaimBatch(models.Model):
    """A claim CSV too large to check inside the request; its results are a JSON-lines file in the data directory."""

    STATUS = (("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed"))

    token = models.CharField(max_length=43, unique=True, help_text="The unguessable key in the batch's address.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    client = models.CharField(max_length=64, blank=True, help_text="Who uploaded it: user:<id> or the IP address.")
    filename = models.CharField(max_length=150)
    status = models.CharField(max_length=10, choices=STATUS, default="queued")
    claims_total = models.PositiveIntegerField()
    claims_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True, help_text="Claims with errors, warnings, refused.")
    message = models.TextField(blank=True, help_text="Why the batch failed (shown to the user).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"]), models.Index(fields=["status", "client"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.claims_done}/{self.claims_total}, {self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.claims_done / self.claims_total) if self.claims_total else 100
