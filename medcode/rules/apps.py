"""Django app of the billing rules: claim checker, fee calculator and modifier reference pages."""

from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "medcode.rules"
    label = "rules"
