"""Account services: register and verify, log-in throttling, reset, changes, deletion, personal data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail

from medcode.accounts import selectors, services
from medcode.accounts.errors import (
    MSG_BAD_LOGIN,
    MSG_BAD_TOKEN,
    MSG_LOGIN_THROTTLED,
    MSG_RESET_THROTTLED,
    MSG_SELF_SERVICE_OFF,
    MSG_WRONG_PASSWORD,
    AccountError,
    Throttled,
)
from medcode.accounts.models import Account, ApiKey, AuditEvent, CodeNote, Favorite, MeterCounter, Plan, SearchEntry
from medcode.accounts.services import Client
from medcode.accounts.tests.factories import PASSWORD, api_key_for, make_account
from medcode.codebook import store
from medcode.core.errors import CodeNotFound

pytestmark = pytest.mark.django_db
HERE = Client(ip="192.0.2.10", user_agent="pytest")
BASE = "http://testserver/"


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver(/account/\S+)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_register_sends_a_verification_link_and_the_account_is_inactive_until_followed(
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        user = services.account_register(email="Ann@Example.ORG", password=PASSWORD, client=HERE, base_url=BASE)
    assert user.username == user.email == "Ann@example.org" and not user.is_active
    assert user.account.plan.slug == "free"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Ann@example.org"]
    token = _link(mail.outbox[0]).split("/")[-2]
    with pytest.raises(AccountError, match=MSG_BAD_LOGIN.split(" ")[0]):
        services.login_check(email="ann@example.org", password="wrong password!", client=HERE)
    with pytest.raises(AccountError, match="Confirm your e-mail"):
        services.login_check(email="ann@example.org", password=PASSWORD, client=HERE)
    verified = services.email_verify(token=token, client=HERE).user
    assert verified.is_active and Account.objects.get(user=verified).email_verified_at is not None
    assert services.login_check(email="ANN@example.org", password=PASSWORD, client=HERE).pk == user.pk
    kinds = list(AuditEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))
    assert kinds == ["registered", "login_failed", "login_failed", "email_verified", "login"]


def test_register_with_a_taken_email_tells_its_owner_and_refuses_a_weak_password(
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    owner = make_account(user__email="taken@example.org", user__username="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        same = services.account_register(email="TAKEN@example.org", password=PASSWORD, client=HERE, base_url=BASE)
    assert same.pk == owner.user.pk and [m.to for m in mail.outbox] == [["taken@example.org"]]
    assert AuditEvent.objects.filter(user=owner.user, kind="register_existing").count() == 1
    with pytest.raises(AccountError, match=r"too short|too common"):
        services.account_register(email="new@example.org", password="password", client=HERE, base_url=BASE)
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_tampered_or_stale_verification_link_is_refused() -> None:
    with pytest.raises(AccountError) as bad:
        services.email_verify(token="not-a-token", client=HERE)
    assert bad.value.message == MSG_BAD_TOKEN


def test_failed_logins_are_throttled_per_email(settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_LOGIN_FAILURES_PER_15_MIN = 3  # type: ignore[attr-defined]
    account = make_account()
    for _ in range(3):
        with pytest.raises(AccountError):
            services.login_check(email=account.user.email, password="nope nope nope", client=HERE)
    with pytest.raises(Throttled) as throttled:
        services.login_check(email=account.user.email, password=PASSWORD, client=HERE)
    assert throttled.value.message == MSG_LOGIN_THROTTLED and throttled.value.status == 429
    assert AuditEvent.objects.filter(kind="login_throttled", email=account.user.email).count() == 1


def test_failed_logins_are_throttled_per_ip_across_emails(settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_LOGIN_FAILURES_PER_15_MIN = 1  # type: ignore[attr-defined]
    for n in range(services.IP_FACTOR):
        with pytest.raises(AccountError):
            services.login_check(email=f"guess{n}@example.org", password="x" * 12, client=HERE)
    with pytest.raises(Throttled):
        services.login_check(email="someone-else@example.org", password="x" * 12, client=HERE)
    elsewhere = Client(ip="198.51.100.7")
    with pytest.raises(AccountError):
        services.login_check(email="someone-else@example.org", password="x" * 12, client=elsewhere)


def test_password_reset_mails_a_link_only_to_existing_accounts_and_is_throttled(
    settings: pytest.FixtureRequest, django_capture_on_commit_callbacks: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_PASSWORD_RESETS_PER_HOUR = 2  # type: ignore[attr-defined]
    account = make_account()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.password_reset_request(email="nobody@example.org", client=HERE, base_url=BASE)
        services.password_reset_request(email=account.user.email, client=HERE, base_url=BASE)
    assert [m.to for m in mail.outbox] == [["nobody@example.org"], [account.user.email]]
    assert "/account/password-reset/" not in str(mail.outbox[0].body)
    assert "/account/password-reset/" in _link(mail.outbox[1])
    services.password_reset_request(email=account.user.email, client=HERE, base_url=BASE)
    with pytest.raises(Throttled) as throttled:
        services.password_reset_request(email=account.user.email, client=HERE, base_url=BASE)
    assert throttled.value.message == MSG_RESET_THROTTLED


def test_password_change_checks_the_old_one() -> None:
    account = make_account()
    with pytest.raises(AccountError) as wrong:
        services.password_change(
            user=account.user, old_password="bad", new_password="a new long passphrase", client=HERE
        )
    assert wrong.value.message == MSG_WRONG_PASSWORD
    services.password_change(
        user=account.user, old_password=PASSWORD, new_password="a new long passphrase", client=HERE
    )
    account.user.refresh_from_db()
    assert account.user.check_password("a new long passphrase")


def test_email_change_takes_effect_when_the_new_address_confirms(
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    account = make_account()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.email_change_request(
            user=account.user, new_email="moved@example.org", password=PASSWORD, client=HERE, base_url=BASE
        )
    assert mail.outbox[0].to == ["moved@example.org"]
    account.user.refresh_from_db()
    assert account.user.email != "moved@example.org"
    services.email_verify(token=_link(mail.outbox[0]).split("/")[-2], client=HERE)
    account.user.refresh_from_db()
    assert account.user.email == account.user.username == "moved@example.org"
    assert AuditEvent.objects.filter(user=account.user, kind="email_changed").exists()


def test_delete_removes_every_trace_but_one_anonymous_event(default_codebook: Path) -> None:
    store.forget()
    account = make_account()
    user = account.user
    services.favorite_add(user_id=user.pk, system="icd10cm", code="E11.42")
    services.note_set(user_id=user.pk, system="icd10cm", code="e1142", text="check the neuropathy")
    services.search_record(user_id=user.pk, query="diabetes", system=None, source="web")
    api_key_for(user)
    MeterCounter.objects.create(subject=f"account:{user.pk}", period="2026-11-01", count=3)
    with pytest.raises(AccountError):
        services.account_delete(user=user, password="wrong", client=HERE)
    services.account_delete(user=user, password=PASSWORD, client=HERE)
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Account, Favorite, CodeNote, SearchEntry, ApiKey):
        assert model.objects.count() == 0, model
    assert not MeterCounter.objects.filter(subject=f"account:{user.pk}").exists()
    events = list(AuditEvent.objects.all())
    assert [(e.kind, e.email, e.user_id) for e in events] == [("account_deleted", "", None)]


def test_plan_change_by_staff_is_audited_and_self_service_obeys_the_setting(settings: pytest.FixtureRequest) -> None:
    account = make_account()
    staff = make_account(user__is_staff=True).user
    services.account_plan_change(user=account.user, plan=Plan.objects.get(slug="pro"), client=HERE, by=staff)
    event = AuditEvent.objects.get(kind="plan_changed")
    assert event.detail == {"old": "free", "new": "pro", "by": staff.username}
    settings.MEDCODE_SELF_SERVICE_PLANS = False  # type: ignore[attr-defined]
    with pytest.raises(AccountError) as off:
        services.account_plan_choose(user=account.user, slug="free", client=HERE)
    assert off.value.message == MSG_SELF_SERVICE_OFF
    settings.MEDCODE_SELF_SERVICE_PLANS = True  # type: ignore[attr-defined]
    assert services.account_plan_choose(user=account.user, slug="free", client=HERE).plan.slug == "free"
    with pytest.raises(AccountError):
        services.account_plan_choose(user=account.user, slug="guest", client=HERE)


def test_favorites_and_notes_store_the_canonical_code(default_codebook: Path) -> None:
    store.forget()
    user = make_account().user
    assert services.favorite_add(user_id=user.pk, system="ICD-10-CM", code="e1142").code == "E11.42"
    services.favorite_add(user_id=user.pk, system="icd10cm", code="E11.42")
    assert [f.code for f in selectors.favorite_list(user_id=user.pk)] == ["E11.42"]
    with pytest.raises(CodeNotFound):
        services.favorite_add(user_id=user.pk, system="icd10cm", code="E11.99999")
    note = services.note_set(user_id=user.pk, system="icd10pcs", code="0dtj4zz", text="  laparoscopic  ")
    assert (note.code, note.text) == ("0DTJ4ZZ", "laparoscopic")
    services.note_set(user_id=user.pk, system="icd10pcs", code="0DTJ4ZZ", text="replaced")
    assert [n.text for n in selectors.note_list(user_id=user.pk)] == ["replaced"]
    assert services.note_delete(user_id=user.pk, system="icd10pcs", code="0DTJ4ZZ")
    assert services.favorite_remove(user_id=user.pk, system="icd10cm", code="E11.42")


def test_search_history_keeps_the_latest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "HISTORY_KEEP", 3)
    user = make_account().user
    for n in range(5):
        services.search_record(user_id=user.pk, query=f"q{n}", system="icd10cm", source="api")
    assert [s.query for s in selectors.history_list(user_id=user.pk)] == ["q4", "q3", "q2"]
    assert services.history_clear(user_id=user.pk) == 3
