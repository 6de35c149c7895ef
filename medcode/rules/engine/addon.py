"""Add-on codes: each must be billed with one of its primary procedures on the same date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from medcode.rules.engine.types import AddOnRow, Finding, Line

MSG_TYPE1 = (
    "{code} is an add-on code (type 1) billed without any of its primary procedures on {dos}; CMS lists "
    "{count} primaries (e.g. {examples}), and the add-on is denied without one"
)
MSG_TYPE3 = (
    "{code} is an add-on code (type 3) billed without a listed primary on {dos} (e.g. {examples}); some "
    "contractors accept other primaries, so check your MAC's policy"
)
MSG_TYPE2 = (
    "{code} is an add-on code (type 2): CMS lists no primaries and the contractor decides which primary it "
    "needs; make sure one is on the claim"
)


def addon_check(
    *, lines: Sequence[Line], addons: Mapping[str, Sequence[AddOnRow]], release: str | None
) -> list[Finding]:
    """An add-on line without one of its listed primaries on the same date of service."""
    findings: list[Finding] = []
    codes_on: dict[object, set[str]] = {}
    for line in lines:
        codes_on.setdefault(line.dos, set()).add(line.code)
    for line in lines:
        rows = addons.get(line.code)
        if not rows:
            continue
        kind = rows[0].addon_type
        primaries = sorted({r.primary for r in rows if r.primary})
        present = codes_on[line.dos]
        if kind == 2 or not primaries:
            findings.append(
                Finding("addon", "info", (line.code,), MSG_TYPE2.format(code=line.code), (line.number,), release)
            )
            continue
        if present.intersection(primaries):
            continue
        examples = ", ".join(primaries[:5])
        template, severity = (MSG_TYPE1, "error") if kind == 1 else (MSG_TYPE3, "warning")
        findings.append(
            Finding(
                rule="addon",
                severity=severity,  # type: ignore[arg-type]
                codes=(line.code,),
                message=template.format(code=line.code, dos=line.dos, count=len(primaries), examples=examples),
                lines=(line.number,),
                release=release,
                details=(("addon_type", str(kind)), ("primaries", " ".join(primaries[:50]))),
            )
        )
    return findings
