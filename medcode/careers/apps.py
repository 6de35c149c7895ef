"""The job board: employers, jobs, moderation, search, saved searches and alerts, applications."""

from django.apps import AppConfig


class CareersConfig(AppConfig):
    name = "medcode.careers"
    label = "careers"
    verbose_name = "Job board"
