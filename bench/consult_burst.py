"""Consult desk burst: 1,000 inbound questions over SMTP on loopback, every one answered once.

Starts `medcode consult listen` (the inbound listener an operator runs) over a fresh bench database, and a
loopback SMTP server that stands for the outside world: the desk's answers go to it through Django's SMTP
backend. Sends 1,000 questions from 1,000 senders over 8 concurrent SMTP connections, waits for the
replies, and checks by In-Reply-To that no question was lost and none answered twice. Two modes:

- inline: no broker; the listener answers each message before it replies 250 (the default install);
- redis: MEDCODE_REDIS_URL set; the listener stores and queues, two `medcode worker` processes answer
  (skipped when redis-server is not installed).

    .venv/bin/python bench/consult_burst.py [--emails 1000] [--connections 8] [--modes inline,redis]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
from aiosmtpd.controller import Controller

DESK = "consult@desk.example"
QUESTIONS = [
    ("Is E11.9 billable?", "answer"),
    ("What does I10 cover?", "answer"),
    ("Code for J45.909 and what it excludes", "answer"),
    ("M54.50 for low back pain, is it valid this year?", "answer"),
    ("How do I sequence sepsis with pneumonia?", "review"),
]
TIMEOUT = 600


class Sink:
    """The outside world's mail server: records each reply by the question it answers."""

    def __init__(self) -> None:
        self.replies: dict[str, list[float]] = {}
        self.total = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.total += 1
            self.replies.setdefault(str(message["In-Reply-To"]), []).append(time.perf_counter())
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def question(n: int) -> EmailMessage:
    text, _ = QUESTIONS[n % len(QUESTIONS)]
    message = EmailMessage()
    message["From"] = f"Coder {n} <coder{n:05d}@clinic{n % 7}.example>"
    message["To"] = DESK
    message["Subject"] = f"Question {n}"
    message["Message-ID"] = make_msgid(idstring=f"q{n}", domain="clinic.example")
    message.set_content(text)
    return message


def wait_port(port: int, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def run_mode(mode: str, *, emails: int, connections: int, codebook_dir: Path) -> dict[str, Any]:
    work = c.WORK / "consult_burst" / mode
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sink = Sink()
    sink_port, desk_port = free_port(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink_port)
    controller.start()
    env = c.bench_env(work)
    env.update(
        {
            "MEDCODE_CODEBOOK_DIR": str(codebook_dir),
            "MEDCODE_CONSULT_ADDRESS": DESK,
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(sink_port),
            "MEDCODE_CONSULT_SENDER_RATE_PER_HOUR": "100",
        }
    )
    processes: list[subprocess.Popen[bytes]] = []
    redis_process = None
    if mode == "redis":
        redis_port = free_port()
        redis_process = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--dir", str(work)],
            stdout=subprocess.DEVNULL,
        )
        wait_port(redis_port)
        env["MEDCODE_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    subprocess.run([c.PYTHON, str(c.REPO / "manage.py"), "migrate", "-v0"], env=env, cwd=c.REPO, check=True)
    medcode = [c.PYTHON, "-m", "medcode.cli.main"]
    log = (work / "listener.log").open("wb")
    processes.append(
        subprocess.Popen(
            [*medcode, "consult", "listen", "--port", str(desk_port)], env=env, cwd=c.REPO, stdout=log, stderr=log
        )
    )
    if mode == "redis":
        for _ in range(2):
            processes.append(subprocess.Popen([*medcode, "worker"], env=env, cwd=c.REPO, stdout=log, stderr=log))
    try:
        wait_port(desk_port)
        messages = [question(n) for n in range(emails)]
        sent_at: dict[str, float] = {}
        errors: list[str] = []

        def sender(chunk: list[EmailMessage]) -> None:
            with smtplib.SMTP("127.0.0.1", desk_port, timeout=120) as client:
                for message in chunk:
                    sent_at[str(message["Message-ID"])] = time.perf_counter()
                    try:
                        client.send_message(message)
                    except smtplib.SMTPException as exc:
                        errors.append(str(exc))

        start = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(messages[i::connections],)) for i in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent_seconds = time.perf_counter() - start
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with sink.lock:
                answered = sum(1 for mid in sent_at if mid in sink.replies)
            if answered >= emails:
                break
            time.sleep(0.05)
        time.sleep(2)  # late duplicates would arrive here
        with sink.lock:
            replies = {k: list(v) for k, v in sink.replies.items()}
            total = sink.total
    finally:
        for process in processes:
            process.terminate()
            process.wait(20)
        if redis_process:
            redis_process.terminate()
            redis_process.wait(20)
        controller.stop()
        log.close()
    lost = [mid for mid in sent_at if mid not in replies]
    duplicates = sum(len(v) - 1 for mid, v in replies.items() if mid in sent_at and len(v) > 1)
    latencies = [(replies[mid][0] - sent_at[mid]) * 1000 for mid in sent_at if mid in replies]
    last = max((v[0] for mid, v in replies.items() if mid in sent_at), default=start) - start
    db = sqlite3.connect(work / "medcode.sqlite3")
    states = dict(db.execute("SELECT state, count(*) FROM consult_consult GROUP BY state").fetchall())
    stored = db.execute("SELECT count(*) FROM consult_consultmessage WHERE inbound = 1").fetchone()[0]
    db.close()
    return {
        "mode": mode,
        "emails": emails,
        "connections": connections,
        "smtp_errors": len(errors),
        "stored_questions": stored,
        "replies": total,
        "lost": len(lost),
        "duplicates": duplicates,
        "send_seconds": round(sent_seconds, 2),
        "last_reply_seconds": round(last, 2),
        "latency_ms": {
            "p50": round(c.percentile(latencies, 50), 1),
            "p95": round(c.percentile(latencies, 95), 1),
            "max": round(max(latencies, default=0), 1),
        },
        "states": states,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--modes", default="inline,redis")
    args = parser.parse_args()
    started, t0 = c.now_iso(), time.perf_counter()
    assistant = (c.REPO / "medcode" / "assistant" / "__init__.py").exists()
    machine = c.machine()
    codebook_dir = c.ensure_codebook().parent
    runs = []
    for mode in args.modes.split(","):
        if mode == "redis" and shutil.which("redis-server") is None:
            print("redis-server not installed: redis mode skipped", file=sys.stderr)
            continue
        print(f"== {mode}: {args.emails} e-mails over {args.connections} SMTP connections", file=sys.stderr)
        runs.append(run_mode(mode, emails=args.emails, connections=args.connections, codebook_dir=codebook_dir))
    rows = []
    for r in runs:
        ok = r["lost"] == 0 and r["duplicates"] == 0 and r["smtp_errors"] == 0
        mode = "no broker (listener answers inline)" if r["mode"] == "inline" else "Redis queue, 2 workers"
        rows.append(
            [
                mode, f"{r['emails']:,}", f"{r['stored_questions']:,}", f"{r['replies']:,}", r["lost"], r["duplicates"],
                r["send_seconds"], r["last_reply_seconds"], round(r["emails"] / r["last_reply_seconds"], 1) if r["last_reply_seconds"] else "",
                r["latency_ms"]["p50"], r["latency_ms"]["p95"], "0 lost, 0 duplicates", c.verdict(ok),
            ]
        )  # fmt: skip
    states = "; ".join(f"{r['mode']}: " + ", ".join(f"{k} {v}" for k, v in sorted(r["states"].items())) for r in runs)
    result = {
        "benchmark": "consult_burst",
        "machine": machine,
        "started": started,
        "seconds": time.perf_counter() - t0,
        "table": {
            "columns": [
                "mode",
                "e-mails sent",
                "questions stored",
                "replies",
                "lost",
                "duplicate replies",
                "send s",
                "time to last reply s",
                "answers/s",
                "reply p50 ms",
                "reply p95 ms",
                "target",
                "result",
            ],
            "rows": rows,
        },
        "notes": [
            f"{args.emails:,} questions from {args.emails:,} senders over {args.connections} concurrent SMTP connections to "
            "`medcode consult listen` on loopback; answers go out through Django's SMTP backend to a loopback SMTP "
            "server, which matches each to its question by In-Reply-To. SQLite operational database; answers by "
            f"{'the coding assistant' if assistant else 'the codebook fallback (no assistant installed)'} "
            "(4 in 5 questions name a code and are answered, 1 in 5 goes to review with an "
            f"acknowledgement: both are one reply). Consult states at the end: {states}.",
        ],
        "runs": runs,
    }
    c.write_result("consult_burst", result)


if __name__ == "__main__":
    main()
