"""Pages of the official guidance documents: contents, one section, search within them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from medcode.codebook import guidance, selectors
from medcode.core.errors import ApplicationError
from medcode.search import guidance as retrieval

MAX_QUERY = 500


def _document(document: str) -> guidance.Document:
    try:
        return guidance.document_get(document)
    except guidance.SectionNotFound as exc:
        raise Http404(exc.message) from None


def _not_imported(
    request: HttpRequest, doc: guidance.Document, exc: ApplicationError, *, status: int = 404
) -> HttpResponse:
    context = {"doc": doc, "message": exc.message, "documents": guidance.DOCUMENTS.values()}
    return render(request, "codebook/guidance_missing.html", context, status=status)


def guidance_root(request: HttpRequest) -> HttpResponse:
    """The guidance documents: the ICD-10-CM Official Guidelines first."""
    return redirect(reverse("codebook:guidance", args=["icd10cm"]))


def guidance_contents(request: HttpRequest, document: str) -> HttpResponse:
    """A document's table of contents, with a search box."""
    doc = _document(document)
    try:
        sections = guidance.section_list(document=document)
    except guidance.GuidanceNotImported as exc:
        return _not_imported(request, doc, exc, status=200)  # the navigation's page: it says what to import
    context = {
        "doc": doc,
        "release": sections[0].release if sections else None,
        "sections": sections,
        "documents": guidance.DOCUMENTS.values(),
    }
    return render(request, "codebook/guidance_contents.html", context)


def guidance_section(request: HttpRequest, document: str, ref: str) -> HttpResponse:
    """One section verbatim, with its place in the document and the codes it names."""
    doc = _document(document)
    try:
        section = guidance.section_get(document=document, ref=ref)
    except guidance.GuidanceNotImported as exc:
        return _not_imported(request, doc, exc)
    except guidance.SectionNotFound as exc:
        return render(request, "web/error.html", {"status": 404, "message": exc.message}, status=404)
    if section.slug != ref:
        return redirect(reverse("codebook:guidance-section", args=[document, section.slug]))
    sections = guidance.section_list(document=document)
    position = sections.index(section)
    try:
        icd_release = selectors.release_for(system="icd10cm") if document == "icd10cm" else None
    except ApplicationError:
        icd_release = None
    context = {
        "doc": doc,
        "section": section,
        "release": section.release,
        "ancestors": guidance.section_ancestors(section=section),
        "children": guidance.section_children(section=section),
        "previous": sections[position - 1] if position > 0 else None,
        "next": sections[position + 1] if position + 1 < len(sections) else None,
        "paragraphs": [p for p in section.text.split("\n\n") if p.strip()],
        "icd_release": icd_release,
        "codes": guidance.section_codes(section=section),
    }
    return render(request, "codebook/guidance_section.html", context)


def guidance_search(request: HttpRequest, document: str) -> HttpResponse:
    """Sections of one document that match the words searched, best first, with the paragraph that matches."""
    doc = _document(document)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    try:
        release = guidance.guidance_release(document=document)
    except guidance.GuidanceNotImported as exc:
        return _not_imported(request, doc, exc)
    found = retrieval.guidance_search(query=query, limit=20, document=document, min_coverage=0.0) if query else None
    context = {"doc": doc, "release": release, "query": query, "found": found, "documents": guidance.DOCUMENTS.values()}
    return render(request, "codebook/guidance_search.html", context)
