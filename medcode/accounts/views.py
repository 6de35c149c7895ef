"""Account pages: register, verify, log in and out, reset, change, delete, upgrade, API keys, favorites, notes, history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from medcode.accounts import apikeys, forms, metering, selectors, services
from medcode.accounts.errors import AccountError, Throttled
from medcode.accounts.http import client_of
from medcode.accounts.models import Account
from medcode.core.errors import ApplicationError

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _uid(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


def _form_error(form: Form, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)


def register(request: HttpRequest) -> HttpResponse:
    """Create an account; a link to confirm the e-mail is sent."""
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client=client_of(request),
                base_url=_base_url(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            request.session["registered_email"] = form.cleaned_data["email"]
            return redirect("accounts:register_sent")
    return render(request, "accounts/register.html", {"form": form})


def register_sent(request: HttpRequest) -> HttpResponse:
    """Tell the new user to look for the confirmation e-mail."""
    return render(request, "accounts/register_sent.html", {"email": request.session.get("registered_email", "")})


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Follow the e-mail link: the address is confirmed; a new account is activated and logged in."""
    try:
        verified = services.email_verify(token=token, client=client_of(request))
    except AccountError as exc:
        return render(request, "web/error.html", {"status": 400, "message": exc.message}, status=400)
    user = verified.user
    if verified.activated and not request.user.is_authenticated:
        login(request, user, backend=AUTH_BACKEND)  # the registration's own link: log the new user in once
    messages.success(request, f"Your e-mail address {user.email} is confirmed.")
    return redirect("accounts:account")


def login_view(request: HttpRequest) -> HttpResponse:
    """Log in by e-mail and password (failures are throttled)."""
    form = forms.LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"], client=client_of(request)
            )
        except (AccountError, Throttled) as exc:
            _form_error(form, exc)
            status = exc.status
        else:
            login(request, user, backend=AUTH_BACKEND)
            return HttpResponseRedirect(_next(request, reverse("accounts:account")))
    return render(request, "accounts/login.html", {"form": form, "next": _next(request, "")}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out (POST only, with the CSRF token)."""
    if request.user.is_authenticated:
        services.audit_record(kind="logout", client=client_of(request), user=request.user)
    logout(request)
    return redirect("web:home")


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a password reset link by e-mail (throttled; says the same whether or not the account exists)."""
    form = forms.ResetRequestForm(request.POST or None)
    sent = False
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"], client=client_of(request), base_url=_base_url(request)
            )
            sent = True
        except Throttled as exc:
            _form_error(form, exc)
            status = exc.status
    return render(request, "accounts/password_reset.html", {"form": form, "sent": sent}, status=status)


class PasswordResetConfirm(PasswordResetConfirmView):
    """Choose a new password from the e-mailed link (Django's token check), then log in."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:account")
    post_reset_login = True
    post_reset_login_backend = AUTH_BACKEND

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.audit_record(kind="password_reset", client=client_of(self.request), user=form.user)
        messages.success(self.request, "Your password has been changed.")
        return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Your account: plan and this month's use, e-mail, password, API keys, recent events, delete."""
    return _account_page(request)


def _account_page(request: HttpRequest, **forms_in: Form) -> HttpResponse:
    user = request.user
    acct = selectors.account_for(user)
    plan = acct.plan if acct is not None else selectors.plan_for(user)
    context = {
        "acct": acct,
        "plan": plan,
        "used": metering.usage_get(user_id=_uid(request)),
        "metering": settings.MEDCODE_METERING,
        "email_form": forms_in.get("email_form") or forms.EmailChangeForm(),
        "password_form": forms_in.get("password_form") or forms.PasswordChangeForm(),
        "key_form": forms_in.get("key_form") or forms.ApiKeyForm(),
        "keys": selectors.api_key_list(user_id=_uid(request)),
        "new_key": request.session.pop("new_api_key", None),
        "events": selectors.audit_list(user_id=_uid(request), limit=20),
    }
    return render(request, "accounts/account.html", context, status=400 if forms_in else 200)


@login_required
@require_POST
def email_change(request: HttpRequest) -> HttpResponse:
    """Change the e-mail: a link to confirm goes to the new address."""
    form = forms.EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            services.email_change_request(
                user=request.user,  # type: ignore[arg-type]
                new_email=form.cleaned_data["new_email"],
                password=form.cleaned_data["password"],
                client=client_of(request),
                base_url=_base_url(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.info(
                request, f"We sent a link to {form.cleaned_data['new_email']}: follow it to confirm the change."
            )
            return redirect("accounts:account")
    return _account_page(request, email_form=form)


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the password (the session stays logged in)."""
    form = forms.PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            services.password_change(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                client=client_of(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, "Your password has been changed.")
            return redirect("accounts:account")
    return _account_page(request, password_form=form)


@login_required
@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    """Create an API key; its secret is shown once."""
    form = forms.ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, raw = apikeys.api_key_create(
                user_id=_uid(request),
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                client=client_of(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            request.session["new_api_key"] = {"name": key.name, "secret": raw}
            return redirect(reverse("accounts:account") + "#keys")
    return _account_page(request, key_form=form)


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    """Revoke an API key at once."""
    key = apikeys.api_key_revoke(user_id=_uid(request), key_id=key_id, client=client_of(request))
    messages.success(request, f"API key {key.name} ({key.prefix}…) is revoked.")
    return redirect(reverse("accounts:account") + "#keys")


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    """Delete the account and all its data, after the password is confirmed."""
    form = forms.DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(
                user=request.user,  # type: ignore[arg-type]
                password=form.cleaned_data["password"],
                client=client_of(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            logout(request)
            messages.success(request, "Your account and all its data have been deleted.")
            return redirect("web:home")
    return render(request, "accounts/delete.html", {"form": form})


def upgrade(request: HttpRequest) -> HttpResponse:
    """The plans; with self-service on, a logged-in user switches plan here (no payments)."""
    current: Account | None = selectors.account_for(request.user)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(reverse("accounts:login") + "?next=" + reverse("accounts:upgrade"))
        chosen = services.account_plan_choose(
            user=request.user,
            slug=request.POST.get("plan", ""),
            client=client_of(request),
        )
        messages.success(request, f"You are now on the {chosen.plan.name} plan.")
        return redirect(_next(request, reverse("accounts:account")))
    return render(
        request,
        "accounts/upgrade.html",
        {
            "plans": selectors.plan_list(),
            "guest": selectors.plan_guest(),
            "current": current.plan if current is not None else None,
            "self_service": settings.MEDCODE_SELF_SERVICE_PLANS,
        },
    )


@login_required
def favorites(request: HttpRequest) -> HttpResponse:
    """Your favorite codes."""
    return render(request, "accounts/favorites.html", {"items": selectors.favorite_list_titled(user_id=_uid(request))})


@login_required
@require_POST
def favorite_toggle(request: HttpRequest, system: str, code: str) -> HttpResponse:
    """Add a code to favorites, or remove it."""
    if request.POST.get("action") == "remove":
        services.favorite_remove(user_id=_uid(request), system=system, code=code)
        messages.success(request, f"{code} is no longer a favorite.")
    else:
        favorite = services.favorite_add(user_id=_uid(request), system=system, code=code)
        messages.success(request, f"{favorite.code} is now a favorite.")
    return redirect(_next(request, reverse("accounts:favorites")))


@login_required
def notes(request: HttpRequest) -> HttpResponse:
    """Your notes on codes."""
    return render(request, "accounts/notes.html", {"items": selectors.note_list_titled(user_id=_uid(request))})


@login_required
@require_POST
def note_save(request: HttpRequest, system: str, code: str) -> HttpResponse:
    """Save (or delete) your note on a code; a note that fails validation leaves the saved one as it is."""
    form = forms.NoteForm(request.POST)
    if request.POST.get("action") != "delete" and not form.is_valid():
        for error in form.errors.get("text", []):
            messages.error(request, str(error))
        return redirect(_next(request, reverse("accounts:notes")))
    text = form.cleaned_data.get("text", "") if form.is_valid() else ""
    if request.POST.get("action") == "delete" or not text.strip():
        services.note_delete(user_id=_uid(request), system=system, code=code)
        messages.success(request, f"Your note on {code} is deleted.")
    else:
        note = services.note_set(user_id=_uid(request), system=system, code=code, text=text)
        messages.success(request, f"Your note on {note.code} is saved.")
    return redirect(_next(request, reverse("accounts:notes")))


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """Your recent searches (POST clears them)."""
    if request.method == "POST":
        count = services.history_clear(user_id=_uid(request))
        messages.success(request, f"{count} search{'es' if count != 1 else ''} removed from your history.")
        return redirect("accounts:history")
    return render(request, "accounts/history.html", {"items": selectors.history_list_titled(user_id=_uid(request))})
