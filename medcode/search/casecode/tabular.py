"""Tabular verification of a code set: billable codes and 7th characters, Excludes1 pairs, "code first" and "use
additional code" partners (the checks shown beside the suggested set), and the candidates the rest of the set
makes wrong to report (guidelines I.C.2 and I.C.20)."""

from __future__ import annotations

from typing import Any

from medcode.codebook import notes, selectors
from medcode.core.errors import ApplicationError
from medcode.search.casecode.candidates import Candidate, with_seventh


def validate_set(*, codes: list[tuple[str, str]], as_of: Any = None) -> list[dict[str, Any]]:
    """Findings about a set of codes: not billable, 7th character needed, Excludes1 pairs, missing partners."""
    findings: list[dict[str, Any]] = []
    norms = {selectors.normalize(code) for _, code in codes}
    for system, code in codes:
        try:
            detail = selectors.concept_detail(system=system, code=code, as_of=as_of)
        except ApplicationError:
            partial = selectors.pcs_partial(code=code, as_of=as_of) if system == "icd10pcs" else None
            if partial is not None:
                shown = ", ".join(c.code for c in partial.completions[:4])
                more = ", ..." if len(partial.completions) > 4 else ""
                findings.append(
                    {
                        "rule": "incomplete",
                        "codes": [code],
                        "message": f"{code} is incomplete: choose one of its {len(partial.completions)} codes"
                        f" ({shown}{more}) by what the record says",
                    }
                )
            continue
        c = detail.concept
        if not c.billable and system in ("icd10cm", "icd10pcs"):
            if detail.seventh and len(selectors.normalize(code)) < 7:
                findings.append(
                    {
                        "rule": "seventh_character",
                        "codes": [code],
                        "message": f"{code} needs a 7th character ({', '.join(ch for ch, _ in detail.seventh)}):"
                        f" {with_seventh(code, detail.seventh[0][0])} for {detail.seventh[0][1]}, ...",
                    }
                )
            else:
                findings.append(
                    {"rule": "billable", "codes": [code], "message": f"{code} is a header: pick a more specific code"}
                )
        if system != "icd10cm":
            continue
        for note in detail.notes:
            refs = notes.note_references(note.text)
            hits = [
                n for n in norms if n != selectors.normalize(code) and any(notes.reference_covers(r, n) for r in refs)
            ]
            if note.kind == "excludes1" and hits:
                findings.append(
                    {
                        "rule": "excludes1",
                        "codes": [code, *sorted(hits)],
                        "message": f"Excludes1 at {note.code}: {note.text}",
                    }
                )
            if note.kind in ("code_first", "use_additional") and refs and not hits:
                at = f"chapter {note.code}" if note.code.isdigit() else note.code  # chapter notes are on "1", "10"
                label = f"{'Code first' if note.kind == 'code_first' else 'Use additional code'} ({at})"
                # the official text goes on from the instruction's words when it starts with a comma ("Code first,
                # if applicable, associated influenza ...")
                joined = f"{label}{note.text}" if note.text.startswith(",") else f"{label}: {note.text}"
                findings.append({"rule": note.kind, "codes": [code], "message": joined})
    unique: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in findings:
        key = (f["rule"], f["codes"][0], f["message"].split(":")[0])
        unique.setdefault(key, f)
    return list(unique.values())


def superseded(found: dict[tuple[str, str], Candidate]) -> dict[tuple[str, str], str]:
    """Candidates the rest of the set makes wrong to report, with why (ICD-10-CM guidelines I.C.2 and I.C.20).

    A neoplasm of unspecified behavior (D49) or unspecified site (C80) is for when the record says no more: not
    beside a code that states the behavior or the site. An external cause code (V00-Y99) goes with an injury or
    poisoning, not alone ("activity", "exposure" in a note are no external cause).
    """
    stated = sorted(c.code for c in found.values() if c.stated and c.system == "icd10cm")
    behavior = next((c for c in stated if c[0] == "C" or "D00" <= c[:3] <= "D48"), None)
    site = next((c for c in stated if (c[0] == "C" and not c.startswith("C80")) or "D00" <= c[:3] <= "D09"), None)
    neoplasm = next((c for c in stated if c.startswith("D49") and not c.startswith("D49.9")), behavior)
    injury = any("S00" <= c[:3] <= "T88" for c in stated)
    out: dict[tuple[str, str], str] = {}
    for key, c in found.items():
        if c.system != "icd10cm":
            continue
        code = c.code
        if code.startswith("D49") and behavior:
            out[key] = f"superseded by {behavior}"
        elif code.startswith("D49.9") and neoplasm:
            out[key] = f"superseded by {neoplasm}"
        elif code.startswith("C80") and site:
            out[key] = f"superseded by {site}"
        elif code[0] in "VWXY" and not injury:
            out[key] = "external cause without an injury"
    return out
