"""Account enumeration: log-in, register and password reset answer alike, in the same time, for every address."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.test import Client

from medcode.accounts import services
from medcode.accounts.errors import MSG_BAD_LOGIN, AccountError
from medcode.accounts.services import Client as Origin
from medcode.accounts.tests.factories import PASSWORD, make_account

pytestmark = pytest.mark.django_db
TAKEN = "taken@example.org"
FREE = "free@example.org"


class SlowHasher(PBKDF2PasswordHasher):
    """A hasher slow enough (tens of ms) that skipping it shows in the timing, as argon2 does in production."""

    algorithm = "pbkdf2_sha256_slow"
    iterations = 100_000


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text without what differs by design between two requests (CSRF token, the address)."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(TAKEN, "ADDRESS").replace(FREE, "ADDRESS")


def _post(path: str, data: dict[str, str], capture) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR="192.0.2.60")
    with capture(execute=True):
        response = client.post(path, data, follow=True)
    location = "".join(url for url, _ in response.redirect_chain)
    return response.status_code, location, _page(response)


def test_register_answers_the_same_for_a_taken_address_and_mails_its_owner(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = make_account(user__email=TAKEN, user__username=TAKEN)
    taken = _post(
        "/account/register/", {"email": TAKEN, "password": "a brand new passphrase"}, django_capture_on_commit_callbacks
    )
    new = _post(
        "/account/register/", {"email": FREE, "password": "a brand new passphrase"}, django_capture_on_commit_callbacks
    )
    assert taken == new and taken[0] == 200 and "Check your e-mail" in taken[2]
    notice, link = mail.outbox
    assert (
        notice.to == [TAKEN] and "/account/verify/" not in str(notice.body) and "already have one" in str(notice.body)
    )
    assert link.to == [FREE] and "/account/verify/" in str(link.body)
    owner.user.refresh_from_db()
    assert owner.user.check_password(PASSWORD) and owner.user.is_active  # the owner's account is untouched


def test_register_again_over_an_unconfirmed_registration_replaces_it(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = services.account_register(
            email=FREE, password="the first passphrase", client=Origin(), base_url="http://testserver/"
        )
        second = services.account_register(
            email=FREE, password="the second passphrase", client=Origin(), base_url="http://testserver/"
        )
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.check_password("the second passphrase") and not second.is_active
    old_link, new_link = (re.search(r"/account/verify/(\S+)/", str(m.body)).group(1) for m in mail.outbox)  # type: ignore[union-attr]
    with pytest.raises(AccountError):
        services.email_verify(token=old_link, client=Origin())
    assert services.email_verify(token=new_link, client=Origin()).user.pk == first.pk


def test_password_reset_answers_and_mails_alike_for_known_and_unknown_addresses(
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_account(user__email=TAKEN, user__username=TAKEN)
    taken = _post("/account/password-reset/", {"email": TAKEN}, django_capture_on_commit_callbacks)
    unknown = _post("/account/password-reset/", {"email": FREE}, django_capture_on_commit_callbacks)
    assert taken == unknown and taken[0] == 200
    assert [m.to for m in mail.outbox] == [[TAKEN], [FREE]]  # one message each: the same work for both
    assert "/account/password-reset/" in str(mail.outbox[0].body) and "no account uses it" in str(mail.outbox[1].body)


def test_log_in_answers_alike_and_as_slowly_for_an_unknown_address_and_a_wrong_password(
    settings: pytest.FixtureRequest, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher"]  # type: ignore[attr-defined]
    make_account(user__email=TAKEN, user__username=TAKEN)
    wrong_page = _post(
        "/account/login/", {"email": TAKEN, "password": "not the password"}, django_capture_on_commit_callbacks
    )
    unknown_page = _post(
        "/account/login/", {"email": FREE, "password": "not the password"}, django_capture_on_commit_callbacks
    )
    assert wrong_page == unknown_page and MSG_BAD_LOGIN in wrong_page[2]

    runs: dict[str, list[float]] = {TAKEN: [], FREE: []}
    for n in range(4):  # alternated, and the fastest of each kept: other load on the machine only adds time
        for email in (TAKEN, FREE):
            started = time.perf_counter()
            with pytest.raises(AccountError):
                services.login_check(email=email, password=f"wrong password {n}", client=Origin(ip=f"192.0.2.{n}"))
            runs[email].append(time.perf_counter() - started)
    known, unknown = min(runs[TAKEN]), min(runs[FREE])
    assert known > 0.01, "the slow hasher is not in use"
    assert unknown > 0.5 * known, f"unknown address {unknown * 1000:.1f} ms, known address {known * 1000:.1f} ms"
