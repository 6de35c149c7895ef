"""Where a FHIR `$lookup` spends its time in one process, through the WSGI application gunicorn serves.

Calls config.wsgi.application directly (no sockets) for 1,000 real codes, each twice (the second pass is
answered from the answer cache, as a served instance answers repeated codes), with an API key, under
cProfile; prints the share of time by the functions that matter and writes bench/results/profile_lookup.json.
The socket and gunicorn share is what bench/serving.py's CPU per request adds to this.

    .venv/bin/python bench/profile_lookup.py
"""

from __future__ import annotations

import cProfile
import io
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
import fhir_throughput as ft
import serving

NAME = "profile_lookup"
GROUPS = {  # label: substrings of "file:function" that belong to it (first match wins, in this order)
    "metering and API key gate": ("accounts/",),
    "$lookup logic (codebook, operations)": ("api/fhir/operations", "codebook/"),
    "answer cache": ("api/answers",),
    "JSON encoding (orjson)": ("orjson",),
    "URL resolution": ("urls/resolvers",),
    "middleware and request/response objects": ("django/", "medcode/core/"),
}


def main() -> None:
    started_at, began = c.now_iso(), time.monotonic()
    codebook = c.ensure_codebook()
    env = c.bench_env()
    subprocess.run([c.PYTHON, "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=c.REPO, env=env, check=True)
    key = (
        subprocess.run([c.PYTHON, "-c", ft.KEY_SCRIPT], cwd=c.REPO, env=env, capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    c.django_setup()
    from config.wsgi import application

    paths = [
        f"/fhir/CodeSystem/$lookup?system={quote(ft.URIS[s], safe=':/')}&code={quote(k)}"
        for s, k, _ in serving.sample_codes(codebook)
    ]

    def call(path: str) -> None:
        route, query = path.split("?", 1)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_X_API_KEY": key,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        statuses: list[str] = []
        b"".join(application(environ, lambda status, headers: statuses.append(status)))
        assert statuses[0].startswith("200"), statuses

    call(paths[0])
    profile = cProfile.Profile()
    passes: dict[str, float] = {}
    for label in ("first pass (answers made)", "second pass (answers cached)"):
        t0 = time.perf_counter()
        profile.enable()
        for path in paths:
            call(path)
        profile.disable()
        passes[label] = round((time.perf_counter() - t0) / len(paths) * 1000, 3)
    stats = pstats.Stats(profile)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    shares = dict.fromkeys(GROUPS, 0.0)
    shares["other"] = 0.0
    for (filename, _, function), value in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{function}"
        group = next((g for g, keys in GROUPS.items() if any(k in where for k in keys)), "other")
        shares[group] += value[2]  # own time
    rows = [[g, f"{100 * t / total:.1f}%"] for g, t in sorted(shares.items(), key=lambda x: -x[1])]
    rows += [[f"ms per request in process, {label}", f"{ms:.3f}"] for label, ms in passes.items()]
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "started": started_at,
        "seconds": round(time.monotonic() - began, 1),
        "machine": c.machine(),
        "table": {"columns": ["share of own time (cProfile, 2,000 $lookup)", "value"], "rows": rows},
        "top_functions": out.getvalue().splitlines()[:40],
        "notes": [
            "In process, through config.wsgi.application with an API key, metering off as in bench/serving.py; "
            "no sockets and no gunicorn: bench/serving.py's server CPU per request includes those."
        ],
    }
    c.write_result(NAME, result)


if __name__ == "__main__":
    main()
