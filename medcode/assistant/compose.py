"""The answer composer: run the tools an intent calls for, then write the direct answer first and the facts after."""

from __future__ import annotations

import re
from collections.abc import Callable

from medcode.assistant import choice, guard, knowledge
from medcode.assistant.answer import Answer, CodeRef, ToolResult
from medcode.assistant.router import Intent
from medcode.assistant.tools import codebook as codebook_tools
from medcode.assistant.tools import guidance, reference, rules, scenario, search
from medcode.search import guidance as guidance_retrieval

DONT_KNOW = (
    "I don't know: I found nothing in the codebook or the knowledge base that answers this. Try naming a code"
    " (E11.9, 99213, A7016, modifier XS, POS 22), or asking about a topic such as Excludes notes, the global"
    " period, E/M levels, NCCI edits or medical necessity; the official source is the CMS or CDC publication"
    " for the code set."
)
MAX_FACTS = 12
DME = re.compile(r"\b(dme|durable medical equipment|supplier)\b", re.IGNORECASE)
# a guidance question that also asks for the codes themselves ("Which codes, in order?")
ASKS_CODES = re.compile(
    r"\b(which|what)\b[^?]*\b(codes?|diagnosis|is principal|first-listed|sequenced first)\b|\bwhich codes\b",
    re.IGNORECASE,
)
# "Which HCPCS code reports ...?", "Which modifiers identify ...?": a request for a code, not for a rule
CODE_REQUEST = re.compile(
    r"\b(which|what)\b[^?]*\b(codes?|modifiers?)\b[^?]*\b(reports?|for|is used|describes?|identif(?:y|ies)|indicates?)\b",
    re.IGNORECASE,
)
CC_QUESTION = re.compile(r"\b(cc|mcc|cc/mcc|complication or comorbidity)\b", re.IGNORECASE)


def _first(intent: Intent, systems: set[str]) -> str | None:
    for mention in intent.codes:
        if mention.system in systems:
            return mention.code
    return None


def _define(intent: Intent) -> list[ToolResult]:
    if intent.codes:
        return [codebook_tools.code_define(code=m.code, system=m.system, as_of=intent.as_of) for m in intent.codes[:3]]
    return [
        codebook_tools.not_found(
            code=intent.unknown[0], system=intent.system_hint, as_of=intent.as_of, tool="code_define"
        )
    ]


def _billable(intent: Intent) -> list[ToolResult]:
    if intent.codes:
        m = intent.codes[0]
        return [codebook_tools.code_billable(code=m.code, system=m.system, as_of=intent.as_of)]
    return [codebook_tools.code_billable(code=intent.unknown[0], system=intent.system_hint, as_of=intent.as_of)]


def _excludes(intent: Intent) -> list[ToolResult]:
    dx = [m.code for m in intent.codes if m.system == "icd10cm"]
    return [codebook_tools.excludes_pair(first=dx[0], second=dx[1], as_of=intent.as_of)]


def _seventh(intent: Intent) -> list[ToolResult]:
    code = _first(intent, {"icd10cm"})
    assert code is not None
    return [codebook_tools.seventh_character(code=code, description=intent.question, as_of=intent.as_of)]


def _modifier_define(intent: Intent) -> list[ToolResult]:
    results = [reference.modifier_define(code=m, as_of=intent.as_of) for m in intent.modifiers[:3]]
    if not all(r.found for r in results):
        # CPT modifiers are not in the HCPCS file: the article explains the common ones in its own words
        article = knowledge.article_search(query=intent.question, limit=2, topic="modifiers")
        if article.found:
            results.append(article)
    return results


def _modifier_find(intent: Intent) -> list[ToolResult]:
    found = reference.modifier_find(description=intent.question, as_of=intent.as_of)
    article = knowledge.article_search(query=intent.question, limit=2, topic="modifiers")
    return [found, article] if article.found else [found]


def _pos_define(intent: Intent) -> list[ToolResult]:
    return [reference.pos_define(code=p, as_of=intent.as_of) for p in intent.pos[:3]]


def _pos_find(intent: Intent) -> list[ToolResult]:
    return [reference.pos_find(description=intent.question, as_of=intent.as_of)]


def _search(intent: Intent) -> list[ToolResult]:
    return [search.code_search(question=intent.question, system=intent.system_hint, as_of=intent.as_of)]


def _scenario(intent: Intent) -> list[ToolResult]:
    found = scenario.scenario_codes(question=intent.question, as_of=intent.as_of)
    if found.found:
        return [found]
    # nothing the case-to-code engine reads as a stated condition: a search of the words, shown only when it
    # matches them, else the plain "I don't know"
    searched = scenario.search_fallback(question=intent.question, as_of=intent.as_of)
    return [searched] if searched.found else []


def _seventh_meaning(intent: Intent) -> list[ToolResult]:
    found = scenario.seventh_meaning(question=intent.question, as_of=intent.as_of)
    return [found] if found.found else _concept(intent)


def _choice(intent: Intent) -> list[ToolResult]:
    return choice.choice_answer(intent=intent, run=tools_run)


def _ncci_list(intent: Intent) -> list[ToolResult]:
    code = _procedures(intent)[0]
    return [rules.ptp_list(code=code, setting=intent.setting, as_of=intent.as_of)]


def _case(intent: Intent) -> list[ToolResult]:
    return [search.case_codes(note=intent.question, as_of=intent.as_of)]


def _concept(intent: Intent, official: ToolResult | None = None) -> list[ToolResult]:
    # an official guideline or NCCI manual section that answers comes first, quoted verbatim
    if official is None and not CODE_REQUEST.search(intent.question):
        official = guidance.guidance_answer(question=intent.question, as_of=intent.as_of)
    if official is not None and official.found:
        return [official]
    article = knowledge.article_search(query=intent.question)
    results = [article]
    if intent.system_hint == "icd10pcs" or not article.found:
        guideline = knowledge.guideline_search(query=intent.question)
        if guideline.found:
            # the official text comes first; the article then explains it in plain words
            guideline.direct = guideline.direct or article.direct
            article.direct = None
            results = [guideline, article]
    found = [r for r in results if r.found]
    if official is not None and official.facts:
        # the nearest official sections are shown instead of an article or PCS paragraph that shares a word or two
        found = [r for r in found if _on_topic(r, intent.question)]
    # nothing answers: say so plainly, with the nearest official sections (never an off-topic article)
    return found or ([official] if official is not None and official.facts else [])


def _on_topic(result: ToolResult, question: str) -> bool:
    """The result shares at least two of the question's own words and half of them."""
    wanted = set(guidance_retrieval.query_terms(question))
    text = " ".join([result.direct or "", *(f.text for f in result.facts)])
    shared = wanted & set(guidance_retrieval.query_terms(text))
    return len(shared) >= guidance_retrieval.MIN_MATCHED and len(shared) >= len(wanted) / 2


def _guidance(intent: Intent) -> list[ToolResult]:
    """The official section that answers, quoted; with the case's codes when the question asks for codes."""
    official = guidance.guidance_answer(question=intent.question, as_of=intent.as_of)
    results = [official] if official.found or official.facts else _concept(intent, official)
    if ASKS_CODES.search(intent.question):
        codes = search.case_codes(note=intent.question, as_of=intent.as_of)
        if codes.found:
            results.append(codes)
    return results


def _procedures(intent: Intent) -> list[str]:
    return [m.code for m in intent.codes if m.system in {"cpt", "hcpcs"}]


def _ncci(intent: Intent) -> list[ToolResult]:
    first, second = _procedures(intent)[:2]
    return [rules.ptp_pair(first=first, second=second, setting=intent.setting, as_of=intent.as_of)]


def _mue(intent: Intent) -> list[ToolResult]:
    setting = "dme" if DME.search(intent.question) else intent.setting
    return [rules.mue_get(code=code, setting=setting, as_of=intent.as_of) for code in _procedures(intent)[:3]]


def _pfs(intent: Intent) -> list[ToolResult]:
    return [rules.pfs_get(code=code, question=intent.question, as_of=intent.as_of) for code in _procedures(intent)[:3]]


def _diagnoses(intent: Intent) -> list[str]:
    return [m.code for m in intent.codes if m.system == "icd10cm"]


def _drg(intent: Intent) -> list[ToolResult]:
    procedures = [m.code for m in intent.codes if m.system == "icd10pcs"]
    diagnoses = _diagnoses(intent)
    if len(diagnoses) == 1 and not procedures and CC_QUESTION.search(intent.question):
        return [rules.cc_get(code=diagnoses[0], as_of=intent.as_of)]
    return [rules.drg_case(diagnoses=diagnoses, procedures=procedures, as_of=intent.as_of)]


def _hcc(intent: Intent) -> list[ToolResult]:
    return [rules.hcc_get(code=code, as_of=intent.as_of) for code in _diagnoses(intent)[:3]]


def _crosswalk(intent: Intent) -> list[ToolResult]:
    if intent.icd9:
        return [rules.gems_get(code=code, direction="9to10", as_of=intent.as_of) for code in intent.icd9[:3]]
    diagnoses = _diagnoses(intent)
    if diagnoses:
        return [rules.gems_get(code=code, direction="10to9", as_of=intent.as_of) for code in diagnoses[:3]]
    return [codebook_tools.not_found(code=intent.unknown[0], system=None, as_of=intent.as_of, tool="gems_get")]


HANDLERS: dict[str, Callable[[Intent], list[ToolResult]]] = {
    "define": _define,
    "billable": _billable,
    "icd_excludes": _excludes,
    "seventh": _seventh,
    "modifier_define": _modifier_define,
    "modifier_find": _modifier_find,
    "pos_define": _pos_define,
    "pos_find": _pos_find,
    "search": _search,
    "scenario": _scenario,
    "seventh_meaning": _seventh_meaning,
    "choice": _choice,
    "ncci_list": _ncci_list,
    "case": _case,
    "concept": _concept,
    "guidance": _guidance,
    "ncci_pair": _ncci,
    "mue": _mue,
    "pfs": _pfs,
    "drg": _drg,
    "hcc": _hcc,
    "crosswalk": _crosswalk,
}


def tools_run(intent: Intent) -> list[ToolResult]:
    """The tool results for a routed question (never raises for a question it cannot answer)."""
    return HANDLERS.get(intent.kind, _concept)(intent)


def answer_compose(intent: Intent, results: list[ToolResult]) -> Answer:
    """A short direct answer first, then the supporting facts, each with its citation; codes checked last."""
    directs = [r.direct for r in results if r.direct]
    facts = [f for r in results for f in r.facts][:MAX_FACTS]
    codes: list[CodeRef] = [c for r in results for c in r.codes]
    verdict = next((r.verdict for r in results if r.verdict), None)
    if not directs and not facts:
        answer = Answer(answer=DONT_KNOW, facts=[], codes=[], verdict=None, kind=intent.kind)
    else:
        lead = " ".join(directs[:3]) if directs else "Here is what the official sources say."
        answer = Answer(answer=lead, facts=facts, codes=codes, verdict=verdict, kind=intent.kind)
    answer.tools = [r.tool for r in results]
    return guard.answer_verify(answer, as_of=intent.as_of)
