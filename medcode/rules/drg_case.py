"""The codes of an inpatient case checked before grouping: shape, count, code system and release, billability.

The MS-DRG grouper reads whatever it is given (an unknown principal diagnosis becomes DRG 999, a procedure
code given as a diagnosis is silently ignored), so the page, the API and the CLI check the case here first and
name every code that is wrong and why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from medcode.codebook import selectors as codebook
from medcode.core import labels
from medcode.core.errors import ApplicationError, ReleaseNotFound

MAX_SECONDARY = 24  # the UB-04 claim carries a principal and up to 24 other diagnoses
MAX_PROCEDURES = 25  # and up to 25 ICD-10-PCS procedures
SHAPE = re.compile(r"[A-Z0-9]{3,7}")

MSG_CASE = "The case cannot be grouped: {problems}"
MSG_TOO_MANY = "{count} {what} were given; a case takes at most {limit}"
MSG_NOT_A_CODE = "{where}: '{text}' is not a code (expected {example})"
MSG_OTHER_SYSTEM = "{where}: {code} is {article} {system} code, not {expected_article} {expected} code{hint}"
MSG_UNKNOWN = "{where}: {code} is not {article} {label} code in {release}"
MSG_HEADER = "{where}: {code} is a header, not a billable ICD-10-CM code: choose a code under it{example}"
EXAMPLES = {"icd10cm": "an ICD-10-CM code such as I50.21", "icd10pcs": "an ICD-10-PCS code such as 0SR9019"}
HINTS = {"icd10cm": " (give it as a diagnosis)", "icd10pcs": " (give it as a procedure)"}


class DrgCaseInvalid(ApplicationError):
    """An inpatient case whose codes cannot be grouped as given; ``extra['problems']`` lists each one."""

    status = 422


@dataclass(frozen=True)
class DrgCase:
    """The codes of a case, normalised (upper case, no dots), in the order given."""

    pdx: str
    sdx: tuple[str, ...]
    procedures: tuple[str, ...]


def _release(system: str, day: dt.date | None) -> codebook.ReleaseInfo | None:
    try:
        return codebook.release_for(system=system, as_of=day)
    except ReleaseNotFound:
        try:
            return codebook.release_for(system=system)
        except ReleaseNotFound:
            return None


def _shown(text: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    return printable if len(printable) <= 24 else printable[:24] + "…"


def _check(text: str, *, where: str, system: str, day: dt.date | None, problems: list[str]) -> str | None:
    """The code normalised, or None with the problem appended."""
    code = text.strip().upper().replace(".", "")
    if not SHAPE.fullmatch(code):
        problems.append(MSG_NOT_A_CODE.format(where=where, text=_shown(text), example=EXAMPLES[system]))
        return None
    release = _release(system, day)
    if release is None:  # no release of the system to check against: the grouper's own editor decides
        return code
    concept = codebook.concept_find(system=system, code=code, release=release)
    if concept is None:
        other = next((c for c in codebook.concept_locate(code=code, as_of=day) if c.system != system), None)
        if other is not None:
            shown = labels.label(other.system, "system")
            expected = labels.label(system, "system")
            problems.append(
                MSG_OTHER_SYSTEM.format(
                    where=where,
                    code=other.code,
                    article=labels.article(shown),
                    system=shown,
                    expected_article=labels.article(expected),
                    expected=expected,
                    hint=HINTS.get(other.system, ""),
                )
            )
        else:
            label = labels.label(system, "system")
            problems.append(
                MSG_UNKNOWN.format(
                    where=where, code=_shown(text), article=labels.article(label), label=label, release=release.title
                )
            )
        return None
    if system == "icd10cm" and not concept.billable:
        children = codebook.concept_children(concept=concept)
        example = next((c.code for c in children if c.billable), children[0].code if children else "")
        problems.append(
            MSG_HEADER.format(where=where, code=concept.code, example=f" (e.g. {example})" if example else "")
        )
        return None
    return code


def drg_case_check(
    *, pdx: str, sdx: list[str] | None = None, procedures: list[str] | None = None, day: dt.date | None = None
) -> DrgCase:
    """The case's codes checked against the ICD-10-CM and ICD-10-PCS releases in effect on the discharge date
    (the latest loaded when none is): every problem is named in one DrgCaseInvalid."""
    secondary = [c for c in sdx or [] if c and c.strip()]
    procs = [c for c in procedures or [] if c and c.strip()]
    problems: list[str] = []
    if len(secondary) > MAX_SECONDARY:
        problems.append(MSG_TOO_MANY.format(count=len(secondary), what="secondary diagnoses", limit=MAX_SECONDARY))
        secondary = secondary[:MAX_SECONDARY]
    if len(procs) > MAX_PROCEDURES:
        problems.append(MSG_TOO_MANY.format(count=len(procs), what="procedures", limit=MAX_PROCEDURES))
        procs = procs[:MAX_PROCEDURES]
    principal = _check(pdx, where="Principal diagnosis", system="icd10cm", day=day, problems=problems)
    checked_sdx = [
        _check(c, where=f"Secondary diagnosis {i}", system="icd10cm", day=day, problems=problems)
        for i, c in enumerate(secondary, start=1)
    ]
    checked_procs = [
        _check(c, where=f"Procedure {i}", system="icd10pcs", day=day, problems=problems)
        for i, c in enumerate(procs, start=1)
    ]
    if problems:
        raise DrgCaseInvalid(MSG_CASE.format(problems="; ".join(problems)), extra={"problems": problems})
    assert principal is not None
    return DrgCase(
        pdx=principal,
        sdx=tuple(c for c in checked_sdx if c),
        procedures=tuple(c for c in checked_procs if c),
    )
