"""Consult mail delivery: one automatic reply per inbound message, send confirmation, answer attempts."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def sent_before(apps: Any, schema_editor: Any) -> None:
    """Mail sent before this migration was sent inside the transaction that recorded it: it was accepted."""
    ConsultMessage = apps.get_model("consult", "ConsultMessage")
    ConsultMessage.objects.filter(inbound=False).update(sent_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultmessage",
            name="answers",
            field=models.OneToOneField(
                blank=True,
                help_text="Automatic reply: the inbound message it answers (at most one each, decided before the send).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="automatic_reply",
                to="consult.consultmessage",
            ),
        ),
        migrations.AddField(
            model_name="consultmessage",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, help_text="Inbound: failed attempts to answer it."),
        ),
        migrations.AddField(
            model_name="consultmessage",
            name="failure",
            field=models.CharField(
                blank=True, help_text="Why it was not answered or not sent; names no content.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="consultmessage",
            name="sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Outbound: when the mail server accepted it; empty: not (yet) confirmed.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="consult",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", ""),
                    ("low_confidence", "the assistant's answer is not confident enough"),
                    ("no_answer", "the assistant could not answer"),
                    ("asked_for_human", "the user asked for a person"),
                    ("loop", "too many automatic replies in this thread (mail loop?)"),
                    ("operator_review", "unknown sender: the operator reviews these"),
                    ("staff", "set by staff"),
                    ("unreadable", "the desk could not read the message"),
                    ("too_large", "the message was over the size limit"),
                    ("failed", "the desk could not answer it (see the message)"),
                    ("send_failed", "the mail server refused the answer"),
                    ("send_unconfirmed", "the answer may not have been sent (not sent again)"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="mailevent",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("accepted", "accepted"),
                    ("duplicate", "duplicate Message-ID: ignored"),
                    ("bounce", "bounce: not answered"),
                    ("auto_reply", "auto-reply: not answered"),
                    ("loop", "mail loop: not answered"),
                    ("rate_limited", "sender over the rate limit"),
                    ("quota", "monthly consult allowance used"),
                    ("invited", "unknown sender invited to register"),
                    ("too_large", "message too large"),
                    ("empty", "no question text"),
                    ("unreadable", "unreadable (MIME too deep, unparsable): to staff"),
                ],
                max_length=12,
            ),
        ),
        migrations.RunPython(sent_before, migrations.RunPython.noop),
    ]
