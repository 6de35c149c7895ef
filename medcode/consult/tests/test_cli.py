"""The consult, jobs and worker commands."""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from medcode.cli.main import main
from medcode.consult.tests.conftest import question
from medcode.consult.tests.support import free_port

REPO = Path(__file__).resolve().parents[3]


def test_genkey_prints_a_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["consult", "genkey", "--json"]) == 0
    Fernet(json.loads(capsys.readouterr().out)["key"].encode())


@pytest.mark.django_db(transaction=True)
def test_jobs_alerts_and_worker_once(capsys: pytest.CaptureFixture[str], settings: Any) -> None:
    settings.MEDCODE_REDIS_URL = ""
    assert main(["jobs", "alerts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"emails": 0}
    assert main(["jobs", "expire"]) == 0
    assert "expired" in capsys.readouterr().out


def test_poll_without_imap_says_what_to_set(capsys: pytest.CaptureFixture[str], settings: Any) -> None:
    settings.MEDCODE_CONSULT_IMAP_HOST = ""
    assert main(["consult", "poll"]) == 2
    assert "MEDCODE_CONSULT_IMAP_HOST" in capsys.readouterr().err


def test_listen_command_accepts_mail(tmp_path: Path) -> None:
    """`medcode consult listen` as an operator runs it: a separate process bound to loopback."""
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "MEDCODE_DATA_DIR": str(tmp_path),
        "MEDCODE_CONSULT_ADDRESS": "consult@desk.example",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    subprocess.run([sys.executable, str(REPO / "manage.py"), "migrate", "-v0"], env=env, cwd=REPO, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "medcode.cli.main", "consult", "listen", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert "SMTP listener on 127.0.0.1" in process.stdout.readline()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            refused = client.send_message(question(body="How do I code this case?"))
        assert refused == {}
    finally:
        process.terminate()
        process.wait(10)
    time.sleep(0.1)


def test_production_refuses_to_start_without_consult_keys(tmp_path: Path) -> None:
    import os

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "MEDCODE_DATA_DIR": str(tmp_path),
    }
    env.pop("MEDCODE_CONSULT_KEYS", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "MEDCODE_CONSULT_KEYS is required in production" in result.stderr
