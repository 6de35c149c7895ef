"""The consult desk's one entry to the coding assistant: `answer_question(text) -> Answer`.

When medcode.assistant is installed (it is, in this tree) its answer is used, with its citations; otherwise a clearly
labelled fallback looks up, in the active codebook, the codes the question names. Neither invents
a code, and a low confidence sends the consult to staff review instead of answering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from medcode.core.errors import ApplicationError

FALLBACK_LABEL = (
    "[Fallback answer: the coding assistant is not installed on this site. This lists, from the official code "
    "sets, the codes your question names; a coder will follow up on anything else.]"
)


# Tools that find candidates by matching words rather than answer a question about a named code or rule.
SEARCH_TOOLS = frozenset({"article_search", "code_search", "case_to_code"})


@dataclass(frozen=True)
class Answer:
    text: str
    codes: list[dict[str, str]] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    confidence: float = 0.0
    source: str = "fallback"


def assistant_available() -> bool:
    from django.apps import apps

    return apps.is_installed("medcode.assistant")


def answer_question(text: str) -> Answer:
    """The draft answer; an empty one (confidence 0) when nothing could be drafted, so staff review it."""
    try:
        if assistant_available():
            return _from_assistant(text)
        return fallback_answer(text)
    except ApplicationError:
        # an empty question (attachments only), no codebook yet, a question too long: staff answer it
        return Answer(text="", confidence=0.0, source="assistant" if assistant_available() else "fallback")


def _from_assistant(text: str) -> Answer:
    """The assistant's answer (medcode.assistant.services.assistant_ask), with a confidence from what it found."""
    from medcode.assistant import services

    answer = services.assistant_ask(question=text[:4000])
    return from_assistant_answer(answer)


def from_assistant_answer(answer: Any) -> Answer:
    """Map the assistant's Answer (answer, facts, codes, verdict, kind, removed_codes, citations, text())."""
    if not answer.facts:
        confidence = 0.0  # "I don't know": nothing in the codebook or knowledge base answers it
    elif getattr(answer, "removed_codes", 0):
        confidence = 0.4  # the guard had to remove codes the draft stated: a person should look
    elif answer.kind == "unknown" or set(getattr(answer, "tools", []) or []) <= SEARCH_TOOLS:
        confidence = 0.5  # only a search (knowledge base, codes, case-to-code) matched: a coder checks the draft
    elif answer.verdict or answer.codes:
        confidence = 0.9
    else:
        confidence = 0.7
    citations = [
        f"{c.system} {c.release} ({c.source_file}): {c.title}" + (f" {c.url}" if getattr(c, "url", None) else "")
        for c in answer.citations
    ]
    lines = [answer.text()]
    if citations:
        lines += ["", "Sources:", *[f"[{n}] {c}" for n, c in enumerate(citations, start=1)]]
    return Answer(
        text="\n".join(lines) if answer.facts else "",
        codes=[c.as_dict() for c in answer.codes],
        citations=citations,
        confidence=confidence,
        source="assistant",
    )


def fallback_answer(text: str) -> Answer:
    """Look up each code the question names in the active codebook; nothing else is claimed."""
    from medcode.codebook import selectors
    from medcode.codebook.codes import code_tokens

    lines: list[str] = []
    codes: list[dict[str, str]] = []
    citations: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for token in code_tokens(text.upper()):
        if token in seen:
            continue
        seen.add(token)
        try:
            found = selectors.concept_locate(code=token)
        except ApplicationError:
            found = []
        if not found:
            if token[:1].isalpha():
                unknown.append(token)
            continue
        for concept in found[:2]:
            release = concept.release
            citation = f"{release.label} {release.version} ({release.source_file})"
            if citation not in citations:
                citations.append(citation)
            number = citations.index(citation) + 1
            billable = "billable" if concept.billable else "not billable (a header: code to a more specific code)"
            lines.append(f"- {concept.system.upper()} {concept.code}: {concept.title} ({billable}) [{number}]")
            codes.append({"system": concept.system, "code": concept.code})
    if unknown:
        lines.append(f"- Not found in the active code sets: {', '.join(unknown[:10])}")
    if not codes:
        return Answer(text="", codes=[], citations=[], confidence=0.0, source="fallback")
    confidence = 0.65 if not unknown else 0.3
    body = "\n".join([FALLBACK_LABEL, "", "Codes in your question:", *lines])
    return Answer(text=body, codes=codes, citations=citations, confidence=confidence, source="fallback")
