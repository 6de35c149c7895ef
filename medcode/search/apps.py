"""Django app config for medcode.search."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "medcode.search"
    label = "search"
