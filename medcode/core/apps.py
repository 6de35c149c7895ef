"""Django app config for medcode.core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "medcode.core"
    label = "core"
