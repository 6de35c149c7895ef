"""Code pages, browse pages, releases and 'what changed' pages."""

from __future__ import annotations

from itertools import groupby
from typing import get_args

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from medcode.codebook import explain, fields, guidance, lookup, selectors
from medcode.codebook.systems import SYSTEM_LABELS, NoteKind
from medcode.core.errors import ApplicationError, CodeNotFound, ReleaseNotFound
from medcode.rules import facts as rules_facts

NOTE_ORDER = list(get_args(NoteKind))
HCPCS_FILE_HINT = (
    "This is CMS's short descriptor. The long descriptor and the pricing, coverage, BETOS, type-of-service and "
    "action fields come with the CMS Alpha-Numeric HCPCS file (HCPC2026_JAN_ANWEB.txt or .xlsx in the quarterly "
    "HCPCS zip): run 'medcode update', or 'medcode build --source hcpcs HCPC2026_JAN_ANWEB_01122026.txt'."
)


def code_page(request: HttpRequest, system: str, code: str) -> HttpResponse:
    """One code: official text, hierarchy, notes, 7th characters, index, axes, attributes, history."""
    system = selectors.system_normalize(system)
    as_of = selectors.parse_date(request.GET.get("date"))
    try:
        detail = selectors.concept_detail(system=system, code=code, as_of=as_of)
    except CodeNotFound as exc:
        return _not_found(request, system=system, code=code, message=exc.message, as_of=as_of)
    concept = detail.concept
    if concept.code != code:
        target = reverse("codebook:code", args=[system, concept.code])
        return redirect(target + (f"?date={as_of.isoformat()}" if as_of else ""), permanent=False)
    concept_fields = fields.concept_fields(concept.attrs)
    own = [n for n in detail.notes if not n.inherited]
    inherited = [n for n in detail.notes if n.inherited]
    context = {
        "detail": detail,
        "concept": concept,
        "release": concept.release,
        "system_label": SYSTEM_LABELS[system],
        "own_notes": _grouped(own),
        "inherited_notes": [
            (code, _level_name(code, detail), _grouped(list(notes)))
            for code, notes in groupby(inherited, key=lambda n: n.code)
        ],
        "explanation": explain.concept_explain(detail),
        "generated_label": explain.GENERATED_LABEL,
        "notice": lookup.cpt_notice(concept),
        "fields": concept_fields,
        "fields_from_layout": any(f.description for f in concept_fields),
        # a Level II code of the default data: CMS's short descriptor only (the I/OCE data); say which file adds more
        "hcpcs_file_hint": HCPCS_FILE_HINT
        if system == "hcpcs" and concept.kind == "code" and concept.attrs.get("descriptor") == "short"
        else None,
        "as_of": as_of,
        "releases": selectors.release_list(system=system),
        "billing": rules_facts.billing_facts(
            concept=concept, as_of=as_of, pairs=rules_facts.PairsQuery.from_query(request.GET)
        ),
        # chapter-specific guideline sections that name the code's category or chapter (when imported)
        "guideline_sections": guidance.sections_for_code(code=concept.code) if system == "icd10cm" else [],
        "cross_references": [
            (ref, selectors.concept_find(system=system, code=ref, release=concept.release) is not None)
            for ref in concept.attrs.get("cross_reference", "").replace(",", " ").split()
        ],
    }
    return render(request, "codebook/code.html", context)


def _level_name(code: str, detail: selectors.ConceptDetail) -> str:
    """How a heading names a higher level: 'chapter 4', 'section E08-E13', or the code itself ('E11')."""
    kind = next((a.kind for a in detail.ancestors if a.code == code), "code")
    return f"{kind} {code}" if kind in ("chapter", "section", "range", "table") else code


def _grouped(notes: list[selectors.NoteRow]) -> list[tuple[str, list[selectors.NoteRow]]]:
    kinds = sorted({n.kind for n in notes}, key=lambda k: NOTE_ORDER.index(k) if k in NOTE_ORDER else 99)
    return [(kind, [n for n in notes if n.kind == kind]) for kind in kinds]


def _not_found(request: HttpRequest, *, system: str, code: str, message: str, as_of: object) -> HttpResponse:
    partial = selectors.pcs_partial(code=code, as_of=as_of) if system == "icd10pcs" else None  # type: ignore[arg-type]
    if partial is not None:  # the PCS index gives codes in part ("BW20"): the codes that complete it
        context = {"partial": partial, "system_label": SYSTEM_LABELS[system], "code": code}
        return render(request, "codebook/partial.html", context)
    suggestions = selectors.concept_suggest(system=system, code=code, as_of=as_of)  # type: ignore[arg-type]
    elsewhere = [c for c in selectors.concept_locate(code=code) if c.system != system]
    history = selectors.concept_history(system=system, code=code)
    context = {
        "system": system,
        "system_label": SYSTEM_LABELS[system],
        "code": code,
        "message": message,
        "suggestions": suggestions,
        "elsewhere": elsewhere,
        "past": [h for h in history if h["present"]],
    }
    return render(request, "codebook/not_found.html", context, status=404)


def browse(request: HttpRequest, system: str) -> HttpResponse:
    """The top of a code system's hierarchy."""
    as_of = selectors.parse_date(request.GET.get("date"))
    try:
        release, top = selectors.concept_browse(system=system, as_of=as_of)
    except ReleaseNotFound as exc:
        return render(request, "web/error.html", {"status": 404, "message": exc.message}, status=404)
    return render(
        request,
        "codebook/browse.html",
        {"release": release, "items": top, "system_label": SYSTEM_LABELS[release.system]},
    )


def releases(request: HttpRequest) -> HttpResponse:
    """Every release in the active codebook, with its source file and checksum."""
    items = selectors.release_list(content=None)
    systems = sorted({r.system for r in items if r.content == "codes"})
    return render(
        request,
        "codebook/releases.html",
        {
            "items": items,
            "comparable": [s for s in systems if len(selectors.release_list(system=s)) > 1],
            "labels": SYSTEM_LABELS,
        },
    )


def changes(request: HttpRequest, system: str) -> HttpResponse:
    """Codes added, deleted and revised between two releases of a system."""
    try:
        result = lookup.release_changes(
            system=system, old=request.GET.get("old") or None, new=request.GET.get("new") or None
        )
    except ApplicationError as exc:
        return render(request, "web/error.html", {"status": 404, "message": exc.message}, status=404)
    return render(
        request,
        "codebook/changes.html",
        {
            "result": result,
            "system_label": SYSTEM_LABELS[result["system"]],
            "releases": selectors.release_list(system=result["system"]),
        },
    )
