"""Account lifecycle and personal data: register, verify, log in, change, delete; favorites, notes, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from medcode.accounts import selectors
from medcode.accounts.errors import (
    MSG_BAD_LOGIN,
    MSG_BAD_TOKEN,
    MSG_EMAIL_TAKEN,
    MSG_LOGIN_THROTTLED,
    MSG_NOT_VERIFIED,
    MSG_NOTE_EMPTY,
    MSG_NOTE_TOO_LONG,
    MSG_RESET_THROTTLED,
    MSG_SELF_SERVICE_OFF,
    MSG_UNKNOWN_PLAN,
    MSG_WRONG_PASSWORD,
    AccountError,
    Throttled,
)
from medcode.accounts.models import (
    NOTE_MAX_CHARS,
    Account,
    AuditEvent,
    CodeNote,
    Favorite,
    MeterCounter,
    Plan,
    SearchEntry,
)
from medcode.codebook import selectors as codebook
from medcode.core.errors import ApplicationError

VERIFY_SALT = "medcode.accounts.verify-email.v2"  # v1 links (unbound, 3 days) are refused
VERIFY_HOURS = 3
VERIFY_MAX_AGE = VERIFY_HOURS * 3600
HISTORY_KEEP = 500


@dataclass(frozen=True)
class Client:
    """Where a request came from, for the audit log and throttling."""

    ip: str | None = None
    user_agent: str = ""


@dataclass(frozen=True)
class Verified:
    """The account a verification link confirmed; activated is True when the link activated it (registration)."""

    user: User
    activated: bool


def _normalize_email(email: str) -> str:
    email = email.strip()
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if local else email


def audit_record(
    *,
    kind: str,
    client: Client,
    user: User | None = None,
    email: str = "",
    detail: dict[str, object] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        user=user,
        email=email or (user.email if user is not None else ""),
        kind=kind,
        ip=client.ip,
        user_agent=client.user_agent[:300],
        detail=detail or {},
    )


def _mail_on_commit(*, to: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False))


def _verification_hash(*, user: User, email: str) -> str:
    """What a verification link is bound to: the address it confirms, the account's current address,
    password hash, activity and when its address was last confirmed. Changing any of them (following a
    link does) makes every earlier link invalid; without the password hash, no one can make one."""
    account = Account.objects.filter(user_id=user.pk).only("email_verified_at").first()
    confirmed = account.email_verified_at.isoformat() if account and account.email_verified_at else ""
    value = f"{user.pk}|{user.password}|{user.email.lower()}|{email.lower()}|{confirmed}|{int(user.is_active)}"
    return salted_hmac(VERIFY_SALT, value, algorithm="sha256").hexdigest()


def verification_token(*, user: User, email: str) -> str:
    """A link token confirming that email belongs to user: single-use, valid VERIFY_MAX_AGE seconds."""
    return signing.dumps(
        {"u": user.pk, "e": email, "h": _verification_hash(user=user, email=email)}, salt=VERIFY_SALT, compress=True
    )


def _verification_mail(*, user: User, email: str, base_url: str, change: bool) -> None:
    link = base_url.rstrip("/") + reverse("accounts:verify", args=[verification_token(user=user, email=email)])
    site = settings.MEDCODE_SITE_NAME
    if change:
        subject = f"Confirm your new e-mail address for {site}"
        body = f"Someone (we hope you) asked to change the e-mail of a {site} account to this address.\n\nConfirm it here:\n{link}\n\nThe link works once, for {VERIFY_HOURS} hours. If it was not you, ignore this message."
    else:
        subject = f"Confirm your e-mail address for {site}"
        body = f"Welcome to {site}.\n\nConfirm your e-mail address to activate your account:\n{link}\n\nThe link works once, for {VERIFY_HOURS} hours. If you did not register, ignore this message."
    _mail_on_commit(to=email, subject=subject, body=body)


@transaction.atomic
def account_register(*, email: str, password: str, client: Client, base_url: str) -> User:
    """A new inactive user on the default plan; a link to confirm the e-mail goes out after commit.

    The answer never tells whether the address is taken (account enumeration): for an address a
    confirmed account uses, the owner gets a notice instead and the password is hashed all the same;
    an unconfirmed registration of the address is replaced by this one (its earlier links stop working).
    """
    User = get_user_model()
    email = _normalize_email(email)
    candidate = User(username=email, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    existing = (
        User.objects.select_for_update()
        .filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("pk")
        .first()
    )
    if existing is None:
        user = User.objects.create_user(username=email, email=email, password=password, is_active=False)
        Account.objects.create(user=user, plan=selectors.plan_default())
        audit_record(kind="registered", client=client, user=user)
        _verification_mail(user=user, email=email, base_url=base_url, change=False)
        return user
    account = Account.objects.filter(user=existing).first()
    if not existing.is_active and (account is None or account.email_verified_at is None):
        existing.set_password(password)
        existing.save(update_fields=["password"])
        if account is None:
            Account.objects.create(user=existing, plan=selectors.plan_default())
        audit_record(kind="registered", client=client, user=existing, detail={"again": True})
        _verification_mail(user=existing, email=existing.email, base_url=base_url, change=False)
        return existing
    make_password(password)  # the same hashing work as a new account: the answer takes as long
    audit_record(kind="register_existing", client=client, user=existing)
    _existing_account_mail(user=existing, base_url=base_url)
    return existing


def _existing_account_mail(*, user: User, base_url: str) -> None:
    site = settings.MEDCODE_SITE_NAME
    root = base_url.rstrip("/")
    body = (
        f"Someone (we hope you) tried to register a {site} account with this address, but you already have one.\n\n"
        f"Log in: {root}{reverse('accounts:login')}\n"
        f"Forgot your password? Reset it: {root}{reverse('accounts:password_reset')}\n\n"
        "If it was not you, ignore this message: nothing has changed."
    )
    _mail_on_commit(to=user.email, subject=f"You already have a {site} account", body=body)


@transaction.atomic
def email_verify(*, token: str, client: Client) -> Verified:
    """Confirm a registration or an e-mail change from the signed link: the account takes the address the
    link was sent to (and no other) and becomes active; the link, and every earlier one, stops working."""
    User = get_user_model()
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
        user = User.objects.select_for_update().get(pk=int(data["u"]))
        email = str(data["e"])
        bound = str(data["h"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError):
        raise AccountError(MSG_BAD_TOKEN) from None
    if not constant_time_compare(bound, _verification_hash(user=user, email=email)):
        raise AccountError(MSG_BAD_TOKEN)
    changed = email.lower() != user.email.lower()
    if changed:
        if User.objects.filter(username__iexact=email).exclude(pk=user.pk).exists():
            raise AccountError(MSG_EMAIL_TAKEN.format(email=email))
        old = user.email
        user.email = user.username = email
        audit_record(kind="email_changed", client=client, user=user, detail={"old": old})
    activated = not user.is_active
    user.is_active = True
    user.save(update_fields=["email", "username", "is_active"])
    account, _ = Account.objects.select_for_update().get_or_create(
        user=user, defaults={"plan": selectors.plan_default()}
    )
    first = account.email_verified_at is None
    account.email_verified_at = timezone.now()  # part of every link's hash: this one and older ones expire
    account.save(update_fields=["email_verified_at"])
    if first:
        audit_record(kind="email_verified", client=client, user=user)
    return Verified(user=user, activated=activated)


def _recent(kind: str, *, since: dt.timedelta, email: str | None = None, ip: str | None = None) -> int:
    events = AuditEvent.objects.filter(kind=kind, at__gte=timezone.now() - since)
    if email is not None:
        events = events.filter(email__iexact=email)
    if ip is not None:
        events = events.filter(ip=ip)
    return events.count()


LOGIN_WINDOW = dt.timedelta(minutes=15)
IP_FACTOR = 4  # several people may share one address: the per-IP allowance is this many times the per-e-mail one


def login_check(*, email: str, password: str, client: Client) -> User:
    """The user these credentials belong to, or an error; failures are counted in the audit log and throttled.

    The attempt is recorded in its own transaction and the error raised after it commits, so that a
    failed attempt stays counted.
    """
    with transaction.atomic():
        user, error = _login_attempt(email=_normalize_email(email), password=password, client=client)
    if error is not None:
        raise error
    assert user is not None
    return user


def _login_attempt(*, email: str, password: str, client: Client) -> tuple[User | None, ApplicationError | None]:
    User = get_user_model()
    limit = settings.MEDCODE_LOGIN_FAILURES_PER_15_MIN
    if _recent("login_failed", since=LOGIN_WINDOW, email=email) >= limit or (
        client.ip and _recent("login_failed", since=LOGIN_WINDOW, ip=client.ip) >= limit * IP_FACTOR
    ):
        audit_record(kind="login_throttled", client=client, email=email)
        return None, Throttled(MSG_LOGIN_THROTTLED)
    user = User.objects.filter(username__iexact=email).first()
    if user is None:
        make_password(password)  # the same hashing work as a known user: timing does not tell who has an account
    if user is None or not user.check_password(password):
        audit_record(kind="login_failed", client=client, email=email, user=user)
        return None, AccountError(MSG_BAD_LOGIN)
    if not user.is_active:
        audit_record(kind="login_failed", client=client, email=email, user=user, detail={"reason": "not verified"})
        return None, AccountError(MSG_NOT_VERIFIED.format(email=user.email))
    audit_record(kind="login", client=client, user=user)
    return user, None


RESET_WINDOW = dt.timedelta(hours=1)


def password_reset_request(*, email: str, client: Client, base_url: str) -> None:
    """Mail a reset link if an active account has this e-mail; throttled per e-mail and per IP either way."""
    email = _normalize_email(email)
    limit = settings.MEDCODE_PASSWORD_RESETS_PER_HOUR
    with transaction.atomic():
        throttled = _recent("password_reset_requested", since=RESET_WINDOW, email=email) >= limit or bool(
            client.ip and _recent("password_reset_requested", since=RESET_WINDOW, ip=client.ip) >= limit * IP_FACTOR
        )
        if throttled:
            audit_record(kind="password_reset_throttled", client=client, email=email)
    if throttled:  # raised after the commit: the throttled attempt stays in the audit log
        raise Throttled(MSG_RESET_THROTTLED)
    _password_reset_send(email=email, client=client, base_url=base_url)


@transaction.atomic
def _password_reset_send(*, email: str, client: Client, base_url: str) -> None:
    """One message to the address in every case (a link, or why there is none): the same work and answer
    whether or not an account uses it."""
    User = get_user_model()
    user = User.objects.filter(username__iexact=email).first()
    audit_record(kind="password_reset_requested", client=client, email=email, user=user)
    site = settings.MEDCODE_SITE_NAME
    root = base_url.rstrip("/")
    if user is None or not user.is_active:
        why = (
            "an account registered with it was never confirmed: register again to get a new confirmation link"
            if user is not None
            else "no account uses it. You may have registered with another address"
        )
        body = f"Someone (we hope you) asked to reset the password of a {site} account for this address, but {why}.\n\nRegister: {root}{reverse('accounts:register')}\n\nIf it was not you, ignore this message."
        _mail_on_commit(to=email, subject=f"Reset your {site} password", body=body)
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = root + reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    body = f"Someone (we hope you) asked to reset the password of your {site} account.\n\nChoose a new password here:\n{link}\n\nThe link works once, for {settings.PASSWORD_RESET_TIMEOUT // 3600} hours. If it was not you, ignore this message: your password stays as it is."
    _mail_on_commit(to=user.email, subject=f"Reset your {site} password", body=body)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, client: Client) -> None:
    if not user.check_password(old_password):
        raise AccountError(MSG_WRONG_PASSWORD)
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(kind="password_changed", client=client, user=user)


@transaction.atomic
def email_change_request(*, user: User, new_email: str, password: str, client: Client, base_url: str) -> None:
    """Send a confirmation link to the new address; the e-mail changes when it is followed."""
    User = get_user_model()
    if not user.check_password(password):
        raise AccountError(MSG_WRONG_PASSWORD)
    new_email = _normalize_email(new_email)
    audit_record(kind="email_change_requested", client=client, user=user, detail={"new": new_email})
    if User.objects.filter(username__iexact=new_email).exclude(pk=user.pk).exists():
        # The same answer as for a free address (no enumeration): the address's owner is told instead.
        site = settings.MEDCODE_SITE_NAME
        body = f"Someone asked to move another {site} account to this address, but your account already uses it. Nothing has changed; if it was you, the address stays with this account."
        _mail_on_commit(to=new_email, subject=f"Your e-mail address at {site}", body=body)
        return
    _verification_mail(user=user, email=new_email, base_url=base_url, change=True)


@transaction.atomic
def account_delete(*, user: User, password: str, client: Client) -> None:
    """Delete the user and everything medcode holds about them; one anonymous audit event remains."""
    if not user.check_password(password):
        raise AccountError(MSG_WRONG_PASSWORD)
    user_id = user.pk
    MeterCounter.objects.filter(subject=f"account:{user_id}").delete()
    AuditEvent.objects.filter(user_id=user_id).delete()
    user.delete()  # cascades: account, favorites, notes, history, API keys
    audit_record(kind="account_deleted", client=client, detail={"user_id": user_id})


@transaction.atomic
def account_plan_change(*, user: User, plan: Plan, client: Client, by: User | None = None) -> Account:
    account, _ = Account.objects.select_for_update().get_or_create(user=user, defaults={"plan": plan})
    old = account.plan.slug if account.plan_id else None
    account.plan = plan
    account.save(update_fields=["plan"])
    from medcode.accounts import apikeys  # the keys' cached rate follows the new plan

    hashes = list(user.api_keys.values_list("key_hash", flat=True))

    def forget_keys() -> None:
        for key_hash in hashes:
            apikeys.api_key_forget(key_hash=key_hash)

    transaction.on_commit(forget_keys)
    audit_record(
        kind="plan_changed",
        client=client,
        user=user,
        detail={"old": old, "new": plan.slug, "by": by.get_username() if by is not None else "self"},
    )
    return account


def account_plan_choose(*, user: User, slug: str, client: Client) -> Account:
    """The upgrade page: a user switches to a self-service plan (only when the operator enables it)."""
    if not settings.MEDCODE_SELF_SERVICE_PLANS:
        raise AccountError(MSG_SELF_SERVICE_OFF)
    plan = Plan.objects.filter(slug=slug, self_service=True, is_guest=False).first()
    if plan is None:
        raise AccountError(MSG_UNKNOWN_PLAN.format(slug=slug))
    return account_plan_change(user=user, plan=plan, client=client)


def _canonical(system: str, code: str) -> tuple[str, str]:
    concept = codebook.concept_get(system=system, code=code)
    return concept.system, concept.code


@transaction.atomic
def favorite_add(*, user_id: int, system: str, code: str) -> Favorite:
    system, code = _canonical(system, code)
    favorite, _ = Favorite.objects.get_or_create(user_id=user_id, system=system, code=code)
    return favorite


@transaction.atomic
def favorite_remove(*, user_id: int, system: str, code: str) -> bool:
    system = codebook.system_normalize(system)
    deleted, _ = Favorite.objects.filter(user_id=user_id, system=system, code__iexact=code.strip()).delete()
    return deleted > 0


@transaction.atomic
def note_set(*, user_id: int, system: str, code: str, text: str) -> CodeNote:
    text = text.strip()
    if not text:
        raise AccountError(MSG_NOTE_EMPTY)
    if len(text) > NOTE_MAX_CHARS:
        raise AccountError(MSG_NOTE_TOO_LONG.format(count=len(text), limit=NOTE_MAX_CHARS))
    system, code = _canonical(system, code)
    note, _ = CodeNote.objects.update_or_create(user_id=user_id, system=system, code=code, defaults={"text": text})
    return note


@transaction.atomic
def note_delete(*, user_id: int, system: str, code: str) -> bool:
    system = codebook.system_normalize(system)
    deleted, _ = CodeNote.objects.filter(user_id=user_id, system=system, code__iexact=code.strip()).delete()
    return deleted > 0


@transaction.atomic
def search_record(*, user_id: int, query: str, system: str | None, source: str) -> SearchEntry:
    """Keep the search; a user's history holds their latest HISTORY_KEEP searches."""
    entry = SearchEntry.objects.create(user_id=user_id, query=query[:500], system=(system or "")[:16], source=source)
    stale = (
        SearchEntry.objects.filter(user_id=user_id).order_by("-at", "-id").values_list("id", flat=True)[HISTORY_KEEP:]
    )
    stale_ids = list(stale[:100])
    if stale_ids:
        SearchEntry.objects.filter(id__in=stale_ids).delete()
    return entry


@transaction.atomic
def history_clear(*, user_id: int) -> int:
    deleted, _ = SearchEntry.objects.filter(user_id=user_id).delete()
    return deleted


DEFAULT_PLANS: tuple[dict[str, object], ...] = (
    {
        "slug": "guest",
        "name": "Guest",
        "page_limit": 1,
        "ip_page_limit": 1,
        "is_guest": True,
        "position": 0,
        "consults_per_month": 3,
    },
    {
        "slug": "free",
        "name": "Free",
        "page_limit": 5,
        "is_default": True,
        "self_service": True,
        "position": 1,
        "consults_per_month": 10,
    },
    {
        "slug": "pro",
        "name": "Professional",
        "page_limit": None,
        "self_service": True,
        "position": 2,
        "api_rate_per_minute": 600,
        "consults_per_month": None,
    },
)


@transaction.atomic
def plan_defaults_ensure() -> list[Plan]:
    """Create the default plans that are missing (migration 0002 makes them; a flushed test database needs them again)."""
    from medcode.accounts.models import DEFAULT_LOCKED_SECTIONS

    plans = []
    for fields in DEFAULT_PLANS:
        locked = list(DEFAULT_LOCKED_SECTIONS) if fields["page_limit"] is not None else []
        plan, _ = Plan.objects.get_or_create(slug=fields["slug"], defaults={**fields, "locked_sections": locked})
        plans.append(plan)
    return plans
