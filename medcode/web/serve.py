"""`medcode serve`: make sure a codebook and the database exist, then run gunicorn."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from config.secret import PUBLIC_KEYS
from medcode.codebook import store
from medcode.core.errors import ApplicationError

MSG_PUBLIC_KEY = (
    "Refusing to serve: SECRET_KEY is a key published with medcode, so anyone could sign log-in links and "
    "sessions for this instance. Unset DJANGO_SECRET_KEY to use a per-instance key kept in the data "
    "directory, or set it to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(64))')"
)
MSG_DEBUG_PUBLIC = (
    "Refusing to serve on {host}: DJANGO_DEBUG is on, and Django's debug pages show settings and source code "
    "to anyone who can reach the server. Serve on 127.0.0.1 (or ::1), or turn DJANGO_DEBUG off"
)
MSG_KEY_CREATED = "Generated a secret key for this instance in {path} (mode 0600; keep it with your backups; DJANGO_SECRET_KEY overrides it)"
MSG_KEY_KEPT = "Using this instance's secret key from {path} (DJANGO_SECRET_KEY overrides it)"


class ServeRefused(ApplicationError):
    """`medcode serve` would expose the instance: a published key, or debug pages on a public address."""


def is_loopback(host: str) -> bool:
    """True for a host only this machine can reach: localhost, 127.0.0.0/8, ::1."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to any interface


def serve_check(*, host: str) -> str:
    """Raise ServeRefused when serving on host would expose the instance; else say where the key comes from."""
    if not settings.SECRET_KEY or settings.SECRET_KEY in PUBLIC_KEYS:
        raise ServeRefused(MSG_PUBLIC_KEY)
    if settings.DEBUG and not is_loopback(host):
        raise ServeRefused(MSG_DEBUG_PUBLIC.format(host=host))
    path = settings.MEDCODE_SECRET_KEY_FILE
    if path is None:
        return ""
    return (MSG_KEY_CREATED if settings.MEDCODE_SECRET_KEY_CREATED else MSG_KEY_KEPT).format(path=path)


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
    key_note = serve_check(host=host)
    if key_note:
        print(key_note, file=sys.stderr, flush=True)
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
    print(f"medcode is serving on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    argv = gunicorn_argv(host=host, port=port, workers=workers or settings.MEDCODE_WORKERS)
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server


# A Unix socket path holds at most 107 bytes (sun_path); leave room for the terminating NUL.
SOCKET_PATH_MAX = 100
MSG_NO_CONTROL_SOCKET = (
    "The data directory's path is too long for gunicorn's control socket ({path}); serving without one"
)


def control_socket_path() -> Path:
    """This instance's gunicorn control socket: in its data directory, so two instances never share one."""
    return Path(settings.DATA_DIR) / "gunicorn.ctl"


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    """The gunicorn command line of `medcode serve`, its control socket in this instance's data directory."""
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
    socket = control_socket_path()
    if len(os.fsencode(socket)) > SOCKET_PATH_MAX:
        print(MSG_NO_CONTROL_SOCKET.format(path=socket), file=sys.stderr, flush=True)
        return [*argv, "--no-control-socket"]
    return [*argv, "--control-socket", str(socket), "--control-socket-mode", "384"]  # 0600
