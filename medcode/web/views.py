"""Site shell pages: home (the search page is medcode.search.views.search_page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from medcode.codebook import selectors, store
from medcode.codebook.systems import SYSTEM_LABELS


def home(request: HttpRequest) -> HttpResponse:
    """What medcode does, the search box, and what the active codebook holds."""
    releases = selectors.release_list() if store.active_path() else []
    return render(request, "web/home.html", {"releases": releases, "labels": SYSTEM_LABELS})
