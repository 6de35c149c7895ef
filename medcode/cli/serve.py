"""`medcode serve`: make sure a codebook and the database exist, prepare search once, then run gunicorn.

gunicorn runs threaded workers (gthread) that keep connections alive, one per core by default, each warmed
before it accepts a request (medcode/cli/gunicorn_hooks.py); docs/adr/0045-serving-stack.md says why.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import ipaddress
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.management import call_command

from config.secret import PUBLIC_KEYS
from medcode.codebook import selectors, store
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


PREPARE_LOCK = "prepare.lock"
MSG_PREPARE_WAIT = "Another medcode process is preparing search for this build; waiting for it..."
MSG_PREPARE_BUSY = "Another medcode process is already preparing this build; leaving it to that one"


REDIS_LOCK_SECONDS = 120  # refreshed every quarter of this while held: a holder that dies frees it within this


@contextlib.contextmanager
def prepare_lock(*, wait: bool) -> Iterator[bool]:
    """Hold the prepare lock for the block (yields True), so that concurrent starts share one `medcode
    prepare`. Without `wait`, yields False at once when another process holds it.

    The lock is an flock on a file in the data directory (the kernel releases it when its holder exits,
    however it exits) and, with MEDCODE_REDIS_URL, also a Redis lock per active build, for instances on other
    machines that share the codebook directory."""
    with _file_lock(wait=wait) as held:
        if not held or not settings.MEDCODE_REDIS_URL:
            yield held
            return
        with _redis_lock(wait=wait) as shared:
            yield shared


@contextlib.contextmanager
def _file_lock(*, wait: bool) -> Iterator[bool]:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATA_DIR / PREPARE_LOCK, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            print(MSG_PREPARE_WAIT, file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def redis_lock_name() -> str:
    return f"medcode:prepare:{store.active_build_id() or 'none'}"


@contextlib.contextmanager
def _redis_lock(*, wait: bool) -> Iterator[bool]:
    import redis
    from redis.exceptions import LockError

    client = redis.Redis.from_url(settings.MEDCODE_REDIS_URL)
    lock = client.lock(redis_lock_name(), timeout=REDIS_LOCK_SECONDS, thread_local=False)
    if not lock.acquire(blocking=False):
        if not wait:
            yield False
            return
        print(MSG_PREPARE_WAIT, file=sys.stderr, flush=True)
        lock.acquire(blocking=True)
    stop = threading.Event()

    def refresh() -> None:
        while not stop.wait(REDIS_LOCK_SECONDS / 4):
            with contextlib.suppress(redis.RedisError, LockError):
                lock.reacquire()

    keeper = threading.Thread(target=refresh, name="medcode-prepare-lock", daemon=True)
    keeper.start()
    try:
        yield True
    finally:
        stop.set()
        keeper.join()
        with contextlib.suppress(redis.RedisError, LockError):
            lock.release()


def newest_releases() -> list[selectors.ReleaseInfo]:
    """The newest release of each system in the active codebook."""
    return list({release.system: release for release in selectors.release_list()}.values())


def search_prepare(*, semantic: bool = True, wait: bool = True) -> bool:
    """Build or load the search structures of each system's newest release (and, with the semantic extra
    installed, their code vectors), saved beside the codebook so that every process after this loads them.

    One process at a time per data directory (`prepare_lock`): a second one waits and then finds the work
    saved, or with `wait=False` returns False at once and leaves it to the first."""
    from medcode.search import embedding, guidance, index
    from medcode.search import semantic as semantic_vectors

    with prepare_lock(wait=wait) as held:
        if not held:
            print(MSG_PREPARE_BUSY, file=sys.stderr, flush=True)
            return False
        newest = newest_releases()
        print("Preparing search (the first time after a build takes a minute)...", file=sys.stderr, flush=True)
        index.warm(newest)
        guidance.guidance_warm()  # the official guidance documents, when imported
        if semantic and embedding.available():
            print(
                "Preparing embedding retrieval (the semantic extra; the first time after a build takes minutes)...",
                file=sys.stderr,
                flush=True,
            )
            semantic_vectors.warm([r for r in newest if r.system in semantic_vectors.SYSTEMS])
    return True


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the kernel sends this child SIGTERM when the process that started it exits."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn_bound(argv: list[str], out: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start argv as a child that stops with this process (and with the server this process becomes by
    exec): SIGTERM from the kernel when it exits, and Ctrl+C reaches it (same process group)."""
    return subprocess.Popen(
        argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
    )


def _prepare_vectors_in_background() -> None:
    """With the semantic extra, compute missing code vectors in a child process while the server already
    serves: case-to-code uses them once the file is saved (workers look again every minute), not before.
    The child stops with this server; when another server of this data directory is already computing
    them, the child sees its lock and exits (`medcode prepare --if-free`), and this one serves without."""
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
        spawn_bound([sys.executable, "-m", "medcode.cli.main", "prepare", "--if-free"], out)


def serve(*, host: str, port: int, workers: int | None = None, threads: int | None = None) -> None:
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
    argv = gunicorn_argv(
        host=host, port=port, workers=workers or settings.MEDCODE_WORKERS, threads=threads or settings.MEDCODE_THREADS
    )
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server


# A Unix socket path holds at most 107 bytes (sun_path); leave room for the terminating NUL.
SOCKET_PATH_MAX = 100
MSG_NO_CONTROL_SOCKET = (
    "The data directory's path is too long for gunicorn's control socket ({path}); serving without one"
)


def control_socket_path() -> Path:
    """This instance's gunicorn control socket: in its data directory, so two instances never share one."""
    return Path(settings.DATA_DIR) / "gunicorn.ctl"


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int | None = None) -> list[str]:
    """The gunicorn command line of `medcode serve`: threaded workers that keep connections alive
    (docs/adr/0045-serving-stack.md), each warmed before it accepts a request, no access log unless
    MEDCODE_ACCESS_LOG is on, the control socket in this instance's data directory."""
    threads = threads or settings.MEDCODE_THREADS
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--config",
        "python:medcode.cli.gunicorn_hooks",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        settings.MEDCODE_WORKER_CLASS,
        "--threads",
        str(threads),
        "--keep-alive",
        str(settings.MEDCODE_KEEPALIVE_SECONDS),
    ]
    if settings.MEDCODE_ACCESS_LOG:
        argv += ["--access-logfile", "-"]  # without the flag gunicorn formats no access line at all
    socket = control_socket_path()
    if len(os.fsencode(socket)) > SOCKET_PATH_MAX:
        print(MSG_NO_CONTROL_SOCKET.format(path=socket), file=sys.stderr, flush=True)
        return [*argv, "--no-control-socket"]
    return [*argv, "--control-socket", str(socket), "--control-socket-mode", "384"]  # 0600
