"""Truncated and shrunken official files are refused; the active codebook stays as it was (issue 21).

Built on the real files: the CMS January 2026 HCPCS file from ../shared/data and the CDC FY2026 tabular
XML that simple-icd-10-cm carries. Each test starts from a small base (a fresh build of the one file it
needs), not from the default codebook, to stay fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import LazySettings
from lxml import etree

from conftest import shared_file
from medcode.codebook import selectors, store
from medcode.core.errors import CodeNotFound, IngestError
from medcode.ingest import build, release_checks
from medcode.ingest.sources import icd10cm_tabular

HCPCS_NAME = "HCPC2026_JAN_ANWEB_01122026.txt"


def hcpcs_file() -> Path:
    return shared_file("hcpcs-2026-jan", HCPCS_NAME)


def _fresh(directory: Path, name: str, path: Path) -> Path:
    result = build.release_build(
        sources=[build.SourceSpec(name, str(path))], directory=directory, show_progress=False, extend_active=False
    )
    return result.path


@pytest.fixture(scope="module")
def hcpcs_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A codebook of the whole CMS HCPCS file alone, active."""
    return _fresh(tmp_path_factory.mktemp("hcpcs-base"), "hcpcs", hcpcs_file())


@pytest.fixture(scope="module")
def icd10cm_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A codebook of the whole FY2026 tabular XML alone, active."""
    return _fresh(tmp_path_factory.mktemp("icd10cm-base"), "icd10cm", icd10cm_tabular.default_path())


def _copy(base: Path, tmp_path: Path) -> Path:
    """A directory of its own holding a copy of the base codebook, active."""
    directory = tmp_path / "codebooks"
    directory.mkdir()
    shutil.copy(base, directory / base.name)
    build.release_activate(build_id=base.stem, directory=directory)
    return directory


@pytest.fixture
def use(settings: LazySettings) -> object:
    """Point the codebook selectors at a directory."""

    def _use(directory: Path) -> None:
        settings.MEDCODE_CODEBOOK_DIR = directory
        store.forget()

    yield _use
    store.forget()


def _hcpcs_without(tmp_path: Path, drop: set[str] | None = None, lines: int | None = None) -> Path:
    """The real HCPCS file cut to its first ``lines`` lines or without the records of the codes in ``drop``."""
    text = hcpcs_file().read_bytes().split(b"\n")
    if lines is not None:
        text = text[:lines]
    if drop:
        text = [line for line in text if line[:5].decode("ascii", "replace").strip() not in drop]
    path = tmp_path / HCPCS_NAME  # the CMS name, which says the release (2026-01)
    path.write_bytes(b"\n".join(text))
    return path


def _codes_with_prefix(prefix: str, limit: int | None = None) -> set[str]:
    codes = sorted(
        {
            line[:5].decode()
            for line in hcpcs_file().read_bytes().split(b"\n")
            if line[:5].startswith(prefix.encode()) and line[10:11] == b"3"
        }
    )
    return set(codes[:limit])


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".building-"))


@pytest.mark.shared_data
def test_a_truncated_hcpcs_file_is_refused_and_the_active_codebook_still_answers(
    hcpcs_base: Path, tmp_path: Path, use: object
) -> None:
    directory = _copy(hcpcs_base, tmp_path)
    truncated = _hcpcs_without(tmp_path, lines=3000)
    with pytest.raises(IngestError) as refused:
        build.release_build(
            sources=[build.SourceSpec("hcpcs", str(truncated))], directory=directory, show_progress=False
        )
    message = refused.value.message
    assert message.startswith(release_checks.MSG_REFUSED.split("{")[0])
    assert f"{HCPCS_NAME}: HCPCS Level II 2026-01 has 1,234 billable codes" in message
    assert "the active release 2026-01 has 7,323 (-83%)" in message
    assert "missing ranges E, G, H, J, K, L, M, P, Q, R, S, T, U, V; e.g." in message
    assert message.endswith(release_checks.MSG_ALLOW)
    assert store.active_path(directory) == directory / hcpcs_base.name  # still the base
    assert sorted(p.name for p in directory.glob("*.sqlite")) == [hcpcs_base.name]
    assert _leftovers(directory) == []
    use(directory)  # type: ignore[operator]
    assert selectors.concept_get(system="hcpcs", code="J3420").title.startswith("Injection, vitamin b-12")
    # the whole file still builds over the release it replaces
    again = build.release_build(
        sources=[build.SourceSpec("hcpcs", str(hcpcs_file()))], directory=directory, show_progress=False
    )
    assert again.activated and again.report.counts["hcpcs 2026-01 (codes)"]["concept"] == 8646


@pytest.mark.shared_data
def test_a_truncated_hcpcs_file_is_refused_by_the_floors_with_no_release_to_compare(tmp_path: Path) -> None:
    directory = tmp_path / "codebooks"
    truncated = _hcpcs_without(tmp_path, lines=3000)
    with pytest.raises(IngestError) as refused:
        build.release_build(
            sources=[build.SourceSpec("hcpcs", str(truncated))], directory=directory, show_progress=False
        )
    assert (
        "HCPCS Level II 2026-01 is not a whole release: 3 of 17 letter ranges (missing E, G, H, J, K, L, M, P, Q,"
        " R, S, T, U, V), 1,467 codes (a whole release has at least 6,000)"
    ) in refused.value.message
    assert store.active_path(directory) is None
    assert list(directory.glob("*.sqlite")) == [] and _leftovers(directory) == []


@pytest.mark.shared_data
def test_a_legitimately_smaller_file_needs_allow_shrink_and_a_small_change_does_not(
    hcpcs_base: Path, tmp_path: Path, use: object
) -> None:
    directory = _copy(hcpcs_base, tmp_path)
    dropped = _codes_with_prefix("E0")  # 351 durable medical equipment codes, about 4 % of the file
    smaller = _hcpcs_without(tmp_path, drop=dropped)
    source = [build.SourceSpec("hcpcs", str(smaller))]
    with pytest.raises(IngestError, match=r"the active release 2026-01 has 7,323 \(-[2-9]%\); e\.g\. E0"):
        build.release_build(sources=source, directory=directory, show_progress=False)
    accepted = build.release_build(sources=source, directory=directory, show_progress=False, allow_shrink=True)
    assert store.active_path(directory) == accepted.path
    use(directory)  # type: ignore[operator]
    with pytest.raises(CodeNotFound):
        selectors.concept_get(system="hcpcs", code="E0100")
    assert selectors.concept_get(system="hcpcs", code="J3420").code == "J3420"
    # fewer than 2 % gone: an ordinary quarterly change, accepted without the flag
    few = _hcpcs_without(tmp_path, drop=_codes_with_prefix("E0", limit=50))
    build.release_build(sources=[build.SourceSpec("hcpcs", str(few))], directory=directory, show_progress=False)


def _one_chapter(tmp_path: Path) -> Path:
    """The CDC tabular XML with only its first chapter (A00-B99): E11.9 is not in it."""
    tree = etree.parse(str(icd10cm_tabular.default_path()))
    chapters = tree.getroot().findall("chapter")
    assert len(chapters) == 22
    for chapter in chapters[1:]:
        tree.getroot().remove(chapter)
    path = tmp_path / icd10cm_tabular.default_path().name  # the CDC name, which says the release (2026-04)
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    return path


def test_a_tabular_file_with_one_chapter_is_refused_and_e11_9_stays(
    icd10cm_base: Path, tmp_path: Path, use: object
) -> None:
    directory = _copy(icd10cm_base, tmp_path)
    with pytest.raises(IngestError) as refused:
        build.release_build(
            sources=[build.SourceSpec("icd10cm", str(_one_chapter(tmp_path)))],
            directory=directory,
            show_progress=False,
        )
    message = refused.value.message
    assert "icd10c-tabular-April-1-2026.xml: ICD-10-CM 2026-04 has 1,068 billable codes" in message
    assert "the active release 2026-04 has 74,795 (-99%)" in message, message
    assert "missing chapters 2-22; e.g." in message
    assert store.active_path(directory) == directory / icd10cm_base.name
    assert _leftovers(directory) == []
    use(directory)  # type: ignore[operator]
    assert (
        selectors.concept_get(system="icd10cm", code="E11.9").title == "Type 2 diabetes mellitus without complications"
    )


def test_the_one_chapter_file_is_refused_by_the_floors_when_nothing_is_active(tmp_path: Path) -> None:
    directory = tmp_path / "codebooks"
    with pytest.raises(
        IngestError, match=r"ICD-10-CM 2026-04 is not a whole release: 1 of 22 chapters \(missing 2-22\)"
    ):
        build.release_build(
            sources=[build.SourceSpec("icd10cm", str(_one_chapter(tmp_path)))],
            directory=directory,
            show_progress=False,
        )


@pytest.mark.shared_data
def test_the_command_line_passes_allow_shrink(tmp_path: Path) -> None:
    truncated = _hcpcs_without(tmp_path, lines=3000)
    env = {**os.environ, "MEDCODE_CODEBOOK_DIR": str(tmp_path / "codebooks"), "MEDCODE_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "medcode.cli.main", "build", "--source", "hcpcs", str(truncated)]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "Use --allow-shrink if this is intended." in refused.stderr
    assert "Traceback" not in refused.stderr
    accepted = subprocess.run([*command, "--allow-shrink"], env=env, capture_output=True, text=True, timeout=300)
    assert accepted.returncode == 0, accepted.stderr
    assert "hcpcs 2026-01 (codes)" in accepted.stdout
