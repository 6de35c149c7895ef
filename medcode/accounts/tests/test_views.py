"""Account pages and the hooks on code and search pages, through Django's test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from medcode.accounts.models import ApiKey, AuditEvent, CodeNote, Favorite, Plan, SearchEntry
from medcode.accounts.tests.factories import PASSWORD, api_key_for, make_account
from medcode.codebook import store

pytestmark = pytest.mark.django_db
PAGES = [
    "/codes/icd10cm/E11.42/",
    "/codes/icd10cm/I10/",
    "/codes/icd10cm/E11.9/",
    "/codes/icd10cm/J45.909/",
    "/codes/icd10cm/S72.001A/",
    "/codes/icd10cm/R51.9/",
    "/codes/icd10cm/Z00.00/",
]


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client(REMOTE_ADDR="192.0.2.50")


def _logged_in(client: Client, plan: str = "free") -> Client:
    account = make_account(plan=Plan.objects.get(slug=plan))
    client.force_login(account.user)
    return client


@pytest.mark.usefixtures("metering_on")
def test_a_guest_sees_one_code_page_then_register_to_view_content(client: Client) -> None:
    first = client.get(PAGES[0])
    html = first.content.decode()
    assert first.status_code == 200 and "Excludes1" in html and "Register to view content" not in html
    assert "medcode_device" in first.cookies
    banner = " ".join(html.split('data-testid="meter-banner"')[1].split("</p>")[0].split())
    assert "this is your free code page this month" in banner and " of 1" not in banner
    assert "Register a free account</a> to get 5 more views each month" in banner
    second = client.get(PAGES[1]).content.decode()
    assert 'data-locked="explanation"' in second
    assert second.count("Register to view content") >= 2 and "In plain language" in second
    assert "History across releases" in second  # not locked by default
    assert "generated" not in second.split("In plain language")[1][:200]  # the explanation itself is hidden
    again = client.get(PAGES[0]).content.decode()
    assert again.count("Register to view content") == 0  # the page already seen
    banner = " ".join(again.split('data-testid="meter-banner"')[1].split("</p>")[0].split())
    assert "pages you already opened stay open" in banner and "0 of 1" not in banner, banner


@pytest.mark.usefixtures("metering_on")
def test_locked_sections_do_not_leak_their_content(client: Client) -> None:
    client.get(PAGES[1])
    html = client.get("/codes/icd10cm/E11.42/").content.decode()
    assert "Excludes1" not in html and "Register to view content" in html


@pytest.mark.usefixtures("metering_on")
def test_a_free_account_gets_five_pages_then_upgrade_to_view_content(client: Client) -> None:
    _logged_in(client)
    for n, page in enumerate(PAGES[:5], start=1):
        assert f"{n} of 5 code pages" in client.get(page).content.decode()
    sixth = client.get(PAGES[5]).content.decode()
    assert "Upgrade to view content" in sixth and "Register to view content" not in sixth
    assert "5 of 5" in client.get("/account/").content.decode()


@pytest.mark.usefixtures("metering_on")
def test_not_found_and_redirects_are_not_counted(client: Client) -> None:
    assert client.get("/codes/icd10cm/E11.99999/").status_code == 404
    assert client.get("/codes/icd10cm/e1142/").status_code == 302
    assert "Register to view content" not in client.get(PAGES[0]).content.decode()


def test_metering_off_shows_everything(client: Client) -> None:
    for page in PAGES[:3]:
        html = client.get(page).content.decode()
        assert "Register to view content" not in html and "code page" not in html.split("<main")[1][:300]


def test_register_verify_and_land_on_the_account_page(client: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/register/", {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/register/sent/"
    assert "new@example.org" in client.get("/account/register/sent/").content.decode()
    link = re.search(r"http://testserver(/account/verify/\S+)", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    followed = client.get(link, follow=True)
    assert followed.redirect_chain[-1][0] == "/account/" and "new@example.org" in followed.content.decode()
    assert "is confirmed" in followed.content.decode()


def test_login_errors_are_shown_and_throttled(client: Client, settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_LOGIN_FAILURES_PER_15_MIN = 2  # type: ignore[attr-defined]
    account = make_account()
    for _ in range(2):
        bad = client.post("/account/login/", {"email": account.user.email, "password": "wrong wrong"})
        assert bad.status_code == 400 and "E-mail or password is not right" in bad.content.decode()
    throttled = client.post("/account/login/", {"email": account.user.email, "password": PASSWORD})
    assert throttled.status_code == 429 and "Too many failed log-ins" in throttled.content.decode()


def test_login_follows_a_safe_next_only(client: Client) -> None:
    account = make_account()
    ok = client.post("/account/login/", {"email": account.user.email, "password": PASSWORD, "next": "/account/notes/"})
    assert ok["Location"] == "/account/notes/"
    client.post("/account/logout/")
    evil = client.post(
        "/account/login/", {"email": account.user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/account/"


def test_logout_needs_post_and_csrf() -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    account = make_account()
    csrf_client.force_login(account.user)
    assert csrf_client.get("/account/logout/").status_code == 405
    assert csrf_client.post("/account/logout/").status_code == 403


def test_password_reset_by_email(client: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    account = make_account()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/account/password-reset/", {"email": account.user.email})
    assert "on its way" in sent.content.decode()
    link = re.search(r"http://testserver(/account/password-reset/\S+)", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another good passphrase", "new_password2": "another good passphrase"},
    )
    assert done.status_code == 302
    account.user.refresh_from_db()
    assert account.user.check_password("another good passphrase")
    assert AuditEvent.objects.filter(user=account.user, kind="password_reset").exists()


def test_account_pages_need_a_login(client: Client) -> None:
    for path in ("/account/", "/account/favorites/", "/account/notes/", "/account/history/", "/account/delete/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), path


def test_api_keys_are_created_shown_once_and_revoked(client: Client) -> None:
    _logged_in(client)
    created = client.post("/account/keys/", {"name": "EHR", "scopes": ["read"]}, follow=True).content.decode()
    secret = re.search(r'data-testid="new-key">(mc_[\w-]+)<', created).group(1)  # type: ignore[union-attr]
    key = ApiKey.objects.get()
    assert key.prefix == secret[:11] and key.key_hash != secret and key.scopes == ["read"]
    assert secret not in client.get("/account/").content.decode()
    client.post(f"/account/keys/{key.id}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None
    other = make_account()
    foreign, _ = api_key_for(other.user)
    assert client.post(f"/account/keys/{foreign.id}/revoke/").status_code == 400


def test_change_password_and_email_from_the_account_page(client: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    _logged_in(client)
    bad = client.post("/account/password/", {"old_password": "nope", "new_password": "whatever whatever"})
    assert bad.status_code == 400 and "current password is not right" in bad.content.decode()
    ok = client.post("/account/password/", {"old_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert ok.status_code == 302 and client.get("/account/").status_code == 200  # still logged in
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/email/", {"new_email": "other@example.org", "password": "a brand new passphrase"})
    assert mail.outbox[-1].to == ["other@example.org"]


def test_favorites_notes_and_history_from_pages(client: Client) -> None:
    _logged_in(client)
    page = client.get(PAGES[0]).content.decode()
    assert "Add to favorites" in page and "My note on E11.42" in page
    client.post("/account/favorites/icd10cm/E11.42/", {"action": "add", "next": PAGES[0]})
    client.post("/account/notes/icd10cm/E11.42/", {"text": "Check foot exam", "next": PAGES[0]})
    page = client.get(PAGES[0]).content.decode()
    assert "Remove from favorites" in page and "Check foot exam" in page
    assert "E11.42" in client.get("/account/favorites/").content.decode()
    assert "Check foot exam" in client.get("/account/notes/").content.decode()
    client.get("/search/", {"q": "diabetes neuropathy", "system": "icd10cm"})
    client.get("/search/", {"q": "E11.42"})  # goes straight to the page: a redirect, still a search? not recorded
    history = client.get("/account/history/").content.decode()
    assert "diabetes neuropathy" in history
    assert list(SearchEntry.objects.values_list("query", "source")) == [("diabetes neuropathy", "web")]
    client.post("/account/history/")
    assert not SearchEntry.objects.exists()
    client.post("/account/notes/icd10cm/E11.42/", {"action": "delete"})
    client.post("/account/favorites/icd10cm/E11.42/", {"action": "remove"})
    assert not Favorite.objects.exists() and not CodeNote.objects.exists()


def _titles(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r'data-testid="title">(.*?)</td>', html, re.S)
    ]


def test_favorites_notes_and_history_show_titles_beside_codes(client: Client) -> None:
    _logged_in(client)
    client.post("/account/favorites/icd10cm/E11.42/", {"action": "add"})
    client.post("/account/favorites/hcpcs/J2680/", {"action": "add"})
    client.post("/account/notes/icd10cm/I10/", {"text": "Check the blood pressure log"})
    client.get("/search/", {"q": "e11.42", "go": "0"})  # a code searched without going to its page
    client.get("/search/", {"q": "diabetes neuropathy"})
    favorites = _titles(client.get("/account/favorites/").content.decode())
    assert len(favorites) == 2 and "Type 2 diabetes mellitus with diabetic polyneuropathy" in favorites, favorites
    assert any("fluphenazine decanoate" in title.lower() for title in favorites), favorites  # HCPCS J2680
    notes = _titles(client.get("/account/notes/").content.decode())
    assert notes == ["Essential (primary) hypertension ICD-10-CM"], notes
    history = _titles(client.get("/account/history/").content.decode())
    assert history == ["words, not one code", "E11.42 Type 2 diabetes mellitus with diabetic polyneuropathy"], history


def test_guests_searches_are_not_recorded(client: Client) -> None:
    client.get("/search/", {"q": "fracture"})
    assert not SearchEntry.objects.exists()


def test_rest_searches_with_a_key_go_into_the_history(client: Client) -> None:
    account = make_account()
    _, secret = api_key_for(account.user, scopes=("read",))
    assert client.get("/api/v1/search", {"q": "asthma"}, headers={"X-API-Key": secret}).status_code == 200
    client.get("/api/v1/search", {"q": "anonymous"})
    assert list(SearchEntry.objects.values_list("query", "source", "user_id")) == [("asthma", "api", account.user.pk)]


def test_upgrade_page_lists_plans_and_switches_with_self_service(
    client: Client, settings: pytest.FixtureRequest
) -> None:
    settings.MEDCODE_SELF_SERVICE_PLANS = True  # type: ignore[attr-defined]
    assert "Professional" in client.get("/account/upgrade/").content.decode()
    _logged_in(client)
    assert "Switch to Professional" in client.get("/account/upgrade/").content.decode()
    client.post("/account/upgrade/", {"plan": "pro"})
    assert 'badge sys">Professional' in client.get("/account/").content.decode()
    settings.MEDCODE_SELF_SERVICE_PLANS = False  # type: ignore[attr-defined]
    assert "Ask the staff" in client.get("/account/upgrade/").content.decode()
    assert client.post("/account/upgrade/", {"plan": "free"}).status_code == 400


def test_delete_account_page(client: Client) -> None:
    _logged_in(client)
    wrong = client.post("/account/delete/", {"password": "nope"})
    assert wrong.status_code == 200 and "current password is not right" in wrong.content.decode()
    gone = client.post("/account/delete/", {"password": PASSWORD}, follow=True)
    assert "have been deleted" in gone.content.decode()
    assert client.get("/account/").status_code == 302


def test_staff_change_a_plan_in_the_admin_and_it_is_audited(client: Client) -> None:
    staff = make_account(user__is_staff=True, user__is_superuser=True).user
    member = make_account()
    client.force_login(staff)
    url = f"/admin/accounts/account/{member.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"user": member.user.pk, "plan": Plan.objects.get(slug="pro").pk})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.plan.slug == "pro"
    assert AuditEvent.objects.get(kind="plan_changed").detail["by"] == staff.username
