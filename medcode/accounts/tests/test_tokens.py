"""Verification links: single-use, valid for hours, bound to the address and the password, never a revert."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from medcode.accounts import services
from medcode.accounts.errors import MSG_BAD_TOKEN, AccountError
from medcode.accounts.models import Account
from medcode.accounts.services import Client
from medcode.accounts.tests.factories import PASSWORD, make_account

pytestmark = pytest.mark.django_db
HERE = Client(ip="192.0.2.10", user_agent="pytest")
BASE = "http://testserver/"


def _token(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver/account/verify/(\S+)/", str(message.body))
    assert found, message.body
    return found.group(1)


def _refused(token: str) -> None:
    with pytest.raises(AccountError) as refused:
        services.email_verify(token=token, client=HERE)
    assert refused.value.message == MSG_BAD_TOKEN


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run a service and return the token of the verification link it mailed."""

    def run(service, **kwargs) -> str:  # type: ignore[no-untyped-def]
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            service(client=HERE, base_url=BASE, **kwargs)
        assert len(mail.outbox) == before + 1
        return _token(mail.outbox[-1])

    return run


def test_a_registration_link_works_once(mailed) -> None:  # type: ignore[no-untyped-def]
    token = mailed(services.account_register, email="ann@example.org", password=PASSWORD)
    assert services.email_verify(token=token, client=HERE).activated
    _refused(token)


def test_a_link_expires_after_hours_not_days(mailed, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - services.VERIFY_MAX_AGE - 60)
    assert services.VERIFY_MAX_AGE <= 6 * 3600
    token = mailed(services.account_register, email="ann@example.org", password=PASSWORD)
    monkeypatch.setattr(time, "time", real)
    _refused(token)


def test_a_password_change_invalidates_an_e_mail_change_link(mailed) -> None:  # type: ignore[no-untyped-def]
    account = make_account()
    token = mailed(services.email_change_request, user=account.user, new_email="new@example.org", password=PASSWORD)
    services.password_change(
        user=account.user, old_password=PASSWORD, new_password="another long passphrase", client=HERE
    )
    _refused(token)
    account.user.refresh_from_db()
    assert account.user.email != "new@example.org"


def test_a_newer_e_mail_change_invalidates_older_links_and_nothing_reverts(mailed) -> None:  # type: ignore[no-untyped-def]
    registered = mailed(services.account_register, email="ann@example.org", password=PASSWORD)
    user = services.email_verify(token=registered, client=HERE).user
    to_b = mailed(services.email_change_request, user=user, new_email="b@example.org", password=PASSWORD)
    to_c = mailed(services.email_change_request, user=user, new_email="c@example.org", password=PASSWORD)
    confirmed = services.email_verify(token=to_c, client=HERE)
    assert confirmed.user.email == "c@example.org" and not confirmed.activated
    _refused(to_b)  # the older change link no longer moves the account to b@
    _refused(registered)  # and the registration link does not move it back to ann@
    user.refresh_from_db()
    assert user.email == user.username == "c@example.org"


def test_a_link_is_bound_to_the_address_it_was_sent_to(mailed) -> None:  # type: ignore[no-untyped-def]
    account = make_account()
    token = mailed(services.email_change_request, user=account.user, new_email="mine@example.org", password=PASSWORD)
    from django.core import signing

    data = signing.loads(token, salt=services.VERIFY_SALT)
    swapped = signing.dumps({**data, "e": "attacker@example.net"}, salt=services.VERIFY_SALT, compress=True)
    _refused(swapped)  # even re-signed with the server's own key, the hash binds the address
    assert services.email_verify(token=token, client=HERE).user.email == "mine@example.org"


def test_a_deactivated_account_is_not_reactivated_by_an_old_link(mailed) -> None:  # type: ignore[no-untyped-def]
    account = make_account()
    token = mailed(services.email_change_request, user=account.user, new_email="new@example.org", password=PASSWORD)
    account.user.is_active = False
    account.user.save(update_fields=["is_active"])
    _refused(token)
    assert not Account.objects.get(pk=account.pk).user.is_active
