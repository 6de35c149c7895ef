"""Periodic work of the job board: expire jobs past their closing date, send the daily alert digests."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from medcode.careers import services
from medcode.core.tasks import every


@every(lambda: 3600)
def jobs_hourly() -> None:
    services.jobs_expire()
    if timezone.now().hour >= settings.MEDCODE_JOBS_ALERT_HOUR:
        services.job_alerts_send(daily=True)
