"""Claim files are read within bounds (bytes, line, field, claims) and large ones are checked in the background."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from medcode.rules import batches, claim_files
from medcode.rules.models import ClaimBatch
from medcode.rules.services import MAX_LINES, MSG_TOO_MANY_LINES, ClaimInvalid
from medcode.rules.tests.test_interfaces import _run

HEADER = "claim_id,date_of_service,place_of_service,code,units\n"
LIMITS = claim_files.Limits(max_bytes=10_000_000, max_line_chars=8192, max_field_chars=2048, max_claims=100_000)


def _claims(text: str, limits: claim_files.Limits = LIMITS, chunk: int = 7) -> list[tuple[str, object]]:
    data = text.encode()
    return list(claim_files.claims_read((data[i : i + chunk] for i in range(0, len(data), chunk)), limits=limits))


def _csv(claims: int, first: int = 1) -> str:
    """One-line claims of real codes: a 99213 office visit, and every third claim the 27447/20610 NCCI pair."""
    rows = [HEADER]
    for n in range(first, first + claims):
        rows.append(f"C{n},2026-01-15,22,27447,1\n")
        if n % 3 == 0:
            rows.append(f"C{n},2026-01-15,22,20610,1\n")
    return "".join(rows)


# --- reading within bounds (no codebook needed) -------------------------------------------------------------


def test_claims_are_read_across_chunk_boundaries_with_a_bom_and_crlf() -> None:
    text = "\ufeff" + _csv(4).replace("\n", "\r\n")
    claims = _claims(text)
    assert [c for c, _ in claims] == ["C1", "C2", "C3", "C4"]
    assert [line["code"] for line in claims[2][1]["lines"]] == ["27447", "20610"]  # type: ignore[index]
    assert claim_files.claims_count([text.encode()], limits=LIMITS) == 4
    with pytest.raises(ClaimInvalid, match="no 'code' column"):
        claim_files.claims_count([b"a,b\n1,2\n"], limits=LIMITS)


def test_a_field_over_128_kib_is_refused_with_its_line_and_column_not_a_traceback() -> None:
    text = HEADER + "A,2026-01-15,22,27447,1\n" + "A,2026-01-15,22," + "9" * 200_000 + ",1\n"
    with pytest.raises(ClaimInvalid) as refused:
        _claims(text, claim_files.Limits(max_bytes=None, max_line_chars=500_000, max_field_chars=2048))
    assert refused.value.message == claim_files.MSG_FIELD_OVER.format(line=3, limit=2048)


def test_a_quoted_field_over_many_lines_is_refused_with_its_line() -> None:
    text = HEADER + 'A,2026-01-15,22,"' + ("x" * 1000 + "\n") * 200 + '",1\n'
    with pytest.raises(ClaimInvalid) as refused:
        _claims(text)
    assert refused.value.message == claim_files.MSG_FIELD_OVER.format(line=2, limit=2048)


def test_a_line_over_the_limit_is_refused_before_it_is_held_whole() -> None:
    text = HEADER + "A,2026-01-15,22,27447,1\n" + "x" * 50_000 + "\n"
    with pytest.raises(ClaimInvalid) as refused:
        _claims(text, chunk=1024)
    assert refused.value.message == claim_files.MSG_LINE_TOO_LONG.format(line=3, limit=8192)


def test_a_file_over_its_byte_limit_and_one_not_utf8_are_refused() -> None:
    with pytest.raises(ClaimInvalid) as big:
        _claims(_csv(100), claim_files.Limits(max_bytes=1000, max_line_chars=8192, max_field_chars=2048))
    assert big.value.message == claim_files.MSG_FILE_TOO_BIG.format(limit=1000)
    with pytest.raises(ClaimInvalid) as latin:
        list(
            claim_files.claims_read([(HEADER + "A,2026-01-15,22,27447,1\nB,caf\xe9").encode("latin-1")], limits=LIMITS)
        )
    assert latin.value.message == claim_files.MSG_NOT_UTF8.format(line=3)


def test_too_many_claims_and_a_claim_of_too_many_lines() -> None:
    with pytest.raises(ClaimInvalid) as many:
        _claims(_csv(20), claim_files.Limits(max_bytes=None, max_line_chars=8192, max_field_chars=2048, max_claims=10))
    assert many.value.message == claim_files.MSG_TOO_MANY_CLAIMS.format(limit=10)
    one_claim = HEADER + "A,2026-01-15,22,99213,1\n" * 20_000 + "B,2026-01-15,22,99213,1\n"
    claims = _claims(one_claim, chunk=65536)
    assert claims[0] == ("A", MSG_TOO_MANY_LINES.format(count=20_000, limit=MAX_LINES))
    assert claims[1][0] == "B"


def test_reading_a_large_file_keeps_memory_flat() -> None:
    data = _csv(60_000).encode()
    tracemalloc.start()
    try:
        count = sum(1 for _ in claim_files.claims_read(claim_files.chunks_of(io.BytesIO(data)), limits=LIMITS))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000 and len(data) > 1_500_000
    # Holding the 60,000 parsed claims (the old shape: a list) peaks at about 74 MB; the stream stays near a line.
    assert peak < 20_000_000, f"peak {peak:,} bytes while reading {len(data):,}"


# --- the page: small files in the request, large ones in the background -------------------------------------


@pytest.mark.django_db
def test_the_page_refuses_a_huge_field_with_the_line_and_a_file_over_the_limit(
    rules_codebook: Path, client: Client, settings: pytest.FixtureRequest
) -> None:
    body = (HEADER + "A,2026-01-15,22,27447,1\nA,2026-01-15,22," + "9" * 140_000 + ",1\n").encode()
    page = client.post("/rules/check/", {"file": SimpleUploadedFile("claims.csv", body)})
    html = page.content.decode()
    assert page.status_code == 422 and "Traceback" not in html
    assert claim_files.MSG_LINE_TOO_LONG.format(line=3, limit=8192).replace("'", "&#x27;") in html
    body = (HEADER + "A,2026-01-15,22,27447,1\nA,2026-01-15,22," + "9" * 5000 + ",1\n").encode()
    page = client.post("/rules/check/", {"file": SimpleUploadedFile("claims.csv", body)})
    assert page.status_code == 422
    assert "Line 3, column &#x27;code&#x27;: the field is 5,000 characters; the limit is 2,048" in page.content.decode()
    settings.MEDCODE_CLAIM_UPLOAD_MAX_BYTES = 1000  # type: ignore[attr-defined]
    big = client.post("/rules/check/", {"file": SimpleUploadedFile("claims.csv", _csv(100).encode())})
    assert big.status_code == 422
    assert batches.MSG_UPLOAD_TOO_BIG.format(size=len(_csv(100)), limit=1000) in big.content.decode()


@pytest.mark.django_db
def test_a_small_file_is_checked_in_the_request(rules_codebook: Path, client: Client) -> None:
    page = client.post("/rules/check/", {"file": SimpleUploadedFile("claims.csv", _csv(3).encode())})
    html = page.content.decode()
    assert page.status_code == 200 and "Claim C3" in html and "bundled into 27447" in html
    assert not ClaimBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_in_the_background_with_progress_and_results_to_download(
    rules_codebook: Path, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_CLAIM_SYNC_MAX_CLAIMS = 20  # type: ignore[attr-defined]
    client = Client()
    upload = SimpleUploadedFile("march claims.csv", _csv(120).encode())
    started = time.monotonic()
    response = client.post("/rules/check/", {"file": upload, "setting": "hospital"})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ClaimBatch.objects.get()
    assert response["Location"] == f"/rules/check/files/{batch.token}/" and batch.claims_total == 120
    page = client.get(response["Location"]).content.decode()
    assert "in the background" in page or "120 claims checked" in page
    deadline = started + 120
    while ClaimBatch.objects.get().status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    batch = ClaimBatch.objects.get()
    assert batch.status == "done" and batch.claims_done == 120, batch.message
    assert batch.summary["with_errors"] == 40 and batch.summary["refused"] == 0  # every third claim has the pair
    page = client.get(response["Location"]).content.decode()
    assert "120 claims checked: 40 with errors" in page and "Claim C3" in page and "bundled into 27447" in page
    lines = b"".join(client.get(f"/rules/check/files/{batch.token}/results.jsonl").streaming_content).splitlines()  # type: ignore[attr-defined]
    results = [json.loads(line) for line in lines]
    assert [r["claim_id"] for r in results] == [f"C{n}" for n in range(1, 121)]
    download = client.get(f"/rules/check/files/{batch.token}/results.csv")
    assert download["Content-Disposition"] == 'attachment; filename="march_claims-findings.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))  # type: ignore[attr-defined]
    pairs = [r for r in rows if r["rule"] == "ncci_ptp"]
    assert len(pairs) == 40 and pairs[0]["claim_id"] == "C3" and pairs[0]["severity"] == "error"
    assert not batches.input_path(batch).exists()  # the uploaded copy is gone once checked
    # an unknown address is a 404 page
    assert Client().get("/rules/check/files/nope/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_api_checks_a_small_csv_at_once_and_a_large_one_in_the_background(
    rules_codebook: Path, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_CLAIM_SYNC_MAX_CLAIMS = 5  # type: ignore[attr-defined]
    client = Client()
    small = client.post("/api/v1/rules/check/csv", _csv(3), content_type="text/csv")
    assert small.status_code == 200 and [c["claim_id"] for c in small.json()["claims"]] == ["C1", "C2", "C3"]
    assert small.json()["claims"][2]["findings"][0]["rule"] == "ncci_ptp"
    bad = client.post(
        "/api/v1/rules/check/csv", HEADER + "A,2026-01-15,22," + "9" * 5000 + ",1\n", content_type="text/csv"
    )
    assert bad.status_code == 422 and bad.json()["error"].startswith("Line 2, column 'code': the field is 5,000")
    queued = client.post("/api/v1/rules/check/csv", _csv(30), content_type="text/csv")
    assert queued.status_code == 202, queued.content
    status_url = queued.json()["status_url"]
    deadline = time.monotonic() + 120
    status = queued.json()
    while status["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = client.get(status_url).json()
    assert status["status"] == "done" and status["claims_done"] == 30 and status["summary"]["with_errors"] == 10
    jsonl = client.get(status["results_jsonl_url"])
    assert len(b"".join(jsonl.streaming_content).splitlines()) == 30  # type: ignore[attr-defined]
    assert client.get("/api/v1/rules/check/files/nope").status_code == 404


@pytest.mark.django_db
def test_one_file_at_a_time_per_uploader_and_a_cap_on_the_instance(
    rules_codebook: Path, client: Client, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_CLAIM_SYNC_MAX_CLAIMS = 2  # type: ignore[attr-defined]
    settings.MEDCODE_CLAIM_BATCH_CONCURRENT = 2  # type: ignore[attr-defined]
    first = client.post("/rules/check/", {"file": SimpleUploadedFile("a.csv", _csv(5).encode())})
    assert first.status_code == 302  # queued (the check starts after commit, which this test never reaches)
    again = client.post("/rules/check/", {"file": SimpleUploadedFile("b.csv", _csv(5).encode())})
    assert again.status_code == 429
    message = batches.MSG_BATCH_BUSY_CLIENT.format(count=1, limit=1).replace("'", "&#x27;")
    assert message in again.content.decode()
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post("/rules/check/", {"file": SimpleUploadedFile("c.csv", _csv(5).encode())}).status_code == 302
    third = Client(REMOTE_ADDR="192.0.2.8").post(
        "/rules/check/", {"file": SimpleUploadedFile("d.csv", _csv(5).encode())}
    )
    assert third.status_code == 429 and "try again in a few minutes" in third.content.decode()
    assert ClaimBatch.objects.count() == 2


@pytest.mark.django_db
def test_old_batches_are_purged_with_their_files(rules_codebook: Path) -> None:
    import datetime as dt

    from django.utils import timezone

    batch = ClaimBatch.objects.create(token="t" * 32, filename="a.csv", claims_total=1, status="done", client="x")
    batches.batch_dir().mkdir(parents=True, exist_ok=True)
    batches.results_path(batch).write_text("{}\n")
    assert batches.claim_batches_purge() == 0
    later = timezone.now() + dt.timedelta(hours=25)
    assert batches.claim_batches_purge(now=later) == 1
    assert not ClaimBatch.objects.exists() and not batches.results_path(batch).exists()


# --- the CLI ----------------------------------------------------------------------------------------------


def test_cli_refuses_a_huge_field_with_a_message_not_a_traceback(rules_codebook_dir: Path, tmp_path: Path) -> None:
    stdin = HEADER + "A,2026-01-15,22,27447,1\nB,2026-01-15,22," + "9" * 140_000 + ",1\n"
    result = _run(rules_codebook_dir, tmp_path, "check", stdin=stdin)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert claim_files.MSG_LINE_TOO_LONG.format(line=3, limit=8192) in result.stderr
    batch = _run(rules_codebook_dir, tmp_path, "check", "--batch", stdin='{"lines": []}\n' + "[" * 1_000_001 + "\n{}\n")
    rows = [json.loads(line) for line in batch.stdout.splitlines()]
    assert "no lines" in rows[0]["error"] and "line 2: longer than 1,000,000 bytes" in rows[1]["error"]
    assert len(rows) == 3
