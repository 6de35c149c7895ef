"""`medcode serve`'s gunicorn: each instance keeps its control socket in its own data directory."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from pathlib import Path

from django.test import override_settings

from medcode.web import serve


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
