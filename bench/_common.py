"""Helpers shared by the benchmarks: paths, machine description, results files, tables, a codebook to use.

Not a benchmark itself. Every benchmark writes bench/results/<name>.json with the same outline:
{"benchmark", "machine", "started", "seconds", "table": {"columns", "rows"}, ...raw measurements}.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
WORK = BENCH_DIR / ".work"  # large artifacts (codebooks, the bench SQLite database): never committed
DATA_DIR = WORK / "data"  # MEDCODE_DATA_DIR of the look-up and page benchmarks
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable

# A build that fails (for example while a source is still being written by someone else) is retried
# for this long, once a minute, before the benchmark gives up.
BUILD_RETRY_SECONDS = 20 * 60
BUILD_RETRY_PAUSE = 60


def bench_env(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """The environment of every process a benchmark starts: local settings over the bench data directory."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["MEDCODE_DATA_DIR"] = str(data_dir)
    env.pop("MEDCODE_CODEBOOK_DIR", None)
    env.pop("DATABASE_URL", None)  # the bench uses its own SQLite database under bench/.work/
    # code-page benchmarks measure the pages, not a guest's allowance (docs/metering.md); set it to measure metering
    env.setdefault("MEDCODE_METERING", "false")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def django_setup(data_dir: Path = DATA_DIR) -> None:
    """Configure this process like `medcode serve` would, over the bench data directory."""
    os.environ.update({k: v for k, v in bench_env(data_dir).items() if k != "PYTHONPATH"})
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT: saves whitenoise's warning
    import django

    django.setup()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on (the CPU may be shared: the load average says how busy it was)."""
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _mem_total_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "git": _git_commit(),
    }


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank-with-interpolation percentile (same as statistics.quantiles, inclusive method)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "n/a"
    return "pass" if ok else "FAIL"


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Write bench/results/<name>.json atomically (a .tmp file first) and print the table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    temp = RESULTS / f"{name}.json.tmp"
    temp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temp, path)
    table = result["table"]
    print()
    print(markdown_table(table["columns"], table["rows"]))
    for note in result.get("notes", []):
        print(f"\n{note}")
    print(f"\nwrote {path.relative_to(REPO)}")
    return path


def with_retry(what: str, attempt: Callable[[], Any], *, budget: float = BUILD_RETRY_SECONDS) -> Any:
    """Run ``attempt``; on failure wait a minute and try again, for up to ``budget`` seconds."""
    started = time.monotonic()
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except Exception as exc:
            waited = time.monotonic() - started
            if waited + BUILD_RETRY_PAUSE > budget:
                raise RuntimeError(
                    f"{what} still failing after {tries} tries over {waited / 60:.0f} min: {exc}"
                ) from exc
            print(
                f"{what} failed (try {tries}): {str(exc)[:300]}; retrying in {BUILD_RETRY_PAUSE} s",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(BUILD_RETRY_PAUSE)


def ensure_codebook(data_dir: Path = DATA_DIR, *, rebuild: bool = False) -> Path:
    """An active default codebook under ``data_dir``/codebooks, built in a child process if absent.

    The build runs in a child so that its memory is not counted in (or left behind in) the benchmark.
    """
    codebooks = data_dir / "codebooks"
    marker = codebooks / "ACTIVE"
    if not rebuild and marker.exists():
        path = codebooks / f"{marker.read_text().strip()}.sqlite"
        if path.exists():
            return path
    codebooks.mkdir(parents=True, exist_ok=True)
    script = (
        "import django; django.setup()\n"
        "from pathlib import Path\n"
        "from medcode.ingest.build import release_build\n"
        f"r = release_build(default=True, directory=Path({str(codebooks)!r}), show_progress=False, extend_active=False)\n"
        "print(r.path)\n"
    )

    def attempt() -> Path:
        print(f"building the default codebook into {codebooks.relative_to(REPO)} ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [PYTHON, "-c", script], cwd=REPO, env=bench_env(data_dir), capture_output=True, text=True, timeout=900
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(" / ".join(tail) or f"build exited with {done.returncode}")
        return Path(done.stdout.strip().splitlines()[-1])

    path: Path = with_retry("default codebook build", attempt)
    # keep only the active build: older ones are large and unused
    for old in codebooks.glob("*.sqlite"):
        if old != path:
            old.chmod(0o644)
            old.unlink(missing_ok=True)
    return path


def official_codebook(
    data_dir: Path, official: Sequence[tuple[str, Path]], *, rebuild: bool
) -> tuple[Path, list[str], list[str]]:
    """A data directory whose codebook is the default plus the named official files, built once and reused.

    ``official`` lists (source name, path) in build order; a file that is absent, or that this version cannot
    import, is skipped and said so. Returns the data directory, what was imported and what was skipped.
    """
    state = data_dir / "imported.json"
    if not rebuild and (data_dir / "codebooks" / "ACTIVE").exists() and state.exists():
        saved = json.loads(state.read_text())
        return data_dir, saved["imported"], saved["skipped"]
    data_dir.mkdir(parents=True, exist_ok=True)
    env = bench_env(data_dir)
    env.pop("MEDCODE_LLM_BASE_URL", None)
    medcode = str(VENV_BIN / "medcode")
    print(f"building the codebook in {data_dir.relative_to(REPO)} ...", file=sys.stderr, flush=True)
    subprocess.run([medcode, "build", "--default", "--fresh", "--json"], env=env, check=True, capture_output=True)
    imported: list[str] = []
    skipped: list[str] = []
    for name, path in official:
        if not path.exists():
            skipped.append(f"{name}: {path} absent")
            continue
        done = subprocess.run(
            [medcode, "build", "--source", name, str(path), "--json"], env=env, capture_output=True, text=True
        )
        if done.returncode == 0:
            imported.append(f"{name} ({path.name})")
        else:
            last = ((done.stderr or done.stdout).strip().splitlines() or ["failed"])[-1]
            with contextlib.suppress(ValueError, KeyError, TypeError):
                last = json.loads(last)["error"]
            skipped.append(f"{name}: {last[:160]}")
    state.write_text(json.dumps({"imported": imported, "skipped": skipped}))
    return data_dir, imported, skipped
