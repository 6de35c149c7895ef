"""Consult desk allowance per plan: guest 3, free 10, professional unlimited."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

ALLOWANCES = {"guest": 3, "free": 10, "pro": None}


def set_allowances(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Plan = apps.get_model("accounts", "Plan")
    for slug, limit in ALLOWANCES.items():
        Plan.objects.filter(slug=slug).update(consults_per_month=limit)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_billing_section")]
    operations = [
        migrations.AddField(
            model_name="plan",
            name="consults_per_month",
            field=models.PositiveIntegerField(
                blank=True,
                default=10,
                help_text="Consult desk questions per calendar month (UTC); empty means unlimited. The guest plan's value applies to unregistered senders.",
                null=True,
            ),
        ),
        migrations.RunPython(set_allowances, migrations.RunPython.noop),
    ]
