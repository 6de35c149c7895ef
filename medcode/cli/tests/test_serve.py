"""`medcode serve`: its gunicorn command line, control socket, prepare lock and background prepare."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from medcode.cli import serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data_dir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    with override_settings(DATA_DIR=data_dir):
        argv = serve.gunicorn_argv(host="127.0.0.1", port=_free_port(), workers=1)
        ctl = serve.control_socket_path()
    env = {**os.environ, "MEDCODE_DATA_DIR": str(data_dir), "HOME": str(data_dir / "home")}
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), ctl


def test_two_instances_have_their_own_control_sockets_in_their_data_directories(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for d in (first, second):
        (d / "home").mkdir(parents=True)
    servers = [_start(first), _start(second)]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(ctl.exists() for _, ctl in servers):
            assert all(p.poll() is None for p, _ in servers), [p.stderr.read() for p, _ in servers if p.stderr]
            time.sleep(0.2)
        for (_, ctl), d in zip(servers, (first, second), strict=True):
            assert ctl == d / "gunicorn.ctl" and stat.S_ISSOCK(ctl.stat().st_mode)
            assert stat.S_IMODE(ctl.stat().st_mode) == 0o600
            assert not (d / "home" / ".gunicorn").exists()  # nothing in the home directory
    finally:
        for p, _ in servers:
            p.terminate()
            p.wait(timeout=30)


def test_a_data_directory_too_deep_for_a_socket_serves_without_one(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["ddd"] * 40)
    with override_settings(DATA_DIR=deep):
        argv = serve.gunicorn_argv(host="127.0.0.1", port=8000, workers=1)
    assert argv[-1] == "--no-control-socket" and "--control-socket" not in argv


def test_the_server_runs_threaded_workers_that_keep_connections_alive_without_an_access_log(
    settings: pytest.FixtureRequest,
) -> None:
    settings.MEDCODE_WORKER_CLASS = "gthread"  # type: ignore[attr-defined]
    settings.MEDCODE_ACCESS_LOG = False  # type: ignore[attr-defined]
    argv = serve.gunicorn_argv(host="127.0.0.1", port=8000, workers=3, threads=5)
    flags = dict(zip(argv[4::2], argv[5::2], strict=False))
    assert flags["--worker-class"] == "gthread" and flags["--threads"] == "5" and flags["--workers"] == "3"
    assert int(flags["--keep-alive"]) > 0 and flags["--config"] == "python:medcode.cli.gunicorn_hooks"
    assert "--access-logfile" not in argv
    settings.MEDCODE_ACCESS_LOG = True  # type: ignore[attr-defined]
    argv = serve.gunicorn_argv(host="127.0.0.1", port=8000, workers=3, threads=5)
    assert argv[argv.index("--access-logfile") + 1] == "-"


def test_workers_default_to_one_per_usable_core() -> None:
    from django.conf import settings

    assert len(os.sched_getaffinity(0)) == settings.MEDCODE_WORKERS or os.environ.get("MEDCODE_WORKERS")


def test_a_second_prepare_leaves_the_work_to_the_first(tmp_path: Path) -> None:
    """Another process holds the data directory's prepare lock: `medcode prepare --if-free` returns at once
    and says so; `serve.search_prepare(wait=False)` too."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX); "
            "print('held', flush=True); time.sleep(120)",
            str(tmp_path / serve.PREPARE_LOCK),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        env = {**os.environ, "MEDCODE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        done = subprocess.run(
            [sys.executable, "-m", "medcode.cli.main", "prepare", "--if-free", "--no-semantic"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert serve.MSG_PREPARE_BUSY in done.stderr and "Preparing search" not in done.stderr
        with override_settings(DATA_DIR=tmp_path):
            assert serve.search_prepare(semantic=False, wait=False) is False
    finally:
        holder.kill()
        holder.wait(timeout=10)
    with override_settings(DATA_DIR=tmp_path), serve.prepare_lock(wait=False) as held:
        assert held  # released by the kernel when its holder died


def test_a_background_prepare_stops_with_the_server_that_started_it(tmp_path: Path) -> None:
    """The child `serve` starts (here `sleep`) gets SIGTERM from the kernel when its parent exits."""
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from medcode.cli.serve import spawn_bound; "
            "p = spawn_bound(['sleep', '300'], sys.stdout.buffer); open(sys.argv[1], 'w').write(str(p.pid)); "
            "import time; time.sleep(300)",
            str(pid_file),
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        child = int(pid_file.read_text())
        assert Path(f"/proc/{child}").exists()
    finally:
        parent.kill()
        parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_with_redis_the_prepare_lock_is_shared_by_instances_of_other_data_directories(tmp_path: Path) -> None:
    import redis

    from conftest import redis_server

    with redis_server(tmp_path) as url:
        holder = redis.Redis.from_url(url).lock(serve.redis_lock_name(), timeout=60)
        assert holder.acquire(blocking=False)  # another machine is preparing this build
        with override_settings(DATA_DIR=tmp_path / "here", MEDCODE_REDIS_URL=url):
            assert serve.search_prepare(semantic=False, wait=False) is False
            holder.release()
            with serve.prepare_lock(wait=False) as held:
                assert held
                assert redis.Redis.from_url(url).exists(serve.redis_lock_name())
            assert not redis.Redis.from_url(url).exists(serve.redis_lock_name())
