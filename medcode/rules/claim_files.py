"""Claim files (CSV) read as a stream with bounds: bytes, line length and field size, each refused with the line.

Nothing here holds more than one line (and one claim) in memory; callers pass the file's chunks.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from medcode.rules.services import CSV_COLUMNS, MSG_CSV_EMPTY, MSG_CSV_NO_CODE, ClaimInvalid, csv_claims

MSG_FILE_TOO_BIG = (
    "The file is larger than {limit:,} bytes, the limit for claim files here (MEDCODE_CLAIM_UPLOAD_MAX_BYTES)"
)
MSG_LINE_TOO_LONG = (
    "Line {line} is longer than {limit:,} characters, the limit for one CSV line (MEDCODE_CLAIM_CSV_MAX_LINE_CHARS); "
    "is it a CSV with one claim line per row?"
)
MSG_FIELD_TOO_LONG = (
    "Line {line}, column '{column}': the field is {size:,} characters; the limit is {limit:,} "
    "(MEDCODE_CLAIM_CSV_MAX_FIELD_CHARS)"
)
MSG_FIELD_OVER = (
    "Line {line}: a field is longer than {limit:,} characters, the limit for one CSV field "
    "(MEDCODE_CLAIM_CSV_MAX_FIELD_CHARS)"
)
MSG_NOT_UTF8 = "Line {line} is not UTF-8 text; save the CSV as UTF-8 and upload it again"
MSG_CSV_MALFORMED = "Line {line}: the CSV cannot be read: {problem}"
MSG_TOO_MANY_CLAIMS = (
    "The file has more than {limit:,} claims, the limit for one file (MEDCODE_CLAIM_BATCH_MAX_CLAIMS); split it"
)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """The bounds a claim file is read within; None means no bound (the CLI's stdin has no byte limit)."""

    max_bytes: int | None
    max_line_chars: int
    max_field_chars: int
    max_claims: int | None = None

    @classmethod
    def from_settings(cls, *, max_bytes: int | None = -1) -> Limits:
        return cls(
            max_bytes=settings.MEDCODE_CLAIM_UPLOAD_MAX_BYTES if max_bytes == -1 else max_bytes,
            max_line_chars=settings.MEDCODE_CLAIM_CSV_MAX_LINE_CHARS,
            max_field_chars=settings.MEDCODE_CLAIM_CSV_MAX_FIELD_CHARS,
            max_claims=settings.MEDCODE_CLAIM_BATCH_MAX_CLAIMS,
        )


class _LineReader:
    """Physical lines of UTF-8 chunks (a BOM dropped), each refused past the line limit before it is kept whole."""

    def __init__(self, chunks: Iterable[bytes], limits: Limits) -> None:
        self.chunks = chunks
        self.limits = limits
        self.line = 0  # lines handed out so far

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        pending = ""
        total = 0
        for chunk in self.chunks:
            total += len(chunk)
            if self.limits.max_bytes is not None and total > self.limits.max_bytes:
                raise ClaimInvalid(MSG_FILE_TOO_BIG.format(limit=self.limits.max_bytes))
            try:
                pending += decoder.decode(chunk)
            except UnicodeDecodeError:
                raise ClaimInvalid(MSG_NOT_UTF8.format(line=self.line + 1 + pending.count("\n"))) from None
            *complete, pending = pending.split("\n")
            longest = self.limits.max_line_chars + 1  # a line may end in \r before its \n
            for text in complete:
                self.line += 1
                if len(text) > longest and len(text.rstrip("\r")) > self.limits.max_line_chars:
                    raise ClaimInvalid(MSG_LINE_TOO_LONG.format(line=self.line, limit=self.limits.max_line_chars))
                yield text + "\n"
            if len(pending) > self.limits.max_line_chars:
                raise ClaimInvalid(MSG_LINE_TOO_LONG.format(line=self.line + 1, limit=self.limits.max_line_chars))
        try:
            pending += decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ClaimInvalid(MSG_NOT_UTF8.format(line=self.line + 1)) from None
        if pending:
            yield from self._one(pending)

    def _one(self, text: str) -> Iterator[str]:
        self.line += 1
        if len(text.rstrip("\r\n")) > self.limits.max_line_chars:
            raise ClaimInvalid(MSG_LINE_TOO_LONG.format(line=self.line, limit=self.limits.max_line_chars))
        yield text


def claims_read(chunks: Iterable[bytes], *, limits: Limits) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """The claims of a CSV file given as byte chunks, as `services.csv_claims` yields them, within the limits.

    A line, field or file past its limit, a byte sequence that is not UTF-8 or a CSV the csv module cannot read
    raises ClaimInvalid naming the line (the claims before it have been yielded).
    """
    reader = _LineReader(chunks, limits)
    rows = _bounded_rows(reader, limits)
    for count, item in enumerate(csv_claims(rows, parsed=True), start=1):
        if limits.max_claims is not None and count > limits.max_claims:
            raise ClaimInvalid(MSG_TOO_MANY_CLAIMS.format(limit=limits.max_claims))
        yield item


def claims_count(chunks: Iterable[bytes], *, limits: Limits) -> int:
    """How many claims a CSV file holds, read within the limits like `claims_read` but without building claims
    (the page counts a file in the request before deciding to check it there or in the background)."""
    rows = _bounded_rows(_LineReader(chunks, limits), limits)
    first = next(rows, None)
    header = [re.sub(r"[^a-z0-9]+", "_", h.strip().lower()).strip("_") for h in (first[1] if first else [])]
    if not header:
        raise ClaimInvalid(MSG_CSV_EMPTY)
    if not any(name in header for name in CSV_COLUMNS["code"]):
        raise ClaimInvalid(MSG_CSV_NO_CODE.format(found=", ".join(h[:40] for h in first[1][:40])))  # type: ignore[index]
    at = next((header.index(name) for name in CSV_COLUMNS["claim_id"] if name in header), None)
    count, current = 0, None
    for _, row in rows:
        if not any(c.strip() for c in row):
            continue
        claim_id = (row[at].strip() if at is not None and at < len(row) else "") or "1"
        if claim_id != current:
            count, current = count + 1, claim_id
            if limits.max_claims is not None and count > limits.max_claims:
                raise ClaimInvalid(MSG_TOO_MANY_CLAIMS.format(limit=limits.max_claims))
    return count


def _bounded_rows(reader: _LineReader, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each starts on; a field past the limit is refused with its line and column."""
    parsed = csv.reader(iter(reader))
    header: list[str] | None = None
    while True:
        start = reader.line + 1
        try:
            row = next(parsed)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):  # past the csv module's own bound (a quoted field over many lines)
                raise ClaimInvalid(MSG_FIELD_OVER.format(line=start, limit=limits.max_field_chars)) from None
            raise ClaimInvalid(MSG_CSV_MALFORMED.format(line=reader.line, problem=exc)) from None
        if header is None:
            header = row
        if row and max(map(len, row)) > limits.max_field_chars:
            i, value = next((i, v) for i, v in enumerate(row) if len(v) > limits.max_field_chars)
            column = header[i] if i < len(header) and row is not header else f"{i + 1}"
            raise ClaimInvalid(
                MSG_FIELD_TOO_LONG.format(line=start, column=column[:40], size=len(value), limit=limits.max_field_chars)
            )
        yield start, row


def chunks_of(file: Any, size: int = CHUNK) -> Iterator[bytes]:
    """A binary file's bytes in chunks (an upload, a spooled batch file, stdin's buffer)."""
    while True:
        chunk = file.read(size)
        if not chunk:
            return
        yield chunk
