"""Read the fixed-width ANWEB .txt form of the CMS Alpha-Numeric HCPCS file."""

from __future__ import annotations

from pathlib import Path

from medcode.core.errors import IngestError
from medcode.ingest.sources.common import read_text
from medcode.ingest.sources.hcpcs.layout import (
    _FIRST_CODE,
    _FIRST_MODIFIER,
    _NEXT_CODE,
    _NEXT_MODIFIER,
    CDT_LETTER,
    FIELDS,
    RECORD_WIDTH,
    _check_code,
    _Entry,
)
from medcode.ingest.sources.hcpcs.messages import (
    MSG_BAD_ENCODING,
    MSG_DUPLICATE,
    MSG_TXT_LENGTH,
    MSG_TXT_ORDER,
    MSG_TXT_ORPHAN,
    MSG_TXT_RECORD_ID,
    MSG_TXT_SEQUENCE,
)


def _read_text(path: Path) -> str:
    return read_text(path, bad_encoding=MSG_BAD_ENCODING)


def _read_txt(path: Path) -> list[_Entry]:
    """The codes and modifiers of a fixed-width ANWEB file, continuation lines gathered."""
    name = path.name
    entries: list[_Entry] = []
    seen: dict[str, _Entry] = {}
    current: _Entry | None = None
    for index, physical in enumerate(_read_text(path).split("\n")):
        line = index + 1
        text = physical.rstrip("\r")
        if not text.strip():
            continue
        # One line of the real file (2026-01, G9871) carries blanks beyond column 320.
        if len(text) < RECORD_WIDTH or text[RECORD_WIDTH:].strip():
            raise IngestError(MSG_TXT_LENGTH.format(file=name, line=line, width=RECORD_WIDTH, length=len(text)))
        record_id = text[10]
        sequence_text = text[5:10]
        if not sequence_text.isdigit():
            raise IngestError(MSG_TXT_SEQUENCE.format(file=name, line=line, value=sequence_text))
        sequence = int(sequence_text)
        where = f"line {line}"
        if record_id in (_FIRST_CODE, _FIRST_MODIFIER):
            modifier = record_id == _FIRST_MODIFIER
            code = _check_code(name, where, text[0:5], modifier=modifier)
            current = None
            if code is None:  # a CDT code: skipped with its continuation lines
                continue
            if code in seen:
                raise IngestError(MSG_DUPLICATE.format(file=name, where=where, code=code, first=seen[code].where))
            current = _Entry(
                code=code,
                modifier=modifier,
                where=where,
                long_parts=[text[11:91]],
                short=text[91:119],
                raw={f.key: [text[a - 1 : b] for a, b in f.spans] for f in FIELDS},
                last_sequence=sequence,
            )
            seen[code] = current
            entries.append(current)
        elif record_id in (_NEXT_CODE, _NEXT_MODIFIER):
            modifier = record_id == _NEXT_MODIFIER
            code = text[0:5].strip()
            if current is None and code[:1] == CDT_LETTER and not modifier:
                continue
            if current is None or current.code != code or current.modifier != modifier:
                raise IngestError(
                    MSG_TXT_ORPHAN.format(
                        file=name,
                        line=line,
                        record_id=record_id,
                        code=code,
                        what="modifier" if modifier else "code",
                        first_id=_FIRST_MODIFIER if modifier else _FIRST_CODE,
                    )
                )
            if sequence <= current.last_sequence:
                raise IngestError(
                    MSG_TXT_ORDER.format(
                        file=name, line=line, value=sequence, code=code, previous=current.last_sequence
                    )
                )
            current.long_parts.append(text[11:91])
            current.last_sequence = sequence
        else:
            raise IngestError(MSG_TXT_RECORD_ID.format(file=name, line=line, value=record_id))
    return entries
