"""The guidance tool: official guideline and NCCI manual sections that answer a question, quoted verbatim.

A quotation names the document, its version and the section, as the document numbers it:
'ICD-10-CM Official Guidelines FY 2026, Section I.B.5: "Signs and symptoms ..."'. When the best
section covers too little of the question, the tool says plainly that nothing answers it and lists
the nearest sections as such. A yes/no question is answered from the sentence of the quotation that
matches it best: a sentence that forbids or restricts ("should not", "never", "only") answers no.
"""

from __future__ import annotations

import datetime as dt
import re

from medcode.assistant.answer import Citation, Fact, ToolResult
from medcode.codebook import guidance
from medcode.core.errors import ApplicationError
from medcode.search import guidance as retrieval
from medcode.search.text import content_words, stem

MSG_NOT_IMPORTED = (
    "The official guidance documents are not imported into this codebook, so I cannot quote them. An administrator"
    " imports them with: medcode build --source icd10cm-guidelines FILE.pdf --source ncci-manual FILE.txt"
)
MSG_NOTHING = (
    "Nothing in the {documents} answers this directly. The nearest sections are listed below; read them before"
    " relying on them."
)
SECOND_SHARE = 0.9  # a second section is quoted too when it scores this close to the best
MAX_QUOTE = 1200
YES_NO = re.compile(
    r"(?:^|[.:;]\s+)(?:can|could|should|may|must|is|are|does|do|would|will|am)\b[^?]*\?|\banswer yes or no\b",
    re.IGNORECASE,
)
# a sentence that forbids, or allows only under a condition
RESTRICTS = re.compile(
    r"\b(not|never|no longer|cannot|only|except|neither|nor|prohibited|inappropriate|are not|is not)\b",
    re.IGNORECASE,
)
NCCI_WORDS = re.compile(
    r"\b(ncci|ptp|mues?|medically unlikely|bundl\w*|unbundl\w*|column (?:one|two|1|2)|modifier indicator|"
    r"cpt|hcpcs|medicare|global surg\w*|e&m|add-on|modifiers?|separately (?:reportable|report))\b",
    re.IGNORECASE,
)
ICD_WORDS = re.compile(
    r"\b(icd[- ]?10(?:[- ]?cm)?|diagnos[ie]s|principal|first[- ]listed|sequenc\w*|z codes?|poa|present on admission)\b",
    re.IGNORECASE,
)


def _citation(section: guidance.Section) -> Citation:
    doc = guidance.DOCUMENTS[section.document]
    return Citation(
        system=doc.title,
        release=section.release.version,
        source_file=section.release.source_file,
        title=f"{section.citation}: {section.title}",
        url=f"/guidelines/{section.document}/{section.slug}/",
    )


def quote(section: guidance.Section, passage: str) -> str:
    """'ICD-10-CM Official Guidelines FY 2026, Section I.B.5: "..."' (the passage verbatim, cut at a sentence)."""
    text = " ".join(passage.split())
    if len(text) > MAX_QUOTE:
        cut = text.rfind(". ", 0, MAX_QUOTE)
        text = text[: cut + 1] + " [...]" if cut > 0 else text[:MAX_QUOTE] + " [...]"
    return f'{section.citation}: "{text}"'


def _source(section: guidance.Section) -> str:
    """Where the quotation comes from: section, title, page, document version and its dates."""
    release = section.release
    dates = f"in effect {release.effective_from.isoformat()}" + (
        f" to {release.effective_to.isoformat()}" if release.effective_to else ""
    )
    return f"Quoted from {section.citation}, '{section.title}', page {section.page} ({release.title}, {dates})."


def _quoted(hit: retrieval.GuidanceHit) -> str:
    """What to quote: the whole section when it is short, else the paragraph that matches the question best."""
    return hit.section.text if len(hit.section.text) <= MAX_QUOTE else hit.passage


def _sentences(passage: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+(?=[A-Z“\"(])", " ".join(passage.split())) if s.strip()]


def _best_sentence(passage: str, question: str) -> str:
    wanted = {stem(w) for w in content_words(question) if w not in retrieval.QUESTION_WORDS}
    sentences = _sentences(passage)
    if not sentences:
        return passage
    return max(sentences, key=lambda s: (len(wanted & {stem(w) for w in content_words(s)}), -len(s)))


def yes_no(question: str, passage: str) -> str | None:
    """'no' when the sentence that answers a yes/no question forbids or restricts, 'yes' when it allows; else None."""
    if not YES_NO.search(question):
        return None
    sentence = _best_sentence(passage, question)
    return "no" if RESTRICTS.search(sentence) else "yes"


def _document(question: str) -> str | None:
    """The document a question is about: the NCCI manual when it speaks of procedure-code policy, the guidelines
    when it speaks of diagnoses only (or of neither: the guidelines are the rules of diagnosis coding), else both."""
    ncci, icd = bool(NCCI_WORDS.search(question)), bool(ICD_WORDS.search(question))
    if ncci and not icd:
        return "ncci"
    if not ncci:
        return "icd10cm"
    return None


def guidance_answer(*, question: str, as_of: dt.date | None = None, limit: int = 3) -> ToolResult:
    """The section(s) that answer a guideline, sequencing or policy question, quoted verbatim with their citation."""
    result = ToolResult(tool="guidance_search")
    named = retrieval.section_named(question)
    if named:
        try:
            section = guidance.section_get(document="icd10cm", ref=named, as_of=as_of)
        except ApplicationError:
            section = None
        if section is not None and section.text:
            result.direct = quote(section, section.text)
            result.facts.append(Fact(quote(section, section.text), _citation(section)))
            return result
    found = retrieval.guidance_search(query=question, limit=max(limit, 3), document=_document(question))
    if not found.documents:
        result.found = False
        result.direct = MSG_NOT_IMPORTED
        return result
    if not found.hits:
        result.found = False
        return result
    if not found.answers:
        titles = " and the ".join(guidance.DOCUMENTS[d].title for d in found.documents)
        result.found = False
        result.direct = MSG_NOTHING.format(documents=titles)
        for hit in found.hits[:limit]:
            text = (
                f"Nearest section (does not answer the question as asked): {hit.section.citation}, {hit.section.title}"
            )
            result.facts.append(Fact(text, _citation(hit.section)))
        return result
    best = found.hits[0]
    quoted = [best] + [
        h
        for h in found.hits[1:2]
        if h.score >= SECOND_SHARE * best.score and h.section.document == best.section.document
    ]
    verdict = yes_no(question, _quoted(best))
    lead = quote(best.section, _quoted(best))
    if verdict is not None:
        lead = f"{verdict.capitalize()}. {lead}"
        result.verdict = "no" if verdict == "no" else "yes"
    result.direct = lead
    result.facts.append(Fact(_source(best.section), _citation(best.section)))
    for hit in quoted[1:]:
        result.facts.append(Fact(quote(hit.section, _quoted(hit)), _citation(hit.section)))
    for hit in found.hits[len(quoted) : limit]:
        result.facts.append(Fact(f"See also {hit.section.citation}: {hit.section.title}", _citation(hit.section)))
    return result
