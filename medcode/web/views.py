"""Site shell pages: home, about, privacy, contact (the search page is medcode.search.views.search_page)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from medcode.codebook import selectors, store
from medcode.codebook.systems import SYSTEM_LABELS


def home(request: HttpRequest) -> HttpResponse:
    """What medcode does, the search box, and what the active codebook holds."""
    releases = selectors.release_list() if store.active_path() else []
    return render(request, "web/home.html", {"releases": releases, "labels": SYSTEM_LABELS})


def about(request: HttpRequest) -> HttpResponse:
    """What medcode is, where its data comes from, what one can do with it."""
    return render(request, "web/about.html")


def privacy(request: HttpRequest) -> HttpResponse:
    """What this instance keeps about visitors and accounts, and for how long."""
    context = {
        "device_cookie": settings.MEDCODE_DEVICE_COOKIE,
        "assistant_days": settings.MEDCODE_ASSISTANT_RETENTION_DAYS,
        "consult_days": settings.MEDCODE_CONSULT_RETENTION_DAYS,
    }
    return render(request, "web/privacy.html", context)


def contact(request: HttpRequest) -> HttpResponse:
    """Where to write: the consult desk, on the web or by e-mail."""
    return render(request, "web/contact.html", {"address": settings.MEDCODE_CONSULT_ADDRESS})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers that ask /favicon.ico get the site's own SVG icon."""
    return redirect(static("web/favicon.svg"), permanent=True)
