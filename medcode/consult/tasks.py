"""Consult desk tasks: answer an inbound question; periodic IMAP poll, retries and retention purge."""

from __future__ import annotations

import logging
import traceback

from django.conf import settings

from medcode.consult import services
from medcode.core.tasks import every, task

log = logging.getLogger(__name__)


@task
def consult_answer(*, message_pk: int) -> str:
    try:
        return services.consult_answer(message_pk=message_pk)
    except Exception as exc:
        # never the content: an exception's text can quote a header, so the id, its class and where it was raised
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f"{frame.filename}:{frame.lineno}" if frame else "-"
        log.error("consult answer for message %s failed: %s at %s", message_pk, type(exc).__name__, where)
        return "failed"


@every(lambda: settings.MEDCODE_CONSULT_IMAP_INTERVAL if settings.MEDCODE_CONSULT_IMAP_HOST else 0)
def consult_imap_poll() -> None:
    from medcode.consult import imap

    imap.imap_poll()


@every(lambda: 300)
def consult_retry() -> None:
    services.unanswered_requeue()


@every(lambda: 3600)
def consult_purge() -> None:
    services.consults_purge_expired()
