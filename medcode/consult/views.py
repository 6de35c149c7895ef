"""Consult desk pages: ask on the web, my consults, and the staff queue with edit-and-send."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from medcode.consult import selectors, services
from medcode.consult.models import STATES
from medcode.core.errors import ApplicationError


class AskForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False)
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)


class FollowUpForm(forms.Form):
    text = forms.CharField(label="Add to this consult", widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), max_length=20_000)


def _uid(request: HttpRequest) -> int:
    return int(request.user.pk or 0)


def ask(request: HttpRequest) -> HttpResponseBase:
    """Ask a coding question by web form (logged in) or see the address to e-mail."""
    form = AskForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={reverse('consult:ask')}")
        if form.is_valid():
            try:
                consult = services.consult_create_web(
                    user=request.user,
                    subject=form.cleaned_data["subject"],
                    text=form.cleaned_data["question"],
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("consult:mine-detail", consult.token)
    mine = selectors.consults_of(user_id=_uid(request))[:20] if request.user.is_authenticated else []
    return render(
        request, "consult/ask.html", {"form": form, "address": settings.MEDCODE_CONSULT_ADDRESS, "mine": mine}
    )


@login_required
def mine_detail(request: HttpRequest, token: str) -> HttpResponseBase:
    """One of my consults with its thread; POST adds a follow-up to the same thread."""
    consult = selectors.consult_for_owner(token=token, user_id=_uid(request))
    if consult is None:
        raise Http404("No such consult among yours")
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consult_followup_web(
                user=request.user,  # type: ignore[arg-type]
                token=consult.token,
                text=form.cleaned_data["text"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"Your follow-up is added to the consult; the answer also goes to {consult.sender}."
            )
            return redirect("consult:mine-detail", consult.token)
    context = {"consult": consult, "thread": consult.messages.all(), "form": form}
    return render(request, "consult/mine.html", context, status=400 if form.errors else 200)


@staff_member_required
def desk(request: HttpRequest) -> HttpResponse:
    """Staff queue by state, with response-time figures."""
    state = request.GET.get("state") or "needs_review"
    if state not in dict(STATES) and state != "all":
        state = "needs_review"
    return render(
        request,
        "consult/desk.html",
        {
            "state": state,
            "consults": selectors.queue(state=None if state == "all" else state)[:200],
            "counts": selectors.state_counts(),
            "figures": selectors.response_figures(),
            "events": selectors.mail_event_counts(),
        },
    )


@staff_member_required
def desk_detail(request: HttpRequest, consult_id: int) -> HttpResponseBase:
    """Staff: one consult, its thread and the draft to edit and send."""
    consult = selectors.consult_get(consult_id=consult_id)
    if consult is None:
        raise Http404("No such consult")
    form = ReplyForm(request.POST or None, initial={"text": consult.draft})
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_reply_send(
                consult_id=consult.pk,
                text=form.cleaned_data["text"],
                by=request.user,  # type: ignore[arg-type]
                close=request.POST.get("keep_open") is None,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Reply sent to {consult.sender}.")
            return redirect("consult:desk-detail", consult.pk)
    context: dict[str, Any] = {
        "consult": consult,
        "thread": consult.messages.select_related("sent_by").prefetch_related("attachments"),
        "form": form,
    }
    return render(request, "consult/desk_detail.html", context)


@staff_member_required
@require_POST
def desk_state(request: HttpRequest, consult_id: int) -> HttpResponseBase:
    """Staff: escalate, close or send back to review."""
    try:
        consult = services.consult_state_set(
            consult_id=consult_id,
            state=request.POST.get("state", ""),
            by=request.user,  # type: ignore[arg-type]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("consult:desk")
    messages.success(request, f"Consult {consult.pk}: {consult.get_state_display()}.")
    return redirect("consult:desk-detail", consult.pk)


@staff_member_required
def attachment_download(request: HttpRequest, consult_id: int, attachment_id: int) -> HttpResponse:
    """Staff: a kept attachment (PDF or image), decrypted."""
    from medcode.consult.models import Attachment

    attachment = Attachment.objects.filter(pk=attachment_id, message__consult_id=consult_id).first()
    if attachment is None:
        raise Http404("No such attachment")
    response = HttpResponse(attachment.data, content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
