"""Questions with lettered options ("A. K40.90  B. K40.91 ..."): each option weighed with the same tools that answer
the question without options, and the option the evidence supports named by its letter, with the reason."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from medcode.assistant import router
from medcode.assistant.answer import Citation, CodeRef, Fact, ToolResult
from medcode.assistant.text import content_words
from medcode.assistant.tools import scenario
from medcode.codebook import selectors
from medcode.codebook.codes import code_normalize
from medcode.core.errors import ApplicationError
from medcode.search import casecode

FIRST_ASKED = re.compile(
    r"\b(?:listed first|first[- ]listed|sequenced first|principal|primary diagnosis|first)\b", re.IGNORECASE
)
NUMBER = re.compile(r"\b[0-9]+[a-z]?\b", re.IGNORECASE)


@dataclass
class Option:
    """One lettered option: its text, the codes it names, and what the evidence says of it."""

    letter: str
    text: str
    codes: list[router.Mention] = field(default_factory=list)
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _title(mention: router.Mention) -> str:
    try:
        return selectors.concept_get(system=mention.system, code=mention.code).title
    except ApplicationError:
        return ""


def _title_fit(stem_words: set[str], stem_numbers: set[str], title: str) -> float:
    """How much of an official title the stem states: shared words, less words and numbers it does not say."""
    words = content_words(title)
    if not words:
        return 0.0
    hits = sum(1 for w in words if w in stem_words)
    numbers = {n.lower() for n in NUMBER.findall(title)}
    wrong_numbers = len(numbers - stem_numbers) if stem_numbers else 0
    return (hits - 0.3 * (len(words) - hits)) / len(words) - 0.5 * wrong_numbers


def _weigh_codes(stem: str, options: list[Option], as_of: dt.date | None) -> None:
    """Score options that name codes: case-to-code's codes for the stem, then the fit of the official titles."""
    found = scenario.scenario_codes(question=stem, as_of=as_of)
    suggested = [code_normalize(c.code) for c in found.codes]
    first_asked = FIRST_ASKED.search(stem) is not None
    stem_words = scenario.expanded_words(stem)
    stem_numbers = {n.lower() for n in NUMBER.findall(stem)}
    for option in options:
        norms = [code_normalize(m.code) for m in option.codes]
        inside = [n for n in norms if n in suggested]
        if first_asked and len(norms) == 1:
            if suggested and norms[0] == suggested[0]:
                option.score += 3.0
                option.reasons.append(f"case-to-code lists {option.codes[0].code} first for these words")
            elif inside:
                option.score += 1.0
        elif norms:
            option.score += 3.0 * len(inside) / len(norms)
            if inside and len(inside) == len(norms):
                option.reasons.append("case-to-code gives every code of this option for these words")
        fits = [_title_fit(stem_words, stem_numbers, _title(m)) for m in option.codes]
        if fits:
            option.score += sum(fits) / len(fits)
        checks = casecode.validate_set(codes=[(m.system, m.code) for m in option.codes])
        blocking = [c for c in checks if c["rule"] in {"excludes1", "billable", "seventh_character"}]
        if blocking:
            option.score -= 2.0
            option.reasons.append(blocking[0]["message"])


def _weigh_text(stem: str, options: list[Option], run: Callable[[router.Intent], list[ToolResult]]) -> list[ToolResult]:
    """Score options that name no code: the answer to the stem, and which option it states."""
    results = run(router.route(stem))
    said = " ".join(r.direct or "" for r in results)
    for option in options:
        pattern = rf"(?<![\w.]){re.escape(option.text)}(?![\w])"
        if re.search(pattern, said, re.IGNORECASE):
            option.score += 3.0
            option.reasons.append(f"the answer to the question states {option.text}")
    return results


def choice_answer(*, intent: router.Intent, run: Callable[[router.Intent], list[ToolResult]]) -> list[ToolResult]:
    """The tool results for a question with options: the chosen option first (its letter in the direct answer),
    then the evidence for it and what each other option is."""
    split = router.options_split(intent.question)
    if split is None:
        return run(router.Intent(kind="concept", question=intent.question, as_of=intent.as_of))
    stem, lettered = split
    options = []
    for letter, body in lettered:
        mentions, _ = router.code_mentions(body, as_of=intent.as_of, hint=intent.system_hint)
        options.append(Option(letter, body, mentions))
    with_codes = all(o.codes for o in options)
    evidence: list[ToolResult] = []
    if with_codes:
        _weigh_codes(stem, options, intent.as_of)
    else:
        evidence = _weigh_text(stem, options, run)
    ranked = sorted(options, key=lambda o: -o.score)
    best = ranked[0]
    result = ToolResult(tool="choice")
    if best.score <= 0 or (len(ranked) > 1 and ranked[1].score == best.score):
        result.found = False
        result.direct = (
            "I cannot tell which option is right from the codebook: "
            + "; ".join(f"{o.letter}. {o.text}" for o in options)
            + ". Each option's codes are described below."
        )
    else:
        reason = best.reasons[0] if best.reasons else "its official text fits the question best"
        result.direct = f"Answer {best.letter}: {best.text}. Why: {reason}."
        result.codes = [CodeRef(m.system, m.code) for m in best.codes]
    for option in options:
        for mention in option.codes:
            try:
                concept = selectors.concept_get(system=mention.system, code=mention.code, as_of=intent.as_of)
            except ApplicationError:
                continue
            mark = " (the answer)" if option is best and result.found else ""
            result.facts.append(
                Fact(
                    f"Option {option.letter}{mark}: {concept.code} ({concept.release.label}): {concept.title}.",
                    Citation.of_release(concept.release),
                    (CodeRef(concept.system, concept.code),),
                )
            )
    for other in evidence:
        # the answer to the question without its options is the evidence; its own lead follows the letter
        if other.direct and result.found:
            result.direct = f"{result.direct} {other.direct}"
        other.direct = None
    return [result, *evidence]
