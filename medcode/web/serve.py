"""`medcode serve`: make sure a codebook and the database exist, then run gunicorn."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command

from medcode.codebook import store


def search_prepare(*, semantic: bool = True) -> None:
    """Build or load the search structures of each system's newest release (and, with the semantic extra
    installed, their code vectors), saved beside the codebook so that every process after this loads them."""
    from medcode.codebook import selectors
    from medcode.search import embedding, guidance, index
    from medcode.search import semantic as semantic_vectors

    newest = {release.system: release for release in selectors.release_list()}
    print("Preparing search (the first time after a build takes a minute)...", file=sys.stderr, flush=True)
    index.warm(list(newest.values()))
    guidance.guidance_warm()  # the official guidance documents, when imported
    if semantic and embedding.available():
        print(
            "Preparing embedding retrieval (the semantic extra; the first time after a build takes minutes)...",
            file=sys.stderr,
            flush=True,
        )
        semantic_vectors.warm([r for r in newest.values() if r.system in semantic_vectors.SYSTEMS])


def _prepare_vectors_in_background() -> None:
    """With the semantic extra, compute missing code vectors in a child process while the server already
    serves: case-to-code uses them once the file is saved (workers look again every minute), not before."""
    from medcode.codebook import selectors
    from medcode.search import embedding, semantic

    if not embedding.available():
        return
    missing = [r for r in selectors.release_list() if r.system in semantic.SYSTEMS and not semantic.saved(r)]
    if not missing:
        return
    log = settings.DATA_DIR / "prepare-semantic.log"
    print(
        f"Computing the semantic extra's code vectors in the background (minutes; log in {log}); "
        "case-to-code uses them once they are saved.",
        file=sys.stderr,
        flush=True,
    )
    with log.open("ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "medcode.cli.main", "prepare"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the exec into gunicorn, not stopped by Ctrl+C of the server
        )


def serve(*, host: str, port: int, workers: int | None = None) -> None:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    if store.active_path() is None:
        from medcode.ingest import build

        print("No codebook yet: building the embedded default (about a minute)...", file=sys.stderr)
        result = build.release_build(default=True, show_progress=sys.stderr.isatty())
        print(f"Built and activated codebook {result.build_id} in {result.seconds:.0f} s", file=sys.stderr)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    search_prepare(semantic=False)
    _prepare_vectors_in_background()
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
