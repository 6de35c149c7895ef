"""Facts about the HTTP request that services need: the client's IP address, user agent, and who is viewing."""

from __future__ import annotations

import ipaddress
import uuid

from django.conf import settings
from django.http import HttpRequest

from medcode.accounts import selectors
from medcode.accounts.apikeys import key_owner_plan
from medcode.accounts.metering import INTERFACES, Viewer
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


def device_of(request: HttpRequest) -> str | None:
    """The guest's device id from the signed device cookie (set on the first code page), if it came back."""
    value = request.get_signed_cookie(settings.MEDCODE_DEVICE_COOKIE, default=None, salt="medcode.device")
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


def viewer_of(request: HttpRequest, *, interface: str) -> Viewer:
    """Who is asking for a code's content: an API key's account, else the logged-in user, else a guest.

    A guest is identified by IP and device cookie (pages, assistant); on the API and FHIR a guest is an
    anonymous caller, whom `metering.access_decide` gives the public fields.
    """
    if interface not in INTERFACES:
        raise ValueError(f"interface must be one of {', '.join(INTERFACES)}; got {interface!r}")
    principal = getattr(request, "api_principal", None)
    if principal is not None and principal.user_id is not None:
        return Viewer(plan=key_owner_plan(principal), user_id=principal.user_id, interface=interface)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Viewer(plan=selectors.plan_for(user), user_id=user.pk, interface=interface)
    return Viewer(
        plan=selectors.plan_guest(), user_id=None, device=device_of(request), ip=client_ip(request), interface=interface
    )
