"""Read the CSV flattening of the ICD-10-CM Alphabetic (or External Cause) Index."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from medcode.core.errors import IngestError
from medcode.ingest.records import IndexName, IndexTerm, Record
from medcode.ingest.sources.icd10cm_index.common import (
    MSG_CSV_EMPTY_TERM,
    MSG_CSV_ENCODING,
    MSG_CSV_FIELDS,
    MSG_CSV_HEADER,
    MSG_CSV_KIND,
    MSG_CSV_LEVEL,
    MSG_CSV_LEVEL_JUMP,
    MSG_CSV_SYNTAX,
    SourceIndex,
    _clean,
    _release,
)

CSV_HEADER: Final[tuple[str, ...]] = (
    "RowID",
    "Letter",
    "Level",
    "Term",
    "See",
    "SeeAlso",
    "NonEssModif",
    "Code",
)


def _parse_csv(
    path: Path, *, index: IndexName | None, version: str | None, effective_from: dt.date | None
) -> Iterator[Record]:
    """Read the CSV flattening of the Alphabetic (or External Cause) Index: one row per entry, with Level."""
    if index not in (None, "main", "eindex"):
        raise IngestError(MSG_CSV_KIND.format(path=path, index=index))
    # The two CSVs share one header: only the argument or the file name tells the External Cause one.
    external = index == "eindex" or (index is None and "external" in path.name.lower())
    kind: SourceIndex = "eindex" if external else "main"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
            if tuple(h.strip() for h in header) != CSV_HEADER:
                raise IngestError(
                    MSG_CSV_HEADER.format(path=path, found=",".join(header) or "empty", expected=",".join(CSV_HEADER))
                )
            yield _release(path, kind, found=[path.name], version=version, effective_from=effective_from)
            parents: list[int] = []  # parents[level] = term_id of the latest row at that level
            term_id = 0
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(CSV_HEADER):
                    raise IngestError(
                        MSG_CSV_FIELDS.format(
                            path=path,
                            line=line,
                            found=len(row),
                            expected=len(CSV_HEADER),
                            header=",".join(CSV_HEADER),
                        )
                    )
                _row_id, _letter, raw_level, term, see, see_also, nemod, code = row
                try:
                    level = int(raw_level)
                except ValueError:
                    raise IngestError(MSG_CSV_LEVEL.format(path=path, line=line, found=raw_level)) from None
                if level < 0:
                    raise IngestError(MSG_CSV_LEVEL.format(path=path, line=line, found=raw_level))
                if level > len(parents):
                    after = f"Level {len(parents) - 1}" if parents else "the header"
                    raise IngestError(
                        MSG_CSV_LEVEL_JUMP.format(path=path, line=line, level=level, after=after, most=len(parents))
                    )
                # A printed title that starts with its nonessential modifier ("(somatoform) pain
                # disorder") lost its words in the flattening: the modifier is all that is left.
                title = _clean(term) or _clean(nemod)
                if not title:
                    raise IngestError(MSG_CSV_EMPTY_TERM.format(path=path, line=line))
                term_id += 1
                del parents[level:]
                parent_id = parents[-1] if parents else None
                parents.append(term_id)
                yield IndexTerm(
                    index=kind,
                    term_id=term_id,
                    parent_id=parent_id,
                    level=level,
                    title=title,
                    code=_clean(code),
                    see=_clean(see),
                    see_also=_clean(see_also),
                    nemod=_clean(nemod),
                )
        except UnicodeDecodeError as exc:
            raise IngestError(MSG_CSV_ENCODING.format(path=path, line=reader.line_num + 1, reason=exc.reason)) from exc
        except csv.Error as exc:
            raise IngestError(MSG_CSV_SYNTAX.format(path=path, line=reader.line_num, detail=exc)) from exc
