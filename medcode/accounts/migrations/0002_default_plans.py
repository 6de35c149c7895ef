"""The default plans, as on the reference sites: guest 1 code page, free 5 a month, paid unlimited."""

from typing import Any

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

LOCKED = ["explanation", "notes", "seventh", "axes", "index", "billing", "attrs", "inherited_notes"]

PLANS: list[dict[str, Any]] = [
    {
        "slug": "guest",
        "name": "Guest",
        "page_limit": 1,
        "ip_page_limit": 1,
        "is_guest": True,
        "position": 0,
        "api_rate_per_minute": 60,
        "description": "Visitors who are not logged in.",
    },
    {
        "slug": "free",
        "name": "Free",
        "page_limit": 5,
        "is_default": True,
        "position": 1,
        "api_rate_per_minute": 60,
        "description": "Every new account: five code pages a month.",
        "self_service": True,
    },
    {
        "slug": "pro",
        "name": "Professional",
        "page_limit": None,
        "position": 2,
        "api_rate_per_minute": 600,
        "description": "Unlimited code pages and a higher API rate.",
        "self_service": True,
    },
]


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Plan = apps.get_model("accounts", "Plan")
    for fields in PLANS:
        locked = LOCKED if fields["page_limit"] is not None else []
        Plan.objects.get_or_create(slug=fields["slug"], defaults={**fields, "locked_sections": locked})


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("accounts", "Plan").objects.filter(
        slug__in=[p["slug"] for p in PLANS], accounts__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
