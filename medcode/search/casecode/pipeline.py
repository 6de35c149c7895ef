"""Case-to-code, stage by stage: clauses and context (`clauses`), index lookup (`index_lookup`, with `history`,
`procedures` and the optional `neighbours`), tabular verification (`tabular`), guideline rules (`rules`),
sequencing (`sequencing`) and the frozen result (`result`)."""

from __future__ import annotations

from typing import Any

from medcode.codebook import selectors
from medcode.core.errors import ApplicationError, ReleaseNotFound
from medcode.search import index, semantic, services
from medcode.search.casecode import rules
from medcode.search.casecode.candidates import (
    PROCEDURE_SYSTEMS,
    UNCERTAIN_REASON,
    Candidate,
    Mention,
    doc_array,
    new_candidate,
    text_source,
)
from medcode.search.casecode.clauses import Clause, clauses, denied_after
from medcode.search.casecode.doc_masks import doc_arrays
from medcode.search.casecode.history import (
    CHRONIC_REASON,
    FAMILY_REASON,
    HISTORY_CODES,
    HISTORY_LIST_CUES,
    family_history_of,
    had_terms,
    history_code,
    names_had,
    still_present,
)
from medcode.search.casecode.index_lookup import mentions
from medcode.search.casecode.neighbours import add_neighbours
from medcode.search.casecode.procedures import partial_title
from medcode.search.casecode.result import CaseCode, CaseResult, Check
from medcode.search.casecode.sequencing import placed, sequence
from medcode.search.casecode.tabular import superseded, validate_set
from medcode.search.casecode.tuning import RANKING

MAX_NOTE_CHARS = 100_000
MSG_EMPTY = "The note is empty: paste the clinical text to code"
MSG_TOO_LONG = "The note is {length} characters long; case-to-code reads at most {limit}"
Found = dict[tuple[str, str], Candidate]


def code_case(
    *,
    note: str,
    date: str | None = None,
    systems: tuple[str, ...] = ("icd10cm", "icd10pcs"),
    use_semantic: bool = True,
) -> CaseResult:
    """The codes a note documents. "Suggested" codes (first, in reporting order) have an official text the note
    states or a guideline rule that requires them; the rest, to review, have a text a clause states only in part,
    are uncertain in an outpatient record, or are embedding neighbours of a clause. The checks are of the suggested
    set.

    With the semantic extra installed and the release's code vectors computed (`medcode serve` does it),
    embedding retrieval adds candidates and re-ranks the lexical ones; `use_semantic=False` turns it off.
    """
    if not isinstance(note, str):
        raise ApplicationError("The note must be text")
    if not note.strip():
        raise ApplicationError(MSG_EMPTY)
    if len(note) > MAX_NOTE_CHARS:
        raise ApplicationError(MSG_TOO_LONG.format(length=len(note), limit=MAX_NOTE_CHARS))
    note = note.replace("\x00", " ")
    as_of = selectors.parse_date(date)
    indexes = []
    for name in systems:
        try:
            indexes.append(index.release_index(selectors.release_for(system=name, as_of=as_of)))
        except ReleaseNotFound:
            continue
    found: Found = {}
    excluded: Found = {}
    parts = clauses(note)  # stage 1
    for clause in parts:  # stage 2
        for ix in indexes:
            _look_up(ix, note, parts, clause, found, excluded)
    if use_semantic:
        for ix in indexes:
            vectors = semantic.release_vectors(ix.release)
            if vectors is not None:
                add_neighbours(found, ix, vectors, parts)
    for key, why in superseded(found).items():  # stage 3
        moved = found.pop(key)
        moved.statuses = {why}
        excluded.setdefault(key, moved)
    icd = next((ix for ix in indexes if ix.system == "icd10cm"), None)
    first = (  # stage 4
        rules.apply(note=note, parts=parts, found=found, excluded=excluded, ix=icd, as_of=as_of)
        if icd is not None
        else {}
    )
    # stage 5: the suggested set first, in reporting order; then the codes to review (ADRs 0023, 0034)
    ranked = sorted(found.values(), key=lambda c: (not c.stated, -c.score * placed(c, len(note))))[: RANKING.max_codes]
    suggested = sequence([c for c in ranked if c.stated], first, as_of=as_of)
    ranked = suggested + [c for c in ranked if not c.stated]
    # a condition coded as current is not also listed as excluded
    current = {(c.system, c.code) for c in ranked}
    excluded_list = [c for k, c in sorted(excluded.items(), key=lambda kv: -kv[1].score) if k not in current]
    checks = validate_set(codes=[(c.system, c.code) for c in suggested[:25]], as_of=as_of)
    return CaseResult(  # stage 6
        codes=tuple(CaseCode.of(c) for c in ranked),
        excluded=tuple(CaseCode.of(c, excluded=True) for c in excluded_list[: RANKING.max_codes]),
        checks=tuple(Check(f["rule"], tuple(f["codes"]), f["message"]) for f in checks),
    )


def case_to_code(**kwargs: Any) -> dict[str, Any]:
    """`code_case` as JSON: {"codes", "excluded", "validation"} (the REST API's and the CLI's shape)."""
    return code_case(**kwargs).as_dict()


def _look_up(
    ix: index.ReleaseIndex, note: str, parts: list[Clause], clause: Clause, found: Found, excluded: Found
) -> None:
    """What one clause states in one code system, added to the candidates by its context: current codes, history
    and family-history Z codes, chronic conditions of a history list, uncertain diagnoses to review, the rest
    excluded with their status."""
    if ix.system in PROCEDURE_SYSTEMS and clause.status != "current":
        return
    lex = services.codebook_lexicon()
    wanted = clause.status == "current" and ix.system not in PROCEDURE_SYSTEMS
    stated, partial = mentions(ix, clause, lex, partial=wanted, denied=denied_after(note, parts, clause))
    if clause.status in HISTORY_CODES and ix.system == "icd10cm":
        had = had_terms(ix, clause)
        z = history_code(clause, ix, had)
        if z is not None:
            mentions_z = [Mention(z[0], z[1], int(ix.title_doc[z[0]]), None)]
            add_mentions(found, ix, clause, mentions_z, status="current", reason_prefix=f"{clause.status}: ")
        elif clause.status == "family":
            _family_history(ix, clause, stated, found)
        # a history code the clause states ("ex-smoker": Z87.891) is how ICD-10-CM codes that history
        as_such = [
            m
            for m in stated
            if ix.codes[m.concept].startswith(HISTORY_CODES[clause.status]) and names_had(ix, had, m.doc)
        ]
        stated = [m for m in stated if m not in as_such]
        # (once: the history code `history_code` found is already added from this clause)
        as_such = [m for m in as_such if z is None or m.concept != z[0]]
        add_mentions(found, ix, clause, as_such, status="current", reason_prefix=f"{clause.status}: ")
    if clause.status == "history" and clause.cue in HISTORY_LIST_CUES and ix.system == "icd10cm":
        carried = [m for m in stated if still_present(ix.codes[m.concept], ix.titles[m.concept])]
        add_mentions(found, ix, clause, carried, status="current", reason_prefix=CHRONIC_REASON)
        stated = [m for m in stated if m not in carried]
    if clause.status == "uncertain" and ix.system not in PROCEDURE_SYSTEMS:
        # an inpatient record codes an uncertain diagnosis as if established (Guidelines II.H), an
        # outpatient one codes the symptoms (IV.H): the coder, who knows which, reviews it (ADR 0035)
        add_mentions(found, ix, clause, stated, status="uncertain", reason_prefix=UNCERTAIN_REASON, stated=False)
    else:
        add_mentions(found if clause.status == "current" else excluded, ix, clause, stated, status=clause.status)
    weak = [m._replace(score=m.score * RANKING.partial_scale) for m in partial]
    add_mentions(found, ix, clause, weak, status="current", reason_prefix="partial ", stated=False)


def _family_history(ix: index.ReleaseIndex, clause: Clause, stated: list[Mention], found: Found) -> None:
    """The family-history code of each condition a relative had, by the Tabular's Z80-Z84 blocks, when no Z title
    or Index entry names it in the note's words (`history.FAMILY_HISTORY`)."""
    done: set[int] = set()
    for m in stated:
        code = ix.codes[m.concept]
        z = family_history_of(code) if not code.startswith("Z") else None
        concept = ix.find(selectors.normalize(z)) if z else None
        if concept is None or concept in done or not ix.billable[concept]:
            continue
        done.add(concept)
        mention = Mention(concept, m.score, int(ix.title_doc[concept]), None)
        add_mentions(found, ix, clause, [mention], status="current", reason_prefix=FAMILY_REASON.format(code=code))


def add_mentions(
    into: dict[tuple[str, str], Candidate],
    ix: index.ReleaseIndex,
    clause: Clause,
    mentions: list[Mention],
    *,
    status: str,
    reason_prefix: str = "",
    stated: bool = True,
) -> None:
    """Add what a clause mentions to the candidates; `stated=False` for texts the clause states only in part."""
    for concept, score, doc, via, partial in mentions:
        key = (ix.system, partial or ix.codes[concept])
        cand = into.get(key)
        if cand is None and partial:
            cand = into[key] = Candidate(ix.system, partial, partial_title(ix, partial), False, incomplete=True)
        elif cand is None:
            cand = into[key] = new_candidate(ix, concept)
        source = via if via is not None else doc
        kind = index.KIND_NAMES[int(ix.doc_kind[source])]
        reason = {"title": "title match", "inclusion": "inclusion term"}.get(kind, f"{kind} term")
        # repeated mentions add up, with diminishing returns; each code a clause states counts in full ("chills,
        # vomiting and anorexia" states three findings: ADR 0036); a code's own title is the most direct evidence
        # (ADR 0035)
        weight = 1.0 if kind == "title" else RANKING.other_text_weight
        cand.score += weight * score / (1 + 0.5 * len(cand.evidence))
        cand.statuses.add(status)
        cand.stated = cand.stated or stated
        cand.evidence.append(
            clause.evidence(
                reason=reason_prefix + reason,
                matched=ix.doc_text[source],
                status=status,
                source=text_source(ix, source),
            )
        )


def warm(releases: list[selectors.ReleaseInfo]) -> None:
    """Work out now what case-to-code reads off each release's texts (otherwise the first note of a process
    does it: about half a second per system)."""
    for release in releases:
        ix = index.release_index(release)
        for build in doc_arrays(ix):
            doc_array(ix, build)
