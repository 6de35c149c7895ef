"""Checks a new codebook must pass before it can be activated: counts and referential integrity."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

MSG_INVALID = "The new codebook failed validation and was not activated: {problems}"
MSG_EMPTY_RULES = "rule release {system} {version} has no rows"
RULE_TABLES = ("ptp_edit", "mue_value", "addon_code", "pfs_rvu", "gpci", "oppscap", "anes_cf", "anes_base")
MSG_EMPTY_RELEASE = "release {system} {version} has no codes"
MSG_EMPTY_GUIDANCE = "guidance release {system} {version} has no sections"
MSG_ORPHANS = "release {system} {version}: {count} {what} refer to codes it does not hold (e.g. {example})"


@dataclass
class Report:
    """Counts per release, errors that block activation and warnings that do not."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "counts": self.counts, "errors": self.errors, "warnings": self.warnings}


ORPHAN_CHECKS = (
    (
        "concepts",
        "SELECT c.parent FROM concept c WHERE c.release_id = :r AND c.parent IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM concept p WHERE p.release_id = :r AND p.code = c.parent)",
    ),
    (
        "notes",
        "SELECT n.code FROM note n WHERE n.release_id = :r"
        " AND NOT EXISTS (SELECT 1 FROM concept p WHERE p.release_id = :r AND p.code = n.code)",
    ),
    (
        "7th-character definitions",
        "SELECT s.code FROM seventh_character s WHERE s.release_id = :r"
        " AND NOT EXISTS (SELECT 1 FROM concept p WHERE p.release_id = :r AND p.code = s.code)",
    ),
)


def codebook_validate(conn: sqlite3.Connection) -> Report:
    report = Report()
    releases = conn.execute("SELECT id, system, version, content, title FROM release ORDER BY id").fetchall()
    for release_id, system, version, content, title in releases:
        key = f"{system} {version} ({content})" if content == "codes" else f"{system} {version} ({content}: {title})"
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table} WHERE release_id = ?", (release_id,)).fetchone()[0]
            for table in (
                "concept",
                "note",
                "seventh_character",
                "index_term",
                "pcs_axis",
                "guideline",
                "guidance_section",
                *RULE_TABLES,
            )
        }
        report.counts[key] = {name: n for name, n in counts.items() if n}
        if content == "rules" and not any(counts[t] for t in RULE_TABLES):
            report.errors.append(MSG_EMPTY_RULES.format(system=system, version=version))
            continue
        if content == "guidance" and counts["guidance_section"] == 0:
            report.errors.append(MSG_EMPTY_GUIDANCE.format(system=system, version=version))
            continue
        if content == "codes" and counts["concept"] == 0:
            report.errors.append(MSG_EMPTY_RELEASE.format(system=system, version=version))
            continue
        for what, sql in ORPHAN_CHECKS:
            orphans = conn.execute(sql, {"r": release_id}).fetchall()
            if orphans:
                report.errors.append(
                    MSG_ORPHANS.format(
                        system=system, version=version, count=len(orphans), what=what, example=orphans[0][0]
                    )
                )
        if content == "index":
            dangling = conn.execute(
                "SELECT count(*) FROM index_term t WHERE t.release_id = :r AND t.parent_id IS NOT NULL AND NOT EXISTS"
                " (SELECT 1 FROM index_term p WHERE p.release_id = :r AND p.idx = t.idx AND p.term_id = t.parent_id)",
                {"r": release_id},
            ).fetchone()[0]
            if dangling:
                report.errors.append(
                    MSG_ORPHANS.format(
                        system=system,
                        version=version,
                        count=dangling,
                        what="index subterms",
                        example="a parent term id",
                    )
                )
            unknown = conn.execute(
                """SELECT count(DISTINCT ic.norm) FROM index_code ic JOIN index_term t ON t.id = ic.index_term_id JOIN release r0 ON r0.id = t.release_id
                   WHERE t.release_id = ? AND (r0.system != 'icd10pcs' OR length(ic.norm) = 7) AND ic.norm NOT IN (
                     SELECT c.norm FROM concept c JOIN release r ON r.id = c.release_id WHERE r.system = ?)""",
                (release_id, system),
            ).fetchone()[0]
            if unknown:
                report.warnings.append(
                    f"{key}: {unknown} codes named by the index are not in any {system} code release"
                    " (shown without a link)"
                )
    return report
