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
from medcode.accounts.models import SCOPE_KEYS, Account, ApiKey, Plan
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
        transaction.on_commit(lambda: api_key_forget(key_hash=key.key_hash))
        api_key_forget(key_hash=key.key_hash)
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


KEY_CACHE_SECONDS = 30


@dataclass(frozen=True)
class _KeyFacts:
    """What the gate needs to know about a key, cached for KEY_CACHE_SECONDS (revoking deletes the entry)."""

    key_id: int
    user_id: int
    prefix: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    last_used_at: dt.datetime | None


def _key_cache_key(key_hash: str) -> str:
    return f"medcode:apikey:{key_hash}"


# In front of the shared cache, each process keeps the facts of the keys it saw for a few seconds (issue 24):
# a revoked key or a changed rate reaches every process within KEY_LOCAL_SECONDS. The request counts (rate
# limits) are never kept here: they are counted in the shared cache (Redis when configured) on every request.
KEY_LOCAL_SECONDS = 5.0
_local_keys: dict[str, tuple[float, _KeyFacts]] = {}
_local_touched: dict[tuple[int, str], float] = {}


def _key_lookup(raw_key: str) -> _KeyFacts:
    key_hash = _hash(raw_key.strip())
    now = time.monotonic()
    local = _local_keys.get(key_hash)
    if local is not None and now - local[0] < KEY_LOCAL_SECONDS:
        return local[1]
    cached: _KeyFacts | None = cache.get(_key_cache_key(key_hash))
    if cached is not None:
        _local_keys[key_hash] = (now, cached)
        return cached
    key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        raise ApiKeyInvalid(MSG_KEY_INVALID)
    if key.rate_per_minute is not None:
        rate = key.rate_per_minute
    else:
        account = Account.objects.select_related("plan").filter(user_id=key.user_id).first()
        rate = (account.plan if account is not None else selectors.plan_default()).api_rate_per_minute
    facts = _KeyFacts(key.id, key.user_id, key.prefix, tuple(key.scopes), rate, key.last_used_at)
    cache.set(_key_cache_key(key_hash), facts, timeout=KEY_CACHE_SECONDS)
    _local_keys[key_hash] = (now, facts)
    return facts


def api_key_forget(*, key_hash: str) -> None:
    """Drop a key's cached facts (after revoking it, or a change of its plan or rate): at once in this process
    and the shared cache, within KEY_LOCAL_SECONDS in the other processes."""
    _local_keys.pop(key_hash, None)
    cache.delete(_key_cache_key(key_hash))


_local_plans: dict[str, tuple[float, Plan]] = {}


def key_owner_plan(principal: Principal) -> Plan:
    """The plan of a key's owner, kept in this process for KEY_LOCAL_SECONDS per key (as the key's own facts):
    metering still counts every view in the database against this plan's limit."""
    assert principal.user_id is not None
    now = time.monotonic()
    local = _local_plans.get(principal.key_prefix)
    if local is not None and now - local[0] < KEY_LOCAL_SECONDS:
        return local[1]
    plan = selectors.plan_of_user(user_id=principal.user_id)
    _local_plans[principal.key_prefix] = (now, plan)
    return plan


def _touch(key: _KeyFacts) -> None:
    """Record the key's last use at most once a minute per key (a cache entry says it was done; this process
    remembers that it asked, so it asks the shared cache once a minute per key, not on every request)."""
    now = time.monotonic()
    if now - _local_touched.get((key.key_id, key.prefix), -1e9) < TOUCH_EVERY.total_seconds():
        return
    _local_touched[(key.key_id, key.prefix)] = now
    if cache.add(f"medcode:apikey-touched:{key.key_id}", 1, timeout=int(TOUCH_EVERY.total_seconds())):
        ApiKey.objects.filter(id=key.key_id).update(last_used_at=timezone.now())


def request_authorize(*, raw_key: str | None, ip: str | None, scope: str, anonymous: bool = True) -> Principal:
    """Who may make this request: a valid key with the scope, within its rate; or an anonymous client within its rate."""
    if raw_key:
        key = _key_lookup(raw_key)
        if scope not in key.scopes:
            raise ScopeDenied(MSG_KEY_SCOPE.format(prefix=key.prefix, scope=scope))
        rate = rate_limit_hit(bucket=f"key:{key.prefix}", limit=key.rate_per_minute)
        _touch(key)
        return Principal(key.user_id, key.key_id, key.prefix, frozenset(key.scopes), rate)
    anon_limit = settings.MEDCODE_API_ANON_RATE_PER_MINUTE
    if not anonymous or anon_limit <= 0:
        raise ApiKeyRequired(MSG_KEY_REQUIRED.format(scope=scope))
    rate = rate_limit_hit(bucket=f"ip:{ip or 'unknown'}", limit=anon_limit)
    return Principal(None, None, "", frozenset({"read"}), rate)
