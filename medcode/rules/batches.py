"""Claim files: small ones checked in the request, large ones in the background with progress and results to download.

A file is read within its limits (claim_files) once to count its claims and refuse it early with the line at
fault; a file of more than MEDCODE_CLAIM_SYNC_MAX_CLAIMS claims is copied to the data directory and checked by a
task (`Task.spawn`: a Redis worker, or a thread with no broker) that writes one JSON line per claim, never
holding more than one claim in memory (docs/adr/0041-claim-files-checked-in-the-background.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from medcode.core.errors import ApplicationError
from medcode.rules import claim_files
from medcode.rules.models import ClaimBatch
from medcode.rules.services import ClaimInvalid, claims_check

log = logging.getLogger(__name__)

MSG_UPLOAD_TOO_BIG = (
    "The uploaded file is {size:,} bytes; the limit here is {limit:,} (MEDCODE_CLAIM_UPLOAD_MAX_BYTES; "
    "split the file, or use `medcode check` for more)"
)
MSG_BATCH_NOT_FOUND = "There is no claim file check at this address (results are kept {hours} hours)"
MSG_BATCH_INTERRUPTED = "The check stopped before the end (the server restarted?); upload the file again"
MSG_BATCH_BUSY_CLIENT = (
    "You already have {count} claim file(s) being checked; wait for it to finish, then upload this one "
    "(the limit is {limit} at a time, MEDCODE_CLAIM_BATCHES_PER_CLIENT)"
)
MSG_BATCH_BUSY = (
    "The server is checking {count} claim files, as many as it takes at once (MEDCODE_CLAIM_BATCH_CONCURRENT); "
    "try again in a few minutes"
)
MSG_BATCH_FAILED = "The check of this file failed on our side; upload it again or ask the site's staff"
PROGRESS_EVERY_SECONDS = 1.0
# A running batch whose progress has not moved for this long was interrupted (its worker died).
STALE_SECONDS = 300
PREVIEW_CLAIMS = 100


class BatchBusy(ApplicationError):
    """Too many claim files are being checked (by this uploader, or on the instance)."""

    status = 429


class BatchNotFound(ApplicationError):
    """No batch at this address for this visitor (or it has been purged)."""

    status = 404


@dataclass(frozen=True)
class FileOutcome:
    """A submitted claim file: its results (checked in the request) or the batch that checks it."""

    results: list[dict[str, Any]] | None = None
    batch: ClaimBatch | None = None


def batch_dir() -> Path:
    return Path(settings.DATA_DIR) / "claim-batches"


def input_path(batch: ClaimBatch) -> Path:
    return batch_dir() / f"{batch.token}.csv"


def results_path(batch: ClaimBatch) -> Path:
    return batch_dir() / f"{batch.token}.jsonl"


def client_key(*, user_id: int | None, ip: str | None) -> str:
    """Who uploads, for the per-uploader cap: the account, or the IP address of a guest."""
    return f"user:{user_id}" if user_id else (ip or "unknown")


def claim_file_submit(
    *, file: IO[bytes], size: int | None, filename: str, user_id: int | None, client: str
) -> FileOutcome:
    """Check a CSV claim file: refused on its reported size before it is read, then read within the line, field
    and claim limits; checked now when small, else queued as a batch (returned) whose task starts after commit."""
    limit = settings.MEDCODE_CLAIM_UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        raise ClaimInvalid(MSG_UPLOAD_TOO_BIG.format(size=size, limit=limit))
    limits = claim_files.Limits.from_settings()
    count = claim_files.claims_count(claim_files.chunks_of(file), limits=limits)
    file.seek(0)
    if count <= settings.MEDCODE_CLAIM_SYNC_MAX_CLAIMS:
        claims = claim_files.claims_read(claim_files.chunks_of(file), limits=limits)
        return FileOutcome(results=list(claims_check(claims)))
    claim_batches_purge()
    batch = claim_batch_create(file=file, filename=filename, user_id=user_id, client=client, claims_total=count)
    return FileOutcome(batch=batch)


@transaction.atomic
def claim_batch_create(
    *, file: IO[bytes], filename: str, user_id: int | None, client: str, claims_total: int
) -> ClaimBatch:
    """A queued batch: the file copied to the data directory, its check started once the row is committed.

    Refused while the uploader has MEDCODE_CLAIM_BATCHES_PER_CLIENT files being checked, or the instance
    MEDCODE_CLAIM_BATCH_CONCURRENT (a batch whose progress stopped long ago no longer counts)."""
    from medcode.rules import tasks

    fresh = timezone.now() - dt.timedelta(seconds=STALE_SECONDS)
    active = ClaimBatch.objects.select_for_update().filter(status__in=("queued", "running"), updated_at__gte=fresh)
    mine = sum(1 for b in active if b.client == client)
    if mine >= settings.MEDCODE_CLAIM_BATCHES_PER_CLIENT:
        raise BatchBusy(MSG_BATCH_BUSY_CLIENT.format(count=mine, limit=settings.MEDCODE_CLAIM_BATCHES_PER_CLIENT))
    if len(active) >= settings.MEDCODE_CLAIM_BATCH_CONCURRENT:
        raise BatchBusy(MSG_BATCH_BUSY.format(count=len(active)))
    batch = ClaimBatch.objects.create(
        token=secrets.token_urlsafe(24),
        user_id=user_id,
        client=client[:64],
        filename=(filename or "claims.csv").replace("/", "_").replace("\\", "_")[:150],
        claims_total=claims_total,
    )
    batch_dir().mkdir(parents=True, exist_ok=True)
    with input_path(batch).open("wb") as out:
        shutil.copyfileobj(file, out, claim_files.CHUNK)
    batch_id = batch.pk
    transaction.on_commit(lambda: tasks.claim_batch_run.spawn(batch_id=batch_id))
    return batch


def claim_batch_run(*, batch_id: int) -> None:
    """Check a queued batch's claims one at a time, writing a JSON line per claim and the progress every second.

    Safe to call twice: only the caller that moves the batch from queued to running checks it.
    """
    if not ClaimBatch.objects.filter(pk=batch_id, status="queued").update(status="running"):
        return
    batch = ClaimBatch.objects.get(pk=batch_id)
    source, target = input_path(batch), results_path(batch)
    partial = target.with_suffix(".partial")
    summary = {"checked": 0, "with_errors": 0, "with_warnings": 0, "refused": 0, "allowed_total": 0.0}
    done = 0
    try:
        limits = claim_files.Limits.from_settings(max_bytes=None)
        with source.open("rb") as data, partial.open("w", encoding="utf-8") as out:
            last = time.monotonic()
            for result in claims_check(claim_files.claims_read(claim_files.chunks_of(data), limits=limits)):
                out.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
                done += 1
                _tally(summary, result)
                if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                    ClaimBatch.objects.filter(pk=batch_id).update(
                        claims_done=done, summary=summary, updated_at=timezone.now()
                    )
                    last = time.monotonic()
        os.replace(partial, target)
        ClaimBatch.objects.filter(pk=batch_id).update(
            status="done", claims_done=done, summary=summary, finished_at=timezone.now(), updated_at=timezone.now()
        )
    except ClaimInvalid as exc:
        _fail(batch_id, exc.message, partial, done)
    except Exception:
        log.exception("claim batch %s failed", batch_id)
        _fail(batch_id, MSG_BATCH_FAILED, partial, done)
    finally:
        source.unlink(missing_ok=True)


def _tally(summary: dict[str, Any], result: dict[str, Any]) -> None:
    if "error" in result:
        summary["refused"] += 1
        return
    summary["checked"] += 1
    counts = result.get("summary", {})
    summary["with_errors"] += 1 if counts.get("errors") else 0
    summary["with_warnings"] += 1 if counts.get("warnings") else 0
    if counts.get("allowed_total") is not None:
        summary["allowed_total"] = round(summary["allowed_total"] + counts["allowed_total"], 2)


def _fail(batch_id: int, message: str, partial: Path, done: int) -> None:
    partial.unlink(missing_ok=True)
    ClaimBatch.objects.filter(pk=batch_id).update(
        status="failed", message=message, claims_done=done, finished_at=timezone.now(), updated_at=timezone.now()
    )


# --- reads ------------------------------------------------------------------------------------------------


def claim_batch_get(*, token: str, user_id: int | None) -> ClaimBatch:
    """The batch at this address; a batch uploaded by a logged-in user is that user's only."""
    batch = ClaimBatch.objects.filter(token=token).first()
    if batch is None or (batch.user_id is not None and batch.user_id != user_id):
        raise BatchNotFound(MSG_BATCH_NOT_FOUND.format(hours=settings.MEDCODE_CLAIM_BATCH_KEEP_HOURS))
    return batch


def claim_batch_interrupted(batch: ClaimBatch) -> bool:
    """A batch still marked queued or running whose progress has not moved for STALE_SECONDS."""
    if batch.status not in ("queued", "running"):
        return False
    return timezone.now() - batch.updated_at > dt.timedelta(seconds=STALE_SECONDS)


def claim_batch_results(batch: ClaimBatch, *, limit: int | None = PREVIEW_CLAIMS) -> Iterator[dict[str, Any]]:
    """The results of a finished batch, claim by claim (the first `limit` of them)."""
    path = results_path(batch)
    if batch.status != "done" or not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


FINDINGS_COLUMNS = ["claim_id", "date_of_service", "severity", "rule", "lines", "message", "release", "allowed_total"]


def claim_batch_findings_csv(batch: ClaimBatch) -> Iterator[str]:
    """The batch's results as CSV text, one row per finding (a claim without findings: one row saying so)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def row(values: Sequence[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield row(FINDINGS_COLUMNS)
    for result in claim_batch_results(batch, limit=None):
        claim_id = result.get("claim_id", "")
        if "error" in result:
            yield row([claim_id, "", "refused", "input", "", result["error"], "", ""])
            continue
        total = result.get("summary", {}).get("allowed_total")
        dos = result.get("date_of_service", "")
        if not result.get("findings"):
            yield row([claim_id, dos, "", "", "", "No findings: every rule passed.", "", total])
        for f in result.get("findings", []):
            lines = " ".join(str(n) for n in f.get("lines", []))
            yield row([claim_id, dos, f["severity"], f["rule"], lines, f["message"], f.get("release") or "", total])


@transaction.atomic
def claim_batches_purge(*, now: dt.datetime | None = None) -> int:
    """Delete batches (and their files) older than MEDCODE_CLAIM_BATCH_KEEP_HOURS; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.MEDCODE_CLAIM_BATCH_KEEP_HOURS)
    old = list(ClaimBatch.objects.filter(created_at__lt=cutoff))
    for batch in old:
        for path in (input_path(batch), results_path(batch), results_path(batch).with_suffix(".partial")):
            path.unlink(missing_ok=True)
    ClaimBatch.objects.filter(pk__in=[b.pk for b in old]).delete()
    return len(old)
