"""Scale-out (issue 24, docs/deployment.md): two `medcode serve` instances behind a reverse proxy, sharing
PostgreSQL and Redis. Metering and rate limits stay exact across both; one instance killed mid-run loses no
request beyond those in flight on it.

Real gunicorn processes (the argv `medcode serve` runs, one gthread worker each) on loopback ports, a small
round-robin proxy in this process that appends X-Forwarded-For as nginx does, a redis-server of the test's
own. Needs the suite on PostgreSQL (DATABASE_URL) and Debian's redis-server; skipped otherwise.
"""

from __future__ import annotations

import http.client
import http.server
import itertools
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.test import Client, override_settings

from conftest import free_port, redis_server
from medcode.accounts import services
from medcode.accounts.models import Plan
from medcode.accounts.tests.factories import api_key_for, make_account
from medcode.accounts.tests.test_metering_live import INTERFACES, Identity, _counted, _device_cookie, _race
from medcode.cli import serve

pytestmark = [pytest.mark.django_db(transaction=True)]
CM = "http://hl7.org/fhir/sid/icd-10-cm"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


class Proxy(http.server.ThreadingHTTPServer):
    """Round robin over the backends; a backend that refuses the connection is skipped (the request was not
    sent, so it is safe to send it to the next); a backend that fails after the request was sent answers 502."""

    daemon_threads = True

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.turn = itertools.count()
        self.bad_gateway = 0
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def log_message(self, format: str, *args: object) -> None:
        return

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        forwarded = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{forwarded}, {self.client_address[0]}" if forwarded else self.client_address[0]
        start = next(self.server.turn)
        for attempt in range(len(self.server.backends)):
            port = self.server.backends[(start + attempt) % len(self.server.backends)]
            upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                upstream.connect()
            except OSError:
                continue  # nothing was sent: try the next instance
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
            except OSError:
                break  # sent, and the instance went away: this request was in flight
            finally:
                upstream.close()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_HEADERS and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.server.bad_gateway += 1
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _forward


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
def instances(default_codebook: Path, tmp_path: Path, redis_url: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    if connection.vendor != "postgresql":
        pytest.skip("scale-out shares one PostgreSQL database: run with DATABASE_URL=postgres://...")
    services.plan_defaults_ensure()
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    procs = []
    for n in (1, 2):
        data_dir = tmp_path / f"instance{n}"
        data_dir.mkdir()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",  # the test settings turn metering off
            "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,  # device cookies are signed here, checked there
            "DATABASE_URL": database_url,
            "MEDCODE_REDIS_URL": redis_url,
            "MEDCODE_DATA_DIR": str(data_dir),
            "MEDCODE_CODEBOOK_DIR": str(default_codebook.parent),
            "MEDCODE_METERING": "true",
            "MEDCODE_TRUSTED_PROXIES": "1",
            "MEDCODE_EMBEDDING_MODEL_DIR": str(tmp_path / "no-model"),
        }
        with override_settings(DATA_DIR=data_dir):
            argv = serve.gunicorn_argv(host="127.0.0.1", port=free_port(), workers=1, threads=8)
        with (data_dir / "serve.log").open("wb") as log:
            procs.append(subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        for n, proc in enumerate(procs, start=1):
            log_path = tmp_path / f"instance{n}" / "serve.log"
            deadline = time.monotonic() + 300
            while "warm in" not in log_path.read_text(errors="replace"):
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
                time.sleep(0.2)
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)


def _port(proc: subprocess.Popen[bytes]) -> int:
    argv = list(proc.args)  # type: ignore[arg-type]
    return int(str(argv[argv.index("--bind") + 1]).rsplit(":", 1)[1])


@pytest.fixture
def proxy(instances: list[subprocess.Popen[bytes]]) -> Iterator[Proxy]:
    server = Proxy([_port(p) for p in instances])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_two_instances_count_allowances_and_rate_limits_exactly(proxy: Proxy) -> None:
    base = f"http://127.0.0.1:{proxy.server_address[1]}"
    # 40 concurrent requests of a guest and 40 of a free account, spread over both instances
    guest = _race(Identity(base, cookies={django_settings.MEDCODE_DEVICE_COOKIE: _device_cookie()}, key=None))
    assert len({code for _, code, shown in guest if shown}) == 1, guest
    account = make_account(plan=Plan.objects.get(slug="free"))
    _, key = api_key_for(account.user, scopes=("read",))
    browser = Client()
    browser.force_login(account.user)
    session = {django_settings.SESSION_COOKIE_NAME: browser.cookies[django_settings.SESSION_COOKIE_NAME].value}
    connections.close_all()
    free = _race(Identity(base, cookies=session, key=key))
    full = {code for _, code, shown in free if shown}
    assert len(full) == 5 and {i for i, _, shown in free if shown} == set(INTERFACES), free
    (counter,) = _counted(f"account:{account.user.pk}")
    assert counter[1] == 5
    # a key allowed 10 requests a minute gets 10 across both instances (Redis counts), not 10 on each
    _, limited = api_key_for(make_account().user, scopes=("read",), rate=10)
    connections.close_all()
    with httpx.Client(base_url=base, headers={"X-API-Key": limited}, timeout=60) as client:
        statuses = [client.get("/api/v1/releases").status_code for _ in range(16)]
    assert statuses.count(200) == 10 and statuses.count(429) == 6, statuses


def test_an_instance_killed_mid_run_loses_only_the_requests_in_flight(
    proxy: Proxy, instances: list[subprocess.Popen[bytes]]
) -> None:
    base = f"http://127.0.0.1:{proxy.server_address[1]}"
    _, key = api_key_for(make_account().user, scopes=("read",), rate=1_000_000)
    connections.close_all()
    clients = 8
    done = threading.Semaphore(0)

    def one(n: int) -> int:
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as client:
            status = client.get("/fhir/CodeSystem/$lookup", params={"system": CM, "code": "E11.9"}).status_code
        done.release()
        return status

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(one, n) for n in range(400)]
        for _ in range(100):
            done.acquire(timeout=120)
        os.killpg(instances[0].pid, signal.SIGKILL)  # the first instance's master and worker, at once
        statuses = [f.result() for f in futures]
    instances[0].wait(timeout=30)
    lost = statuses.count(502)
    assert set(statuses) <= {200, 502} and lost == proxy.bad_gateway
    assert lost <= clients  # at most the requests in flight on the killed instance
    assert statuses[-100:].count(200) == 100  # after the kill, the other instance answers everything
