"""API keys and rate limits: create and revoke keys, and the gate every API request passes.

The gate (`request_authorize`) is shared by the REST API (a django-ninja auth class in
medcode/api/auth.py) and plain views such as the FHIR operations (the `api_gate` decorator);
docs/adr/0011-api-keys-and-rate-limits.md says how to put another endpoint behind it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from medcode.accounts import selectors
from medcode.accounts.errors import (
    MSG_KEY_INVALID,
    MSG_KEY_NAME,
    MSG_KEY_NOT_FOUND,
    MSG_KEY_REQUIRED,
    MSG_KEY_SCOPE,
    MSG_KEY_SCOPES,
    MSG_RATE_LIMITED,
    AccountError,
    ApiKeyInvalid,
    ApiKeyRequired,
    RateLimited,
    ScopeDenied,
)
from medcode.accounts.models import SCOPE_KEYS, Account, ApiKey
from medcode.accounts.services import Client, audit_record

KEY_PREFIX = "mc_"
WINDOW_SECONDS = 60
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class RateDecision:
    """One request counted in a fixed window: the limit, what is left and when the window ends."""

    bucket: str
    limit: int
    remaining: int
    reset_in: int


@dataclass(frozen=True)
class Principal:
    """Who is calling the API: a key (with its user and scopes) or an anonymous client by IP."""

    user_id: int | None
    key_id: int | None
    key_prefix: str
    scopes: frozenset[str]
    rate: RateDecision | None

    @property
    def anonymous(self) -> bool:
        return self.key_id is None


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_key_create(
    *, user_id: int, name: str, scopes: list[str], client: Client, rate_per_minute: int | None = None
) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and only its SHA-256 is kept."""
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError(MSG_KEY_NAME)
    chosen = sorted({s for s in scopes if s in SCOPE_KEYS})
    if not chosen:
        raise AccountError(MSG_KEY_SCOPES.format(scopes=", ".join(SCOPE_KEYS)))
    raw = KEY_PREFIX + secrets.token_urlsafe(30)
    key = ApiKey.objects.create(
        user_id=user_id,
        name=name,
        prefix=raw[:11],
        key_hash=_hash(raw),
        scopes=chosen,
        rate_per_minute=rate_per_minute,
    )
    audit_record(kind="api_key_created", client=client, user=key.user, detail={"key": key.prefix, "scopes": chosen})
    return key, raw


@transaction.atomic
def api_key_revoke(*, user_id: int, key_id: int, client: Client) -> ApiKey:
    key = ApiKey.objects.select_for_update().filter(user_id=user_id, id=key_id).first()
    if key is None:
        raise AccountError(MSG_KEY_NOT_FOUND.format(key_id=key_id))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(kind="api_key_revoked", client=client, user=key.user, detail={"key": key.prefix})
    return key


def rate_limit_hit(*, bucket: str, limit: int, window: int = WINDOW_SECONDS, now: float | None = None) -> RateDecision:
    """Count one request in the bucket's current fixed window (cache counters: atomic INCR in Redis).

    Raises RateLimited past the limit. With the default in-process cache each worker process counts
    on its own; set MEDCODE_REDIS_URL so that all processes and nodes share one count.
    """
    now = time.time() if now is None else now
    start = int(now // window) * window
    key = f"medcode:rl:{bucket}:{start}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    reset_in = max(1, int(start + window - now + 0.999))
    decision = RateDecision(bucket=bucket, limit=limit, remaining=max(0, limit - count), reset_in=reset_in)
    if count > limit:
        who = bucket.replace("key:", "API key ").replace("ip:", "anonymous client ")
        raise RateLimited(
            MSG_RATE_LIMITED.format(limit=limit, window=window, who=who, retry=reset_in),
            extra={"limit": limit, "window_seconds": window, "retry_after": reset_in},
        )
    return decision


def _key_lookup(raw_key: str) -> tuple[ApiKey, int]:
    key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=_hash(raw_key.strip()), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        raise ApiKeyInvalid(MSG_KEY_INVALID)
    if key.rate_per_minute is not None:
        return key, key.rate_per_minute
    account = Account.objects.select_related("plan").filter(user_id=key.user_id).first()
    plan = account.plan if account is not None else selectors.plan_default()
    return key, plan.api_rate_per_minute


def request_authorize(*, raw_key: str | None, ip: str | None, scope: str, anonymous: bool = True) -> Principal:
    """Who may make this request: a valid key with the scope, within its rate; or an anonymous client within its rate."""
    if raw_key:
        key, limit = _key_lookup(raw_key)
        if scope not in key.scopes:
            raise ScopeDenied(MSG_KEY_SCOPE.format(prefix=key.prefix, scope=scope))
        rate = rate_limit_hit(bucket=f"key:{key.prefix}", limit=limit)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
            ApiKey.objects.filter(id=key.id).update(last_used_at=now)
        return Principal(key.user_id, key.id, key.prefix, frozenset(key.scopes), rate)
    anon_limit = settings.MEDCODE_API_ANON_RATE_PER_MINUTE
    if not anonymous or anon_limit <= 0:
        raise ApiKeyRequired(MSG_KEY_REQUIRED.format(scope=scope))
    rate = rate_limit_hit(bucket=f"ip:{ip or 'unknown'}", limit=anon_limit)
    return Principal(None, None, "", frozenset({"read"}), rate)
