"""Site shell pages: home and search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from medcode.codebook import lookup, selectors, store
from medcode.ingest.records import SYSTEM_LABELS


def home(request: HttpRequest) -> HttpResponse:
    """What medcode does, the search box, and what the active codebook holds."""
    releases = selectors.release_list() if store.active_path() else []
    return render(request, "web/home.html", {"releases": releases, "labels": SYSTEM_LABELS})


def search(request: HttpRequest) -> HttpResponse:
    """Search results; an exact code goes straight to its page."""
    query = request.GET.get("q", "").strip()[:200]
    system = request.GET.get("system") or None
    if system:
        system = selectors.system_normalize(system)
    results: list[dict[str, object]] = []
    if query:
        exact = [c for c in selectors.concept_locate(code=query) if system in (None, c.system)]
        if len(exact) == 1 and request.GET.get("go") != "0":
            return redirect(reverse("codebook:code", args=[exact[0].system, exact[0].code]))
        results = lookup.code_search(query=query, system=system, limit=50)["results"]
    return render(
        request,
        "web/search.html",
        {
            "query": query,
            "system": system,
            "results": results,
            "labels": SYSTEM_LABELS,
        },
    )
