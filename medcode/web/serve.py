"""`medcode serve`: make sure a codebook and the database exist, then run gunicorn."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command

from medcode.codebook import store


def _warm_search() -> None:
    """Build or load the search structures of each system's newest release once, before workers start."""
    from medcode.codebook import selectors
    from medcode.search import embedding, index, semantic

    newest = {release.system: release for release in selectors.release_list()}
    print("Preparing search (the first time after a build takes a minute)...", file=sys.stderr, flush=True)
    index.warm(list(newest.values()))
    if embedding.available():
        print(
            "Preparing embedding retrieval (the semantic extra; the first time after a build takes minutes)...",
            file=sys.stderr,
            flush=True,
        )
        semantic.warm([r for r in newest.values() if r.system in semantic.SYSTEMS])


def serve(*, host: str, port: int, workers: int | None = None) -> None:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    if store.active_path() is None:
        from medcode.ingest import build

        print("No codebook yet: building the embedded default (about a minute)...", file=sys.stderr)
        result = build.release_build(default=True, show_progress=sys.stderr.isatty())
        print(f"Built and activated codebook {result.build_id} in {result.seconds:.0f} s", file=sys.stderr)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _warm_search()
    workers = workers or settings.MEDCODE_WORKERS
    print(f"medcode is serving on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-" if os.environ.get("MEDCODE_ACCESS_LOG") else "/dev/null",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
