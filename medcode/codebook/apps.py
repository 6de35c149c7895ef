"""Django app config for medcode.codebook."""

from django.apps import AppConfig


class CodebookConfig(AppConfig):
    name = "medcode.codebook"
    label = "codebook"
