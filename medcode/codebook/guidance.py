"""Reads over the official guidance documents of the active codebook: sections, contents, codes they name."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from medcode.codebook import selectors, store
from medcode.codebook.codes import code_normalize
from medcode.codebook.selectors import ReleaseInfo
from medcode.core.errors import ApplicationError

MSG_UNKNOWN_DOCUMENT = "Unknown guidance document '{document}'; expected one of: {documents}"
MSG_NOT_IMPORTED = (
    "The {title} is not imported into this codebook. Import the official file ({file}) with:"
    " medcode build --source {source} {file}"
)
MSG_NO_SECTION = "The {title} ({version}) has no section {ref}"


class GuidanceNotImported(ApplicationError):
    """The guidance document asked for is not in the active codebook: the message says how to import it."""

    status = 404


class SectionNotFound(ApplicationError):
    """The document has no section with this reference."""

    status = 404


@dataclass(frozen=True)
class Document:
    """One official guidance document: its key in URLs, release system, source name and the file to import."""

    key: str
    system: str
    source: str
    title: str
    short: str
    file: str
    publisher: str


DOCUMENTS: dict[str, Document] = {
    "icd10cm": Document(
        key="icd10cm",
        system="icd10cm-guidelines",
        source="icd10cm-guidelines",
        title="ICD-10-CM Official Guidelines for Coding and Reporting",
        short="ICD-10-CM Official Guidelines",
        file="fy-2026-icd-10-cm-coding-guidelines.pdf (CDC/CMS, the FY PDF)",
        publisher="CDC/NCHS and CMS",
    ),
    "ncci": Document(
        key="ncci",
        system="ncci-manual",
        source="ncci-manual",
        title="Medicare NCCI Policy Manual",
        short="NCCI Policy Manual",
        file="ncci_policy_manual.txt (CMS, all chapters as text)",
        publisher="CMS",
    ),
}


@dataclass(frozen=True)
class Section:
    """One section of a guidance document, text verbatim, with the release it comes from."""

    document: str
    ref: str
    title: str
    level: int
    parent: str | None
    page: str
    text: str
    seq: int
    release: ReleaseInfo

    @property
    def label(self) -> str:
        """How the document itself names the section: "Section I.B.5", "Appendix I", "Chapter I, section E"."""
        if self.document == "ncci":
            if self.ref == "Intro":
                return "Introduction"
            chapter, _, letter = self.ref.partition(".")
            return f"Chapter {chapter}, section {letter}" if letter else f"Chapter {chapter}"
        if self.ref in ("Introduction",) or self.ref.startswith("Appendix"):
            return self.ref
        return f"Section {self.ref}"

    @property
    def citation(self) -> str:
        """'ICD-10-CM Official Guidelines FY 2026, Section I.B.5' (document, version, section)."""
        return f"{DOCUMENTS[self.document].short} {self.release.version}, {self.label}"

    @property
    def slug(self) -> str:
        return ref_slug(self.ref)

    def as_dict(self) -> dict[str, object]:
        return {
            "document": DOCUMENTS[self.document].title,
            "version": self.release.version,
            "effective_from": self.release.effective_from.isoformat(),
            "effective_to": self.release.effective_to.isoformat() if self.release.effective_to else None,
            "section": self.ref,
            "label": self.label,
            "title": self.title,
            "page": self.page,
            "parent": self.parent,
            "text": self.text,
            "citation": self.citation,
        }


def ref_slug(ref: str) -> str:
    """The section reference as it appears in URLs: "I.C.4.a", "Appendix-I"."""
    return ref.replace(" ", "-")


def document_get(document: str) -> Document:
    try:
        return DOCUMENTS[document]
    except KeyError:
        raise SectionNotFound(MSG_UNKNOWN_DOCUMENT.format(document=document, documents=", ".join(DOCUMENTS))) from None


def guidance_release(*, document: str, as_of: dt.date | None = None) -> ReleaseInfo:
    """The release of the document in effect on ``as_of`` (the latest imported when no date is given)."""
    doc = document_get(document)
    releases = [r for r in selectors.release_list(system=doc.system, content="guidance")]
    if not releases:
        raise GuidanceNotImported(MSG_NOT_IMPORTED.format(title=doc.title, file=doc.file, source=doc.source))
    if as_of is not None:
        in_effect = [
            r for r in releases if r.effective_from <= as_of and (r.effective_to is None or as_of <= r.effective_to)
        ]
        if in_effect:
            return in_effect[-1]
    return releases[-1]


def guidance_imported(*, document: str) -> bool:
    try:
        guidance_release(document=document)
    except (GuidanceNotImported, ApplicationError):
        return False
    return True


@lru_cache(maxsize=8)
def _sections(path: str, release_id: int, document: str) -> tuple[Section, ...]:
    release = selectors.release_get(release_id=release_id)
    rows = (
        store.connection()
        .execute(
            "SELECT ref, title, level, parent, page, text, seq FROM guidance_section WHERE release_id = ? ORDER BY seq",
            (release_id,),
        )
        .fetchall()
    )
    return tuple(Section(document, r[0], r[1], r[2], r[3], r[4], r[5], r[6], release) for r in rows)


def section_list(*, document: str, as_of: dt.date | None = None) -> tuple[Section, ...]:
    """Every section of the document, in document order (its table of contents)."""
    release = guidance_release(document=document, as_of=as_of)
    return _sections(str(store.connected_path()), release.id, document)


def section_get(*, document: str, ref: str, as_of: dt.date | None = None) -> Section:
    """One section by its reference ("I.B.5", "i.b.5", "Appendix-I", NCCI "I.E")."""
    sections = section_list(document=document, as_of=as_of)
    wanted = ref.strip().replace("-", " ").rstrip(".").removeprefix("Section ").strip()
    for section in sections:
        if section.ref == wanted:
            return section
    for section in sections:
        if section.ref.lower() == wanted.lower():
            return section
    release = sections[0].release if sections else guidance_release(document=document, as_of=as_of)
    raise SectionNotFound(MSG_NO_SECTION.format(title=DOCUMENTS[document].title, version=release.version, ref=ref))


def section_children(*, section: Section) -> list[Section]:
    return [s for s in section_list(document=section.document) if s.parent == section.ref]


def section_ancestors(*, section: Section) -> list[Section]:
    by_ref = {s.ref: s for s in section_list(document=section.document)}
    chain: list[Section] = []
    parent = section.parent
    while parent is not None and parent in by_ref:
        chain.append(by_ref[parent])
        parent = by_ref[parent].parent
    chain.reverse()
    return chain


# ICD-10-CM codes and categories as the guidelines write them: "E11.-", "Z51.11", "B20", "(E00-E89)"
ICD_CODE = re.compile(r"\b([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?=-|\b)")
ICD_RANGE = re.compile(r"\b([A-Z][0-9]{2})\s*[-\u2013]\s*([A-Z][0-9]{2})\b")
HCPCS_CODE = re.compile(r"\b([0-9]{4}[0-9FTU]|[A-V][0-9]{4})\b")


def _named(text: str, document: str) -> list[str]:
    pattern = HCPCS_CODE if document == "ncci" else ICD_CODE
    return list(dict.fromkeys(m.group(1) for m in pattern.finditer(text)))


def section_codes(*, section: Section, limit: int = 60) -> list[selectors.ConceptRow]:
    """The codes a section names that exist in the active release (ICD-10-CM; HCPCS/CPT for NCCI)."""
    systems = ("hcpcs", "cpt") if section.document == "ncci" else ("icd10cm",)
    releases = []
    for system in systems:
        try:
            releases.append(selectors.release_for(system=system))
        except ApplicationError:
            continue
    found: list[selectors.ConceptRow] = []
    for code in _named(f"{section.title} {section.text}", section.document):
        for release in releases:
            concept = selectors.concept_find(system=release.system, code=code, release=release)
            if concept is not None:
                found.append(concept)
                break
        if len(found) >= limit:
            break
    return found


@lru_cache(maxsize=4)
def _category_index(path: str, release_id: int) -> tuple[dict[str, tuple[str, ...]], tuple[tuple[str, str, str], ...]]:
    """Chapter-specific sections (I.C.*) by the categories they name, and the chapters' code ranges."""
    by_category: dict[str, list[str]] = {}
    chapters: list[tuple[str, str, str]] = []
    for section in _sections(path, release_id, "icd10cm"):
        if not section.ref.startswith("I.C."):
            continue
        if section.level == 2:
            for first, last in ICD_RANGE.findall(section.title):
                chapters.append((first, last, section.ref))
        for code in _named(f"{section.title} {section.text}", "icd10cm"):
            refs = by_category.setdefault(code[:3], [])
            if section.ref not in refs:
                refs.append(section.ref)
    return {k: tuple(v) for k, v in by_category.items()}, tuple(chapters)


def sections_for_code(*, code: str, limit: int = 8) -> list[Section]:
    """The chapter-specific guideline sections that name an ICD-10-CM code's category, and its chapter's section."""
    try:
        release = guidance_release(document="icd10cm")
    except GuidanceNotImported:
        return []
    path = str(store.connected_path())
    by_category, chapters = _category_index(path, release.id)
    category = code_normalize(code)[:3]
    by_ref = {s.ref: s for s in _sections(path, release.id, "icd10cm")}
    refs: list[str] = [ref for first, last, ref in chapters if first <= category <= last]
    for ref in by_category.get(category, ()):
        if ref not in refs:
            refs.append(ref)
    return [by_ref[r] for r in refs[: limit + 1] if r in by_ref]
