"""Facts about the HTTP request that services need: the client's IP address and user agent."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from medcode.accounts.services import Client


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, the one metering, API rate limits and log-in throttling count by.

    With MEDCODE_TRUSTED_PROXIES = 0, REMOTE_ADDR. With N proxies in front, each appends the address it
    was reached from to X-Forwarded-For, and the last one is REMOTE_ADDR: the client is the Nth address
    from the right of X-Forwarded-For. Anything left of it was written by the client and is ignored.
    When the header is shorter than the proxy chain, the leftmost address there is (which a proxy wrote).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.MEDCODE_TRUSTED_PROXIES
    value = remote
    if trusted > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [part for part in forwarded if part] + [remote]
        value = chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_of(request: HttpRequest) -> Client:
    return Client(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
