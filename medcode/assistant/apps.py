"""Django app config for medcode.assistant."""

from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "medcode.assistant"
    label = "assistant"
