"""Django app config for medcode.web (site shell, templates, static assets)."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "medcode.web"
    label = "web"
