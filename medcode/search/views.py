"""Pages and typing-time endpoints of search: the search page, autocomplete, the Alphabetic Index, case-to-code.

The NLM-compatible search service is an API: medcode/api/nlm.py.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from medcode.codebook import selectors
from medcode.codebook.systems import SYSTEM_LABELS
from medcode.core.errors import ApplicationError
from medcode.search import alphabetic, autocomplete, casecode, services

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def search_page(request: HttpRequest) -> HttpResponse:
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
        found = services.search(query=query, system=system, limit=50, billable=billable, chapter=chapter, date=date)
        results, corrections = found["results"], found["corrections"]
    return render(
        request,
        "web/search.html",  # the template stays with the site shell's (web/templates)
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


@require_GET
def autocomplete_json(request: HttpRequest) -> JsonResponse:
    """Top ten codes for what is typed, with highlighted titles (the search box widget calls this)."""
    try:
        result = autocomplete.autocomplete(
            query=request.GET.get("q", ""), system=request.GET.get("system") or None, limit=10
        )
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(result)


def index_home(request: HttpRequest) -> HttpResponse:
    """The Alphabetic Index: the indexes loaded and the main terms of one letter."""
    cm_indexes = alphabetic.index_list(system="icd10cm")
    indexes = cm_indexes + alphabetic.index_list(system="icd10pcs")
    idx = request.GET.get("index") or (indexes[0][0] if indexes else "main")
    letter = (request.GET.get("letter") or "A")[:1].upper()
    if letter not in LETTERS:
        letter = "A"
    release, terms = alphabetic.main_terms(idx=idx, letter=letter)
    return render(
        request,
        "search/index_home.html",
        {
            "indexes": [(name, alphabetic.INDEX_LABELS.get(name, name), r) for name, r in indexes],
            "idx": idx,
            "letter": letter,
            "letters": LETTERS,
            "release": release,
            "terms": terms,
            "cm_missing": not cm_indexes,
        },
    )


def index_term(request: HttpRequest, idx: str, term_id: int) -> HttpResponse:
    """One index entry: the path to it, its subterms with codes, its see and see-also links."""
    release, path, entry = alphabetic.term_detail(idx=idx, term_id=term_id)
    if entry is None:
        return render(request, "web/error.html", {"status": 404, "message": "No such index entry"}, status=404)
    return render(
        request,
        "search/index_term.html",
        {"idx": idx, "label": alphabetic.INDEX_LABELS.get(idx, idx), "release": release, "path": path, "entry": entry},
    )


def index_code(request: HttpRequest, idx: str, code: str) -> HttpResponse:
    """A code named by an index entry ("S72.00-", a PCS table): its code page, which completes partial codes."""
    system = "icd10pcs" if idx == "pcs" else "icd10cm"
    return redirect(reverse("codebook:code", args=[system, code.rstrip("-").strip() or code]))


@require_http_methods(["GET", "POST"])
def case_to_code(request: HttpRequest) -> HttpResponse:
    """Paste a clinical note; get suggested codes with the text that supports them, and set checks."""
    note = request.POST.get("text", "") if request.method == "POST" else ""
    result = None
    error = None
    if request.method == "POST":
        try:
            result = casecode.code_case(note=note)
        except ApplicationError as exc:
            error = exc.message
    context = {
        "note": note,
        "result": result,
        "error": error,
        "suggested": result.suggested if result else (),
        "related": result.related if result else (),
    }
    return render(request, "search/case2code.html", context, status=400 if error else 200)
