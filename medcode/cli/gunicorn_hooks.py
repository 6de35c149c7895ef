"""gunicorn hooks of `medcode serve` (loaded with `--config python:medcode.cli.gunicorn_hooks`).

Each worker warms itself after it has loaded the application and before it accepts its first connection:
the search structures and case-to-code tables of the newest releases, and one request of each kind through
the application (templates, URL resolution, codebook caches), so that the first request a client sends is
answered as fast as the thousandth (issue 24). The master keeps the listening socket: connections that
arrive while a worker warms wait in the kernel's backlog.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("medcode.serve")

# Requests the warm-up sends to the application itself (no REMOTE_ADDR: never counted by metering, which
# needs an address or a device to count a guest; see medcode.accounts.metering.subjects_for).
WARM_PATHS = (
    "/",
    "/search/?q=diabetes",
    "/search/autocomplete/?q=diab",
    "/codes/icd10cm/E11.9/",
    "/codes/icd10cm/E11.99X/",
    "/case2code/?q=type+2+diabetes+with+hypertension",
    "/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9",
    "/fhir/CodeSystem/$validate-code?url=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9",
    "/fhir/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs&filter=diabetes&count=10",
    "/api/v1/codes/icd10cm/E11.9",
)


WARM_NOTE = "Type 2 diabetes mellitus with hypertension and chronic kidney disease. Chest pain. Fracture of femur."


def warm_host() -> str:
    """A host name the settings accept, for the warm-up requests."""
    from django.conf import settings

    for host in settings.ALLOWED_HOSTS:
        if host != "*":
            return host.lstrip(".")
    return "localhost"


def worker_warm() -> float:
    """Load what the first requests would otherwise load, in this process; returns the seconds it took."""
    from django.db import connections
    from django.test import Client

    from medcode.cli.serve import newest_releases
    from medcode.search import casecode, guidance, index

    started = time.monotonic()
    releases = newest_releases()
    index.warm(releases)
    casecode.warm(releases)
    guidance.guidance_warm()
    casecode.case_to_code(note=WARM_NOTE)  # loads the coder stage's tables (about 3 s on the first note)
    client = Client(REMOTE_ADDR="", HTTP_HOST=warm_host(), raise_request_exception=False)
    for path in WARM_PATHS:
        client.get(path, secure=True)  # secure: production settings redirect plain HTTP
    connections.close_all()  # this thread serves no request: its database connections would idle until closed
    return time.monotonic() - started


def post_worker_init(worker: Any) -> None:
    try:
        seconds = worker_warm()
    except Exception:  # a worker that could not warm still serves: it loads on the first requests instead
        log.exception("worker %s could not warm up", worker.pid)
        return
    worker.log.info("worker %s warm in %.1f s", worker.pid, seconds)
