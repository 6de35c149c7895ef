"""JSON-ready answers for look-ups shared by the CLI and the API: one code, a search, release changes."""

from __future__ import annotations

from typing import Any

from medcode.codebook import explain, selectors
from medcode.core.errors import ApplicationError, CodeNotFound, ReleaseNotFound

CPT_NOTICE = (
    "CPT descriptors are copyrighted by the American Medical Association and are not distributed with medcode."
    " This page shows the public CMS facts for the code; an operator with an AMA licence can import the"
    " descriptors (medcode build --source cpt FILE)."
)
MSG_NEED_TWO_RELEASES = "{label} has only {count} release loaded; 'what changed' needs two"
MSG_UNKNOWN_VERSION = "No {label} release '{version}'; loaded: {versions}"


def cpt_notice(concept: selectors.ConceptRow) -> str | None:
    if concept.system == "cpt" and concept.attrs.get("descriptor_source") != "ama":
        return CPT_NOTICE
    return None


def code_lookup(*, code: str, system: str | None = None, date: str | None = None) -> dict[str, Any]:
    """One code in the release in effect on ``date``; without a system, the first system that has it."""
    as_of = selectors.parse_date(date)
    code = code.strip()
    if not code:
        raise ApplicationError("Empty code")
    if system:
        try:
            detail = selectors.concept_detail(system=system, code=code, as_of=as_of)
        except CodeNotFound as exc:
            suggestions = [c.as_dict() for c in selectors.concept_suggest(system=system, code=code, as_of=as_of)]
            raise CodeNotFound(exc.message, extra={"suggestions": suggestions}) from None
    else:
        found = selectors.concept_locate(code=code, as_of=as_of)
        if not found:
            closest = selectors.concept_suggest(system=None, code=code, as_of=as_of)
            hint = f"; did you mean {', '.join(c.code for c in closest[:5])}?" if closest else ""
            raise CodeNotFound(
                f"{code} is not a code in any loaded release{hint}",
                extra={"suggestions": [c.as_dict() for c in closest]},
            )
        detail = selectors.concept_detail(system=found[0].system, code=found[0].code, as_of=as_of)
    c = detail.concept
    return {
        "system": c.system,
        "system_label": c.release.label,
        "code": c.code,
        "title": c.title,
        "concept": c.as_dict(),
        "release": c.release.as_dict(),
        "ancestors": [{"code": a.code, "title": a.title, "kind": a.kind} for a in detail.ancestors],
        "children": [{"code": ch.code, "title": ch.title, "billable": ch.billable} for ch in detail.children],
        "notes": [{"code": n.code, "kind": n.kind, "text": n.text, "inherited": n.inherited} for n in detail.notes],
        "seventh_characters": [{"char": ch, "meaning": m} for ch, m in detail.seventh],
        "index": [
            {"index": p.index, "path": list(p.terms), "role": p.role, "release": p.release} for p in detail.index_paths
        ],
        "pcs_axes": detail.pcs_axes,
        "history": detail.history,
        "explanation": {
            "generated": True,
            "label": explain.GENERATED_LABEL,
            "text": explain.concept_explain(detail),
        },
        "notice": cpt_notice(c),
    }


# Fields of `code_lookup` by the code page section that shows them (accounts.models.CODE_PAGE_SECTIONS):
# a section a viewer's plan locks is left out of the answer (null), as the page leaves it out of the HTML.
SECTION_FIELDS = {
    "explanation": "explanation",
    "seventh": "seventh_characters",
    "children": "children",
    "axes": "pcs_axes",
    "index": "index",
    "history": "history",
}
# Data fields a locked page still shows in its header (billable badge, termination notice, CPT notice).
PUBLIC_ATTRS = frozenset({"requires_7th", "termination_date", "action_code", "cross_reference", "descriptor_source"})


def code_lookup_public(result: dict[str, Any], *, locked: frozenset[str]) -> dict[str, Any]:
    """A `code_lookup` answer without the sections in `locked` (section names of the code page)."""
    if not locked:
        return result
    out = dict(result)
    for section, key in SECTION_FIELDS.items():
        if section in locked:
            out[key] = None
    hide_own, hide_inherited = "notes" in locked, "inherited_notes" in locked
    out["notes"] = [n for n in result["notes"] if not (hide_inherited if n["inherited"] else hide_own)]
    if "attrs" in locked:
        concept = dict(result["concept"])
        concept["attrs"] = {k: v for k, v in concept["attrs"].items() if k in PUBLIC_ATTRS}
        out["concept"] = concept
    return out


def code_search(
    *,
    query: str,
    system: str | None = None,
    limit: int = 20,
    billable: bool = False,
    chapter: str | None = None,
    date: str | None = None,
) -> dict[str, Any]:
    """Exact codes first, then code completions, then ranked word matches (medcode.search)."""
    from medcode.search import services  # search reads the codebook; imported here to keep the layers one-way

    return services.search(query=query, system=system, limit=limit, billable=billable, chapter=chapter, date=date)


def release_changes(*, system: str, old: str | None = None, new: str | None = None) -> dict[str, Any]:
    system = selectors.system_normalize(system)
    releases = selectors.release_list(system=system)
    label = releases[0].label if releases else system
    if len(releases) < 2 and not (old and new):
        raise ReleaseNotFound(MSG_NEED_TWO_RELEASES.format(label=label, count=len(releases)))

    def pick(version: str | None, default_index: int) -> selectors.ReleaseInfo:
        if version is None:
            return releases[default_index]
        for r in releases:
            if r.version == version:
                return r
        raise ReleaseNotFound(
            MSG_UNKNOWN_VERSION.format(label=label, version=version, versions=", ".join(r.version for r in releases))
        )

    old_release, new_release = pick(old, -2), pick(new, -1)
    diff = selectors.release_diff(system=system, old=old_release, new=new_release)
    return {"system": system, "old": old_release.version, "new": new_release.version, **diff}
