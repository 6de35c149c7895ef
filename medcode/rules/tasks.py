"""Background work of the claim checker: large claim files, and the purge of old results."""

from __future__ import annotations

from django.conf import settings

from medcode.core.tasks import every, task
from medcode.rules import batches


@task
def claim_batch_run(*, batch_id: int) -> None:
    batches.claim_batch_run(batch_id=batch_id)


@every(lambda: 3600.0 if settings.MEDCODE_CLAIM_BATCH_KEEP_HOURS > 0 else 0.0)
def claim_batches_purge() -> None:
    batches.claim_batches_purge()
