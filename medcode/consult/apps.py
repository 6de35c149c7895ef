"""The email consult desk: questions by e-mail or web form, answered by the assistant, reviewed by staff."""

from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "medcode.consult"
    label = "consult"
    verbose_name = "Consult desk"

    def ready(self) -> None:
        from medcode.consult import checks  # noqa: F401 - registers the system checks
