"""Error pages: friendly text, never a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Page not found."""
    html = render_to_string("web/error.html", {"status": 404, "message": "There is no page at this address."}, request)
    return HttpResponse(html, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Unexpected error: a plain page without request context (it must not fail itself)."""
    html = render_to_string("web/error.html", {"status": 500, "message": "Something went wrong on our side."})
    return HttpResponse(html, status=500)
