"""The final check: every code an answer states exists in the active release; any other code is removed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from medcode.assistant.answer import Answer, CodeRef
from medcode.codebook import selectors
from medcode.codebook.codes import CODE_IN_TEXT, code_normalize, code_tokens, looks_like_code
from medcode.codebook.systems import SYSTEMS
from medcode.core.errors import ApplicationError, ReleaseNotFound

REMOVED = "[code removed: not in the active release]"


def exists(ref: CodeRef, *, as_of: dt.date | None = None) -> bool:
    try:
        release = selectors.release_for(system=ref.system, as_of=as_of)
    except ApplicationError:
        return False
    concept = selectors.concept_find(system=ref.system, code=ref.code, release=release)
    return concept is not None and concept.code == ref.code


def exists_anywhere(token: str, *, as_of: dt.date | None = None) -> bool:
    """Whether a code-shaped token is a code in the release in effect of any system."""
    for system in SYSTEMS:
        try:
            release = selectors.release_for(system=system, as_of=as_of)
        except ReleaseNotFound:
            continue
        if selectors.concept_find(system=system, code=token, release=release) is not None:
            return True
    return False


def codes_in_text(text: str) -> set[str]:
    """The normalized code-shaped tokens of a text."""
    return {code_normalize(token) for token in code_tokens(text)}


def scrub(text: str, *, allowed: set[str]) -> tuple[str, int]:
    """Free text (a model's words) with every code-shaped token removed unless the tools returned it and it exists.

    ``allowed`` holds the normalized code-shaped tokens of the tool results: cited codes (checked to exist)
    and tokens of official text (a title's "T11-T12 vertebra" is not a code but may be repeated).
    """
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        token = match.group(1)
        if not looks_like_code(token):
            return token
        if code_normalize(token) in allowed:
            return token
        removed += 1
        return REMOVED

    return CODE_IN_TEXT.sub(replace, text), removed


def answer_verify(answer: Answer, *, as_of: dt.date | None = None) -> Answer:
    """Drop every cited code that is not in the release in effect, from the answer and from each fact.

    The texts a deterministic answer shows are built by the tools from codebook rows and knowledge-base
    articles (whose codes the test suite checks); a model's text goes through :func:`scrub` as well.
    """
    codes = [c for c in dict.fromkeys(answer.codes) if exists(c, as_of=as_of)]
    removed = len(set(answer.codes)) - len(codes)
    facts = [dataclasses.replace(f, codes=tuple(c for c in f.codes if exists(c, as_of=as_of))) for f in answer.facts]
    answer.facts, answer.codes = facts, codes
    answer.removed_codes += removed
    return answer
