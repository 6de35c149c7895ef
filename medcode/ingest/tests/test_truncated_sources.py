"""Official files cut in the middle of a record are refused by their parser, naming the line (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import shared_file
from medcode.core.errors import IngestError
from medcode.ingest.sources.rules import pfs


def _cut_inside_line(source: Path, target: Path, line: int, keep: int) -> Path:
    """The first ``line - 1`` lines of ``source`` and ``keep`` characters of the next, as a cut download leaves it."""
    lines = source.read_bytes().split(b"\n")
    target.write_bytes(b"\n".join([*lines[: line - 1], lines[line - 1][:keep]]))
    return target


@pytest.mark.shared_data
def test_a_pprrvu_file_cut_inside_a_row_is_refused(tmp_path: Path) -> None:
    source = shared_file("pfs-rvu-2025a", "PPRRVU25_JAN.csv")
    cut = _cut_inside_line(source, tmp_path / source.name, 5000, 7)
    kept = source.read_bytes().split(b"\n")[4999][:7].decode()  # "Q4297,,": the code and two blank fields
    found = len(kept.split(","))
    expected = pfs.MSG_SHORT_ROW.format(file=source.name, line=5000, code=kept[:5], found=found, expected=25)
    with pytest.raises(IngestError) as refused:
        list(pfs.parse(cut))
    assert refused.value.message == expected
    assert list(pfs.parse(source))  # the whole file reads
