"""The consult, jobs and worker commands."""

from __future__ import annotations

import contextlib
import json
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet

from medcode.cli.main import main
from medcode.consult.tests.conftest import question
from medcode.consult.tests.support import Mailbox, free_port

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


class HoldTheReply(Mailbox):
    """A mail server that takes the desk's message and holds its 250 until the test has killed the desk."""

    def __init__(self) -> None:
        super().__init__()
        self.got = threading.Event()
        self.killed = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        self.got.set()
        self.killed.wait(120)
        return "250 too late"


def test_a_listener_killed_mid_send_and_a_redelivery_give_one_reply(tmp_path: Path) -> None:
    """The operator's processes: `medcode consult listen` is killed (SIGKILL) while its mail server holds the
    reply; the sending server delivers the question again and `medcode worker` runs its retry job. The coder
    gets one reply; the consult waits for staff as "the answer may not have been sent"."""
    box = HoldTheReply()
    mail_port, port = free_port(), free_port()
    sink = Controller(box, hostname="127.0.0.1", port=mail_port)
    sink.start()
    env = {
        "PATH": "/usr/bin:/bin", "MEDCODE_DATA_DIR": str(tmp_path), "MEDCODE_CONSULT_ADDRESS": "consult@desk.example",
        "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(mail_port),
    }  # fmt: skip
    subprocess.run([sys.executable, str(REPO / "manage.py"), "migrate", "-v0"], env=env, cwd=REPO, check=True)
    listen = [sys.executable, "-m", "medcode.cli.main", "consult", "listen", "--host", "127.0.0.1", "--port", str(port)]
    raw = question(body="How do I code this case?").as_bytes()

    def deliver() -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError), smtplib.SMTP("127.0.0.1", port, timeout=120) as c:
            c.sendmail("coder@clinic.example", ["consult@desk.example"], raw)

    try:
        process = subprocess.Popen(listen, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and "SMTP listener" in process.stdout.readline()
        client = threading.Thread(target=deliver, daemon=True)
        client.start()
        assert box.got.wait(120), "the desk sent no reply"
        process.kill()  # mid-send: the mail server has the message, the desk has not heard 250
        process.wait(10)
        box.killed.set()
        client.join(30)
        process = subprocess.Popen(listen, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and "SMTP listener" in process.stdout.readline()
        deliver()  # the sending server never got our 250: it delivers the question again
        process.terminate()
        process.wait(10)
        with sqlite3.connect(tmp_path / "medcode.sqlite3") as db:  # the worker's retry job, an hour later
            db.execute("UPDATE consult_consultmessage SET created_at = datetime('now', '-1 hour')")
        worker = [sys.executable, "-m", "medcode.cli.main", "worker", "--once"]
        subprocess.run(worker, env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
        time.sleep(1)
        assert len(box.messages) == 1
        with sqlite3.connect(tmp_path / "medcode.sqlite3") as db:
            states = db.execute("SELECT state, reason FROM consult_consult").fetchall()
            inbound = db.execute("SELECT count(*) FROM consult_consultmessage WHERE inbound").fetchone()
        assert states == [("needs_review", "send_unconfirmed")] and inbound == (1,)
    finally:
        box.killed.set()
        if process.poll() is None:
            process.kill()
        sink.stop()
