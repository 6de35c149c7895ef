"""Facts about the HTTP request that services need: the client's IP address and user agent."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from medcode.accounts.services import Client


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the first address of MEDCODE_CLIENT_IP_HEADER when behind a trusted proxy."""
    value = ""
    if settings.MEDCODE_CLIENT_IP_HEADER:
        header = "HTTP_" + settings.MEDCODE_CLIENT_IP_HEADER.upper().replace("-", "_")
        value = request.META.get(header, "").split(",")[0].strip()
    value = value or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_of(request: HttpRequest) -> Client:
    return Client(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
