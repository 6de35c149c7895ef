"""Django app config for medcode.api (REST v1)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "medcode.api"
    label = "api"
