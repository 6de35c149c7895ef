"""Site shell pages: home and search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
