"""Site shell pages: home, search, and the about, privacy and contact pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse

from medcode.codebook import selectors, store
from medcode.ingest.records import SYSTEM_LABELS
from medcode.search import services as search_services


def home(request: HttpRequest) -> HttpResponse:
    """What medcode does, the search box, and what the active codebook holds."""
    releases = selectors.release_list() if store.active_path() else []
    return render(request, "web/home.html", {"releases": releases, "labels": SYSTEM_LABELS})


def search(request: HttpRequest) -> HttpResponse:
    """Search results with filters and highlights; an exact code goes straight to its page."""
    query = request.GET.get("q", "").strip()[:500]
    system = request.GET.get("system") or None
    if system:
        system = selectors.system_normalize(system)
    billable = request.GET.get("billable") == "1"
    chapter = (request.GET.get("chapter") or "").strip()[:20] or None
    date = (request.GET.get("date") or "").strip() or None
    results: list[dict[str, object]] = []
    corrections: dict[str, str] = {}
    if query:
        exact = [c for c in selectors.concept_locate(code=query) if system in (None, c.system)]
        if len(exact) == 1 and request.GET.get("go") != "0" and not (billable or chapter or date):
            return redirect(reverse("codebook:code", args=[exact[0].system, exact[0].code]))
        found = search_services.search(
            query=query, system=system, limit=50, billable=billable, chapter=chapter, date=date
        )
        results, corrections = found["results"], found["corrections"]
    return render(
        request,
        "web/search.html",
        {
            "query": query,
            "system": system,
            "billable": billable,
            "chapter": chapter or "",
            "date": date or "",
            "results": results,
            "corrections": corrections,
            "labels": SYSTEM_LABELS,
        },
    )


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
