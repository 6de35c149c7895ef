"""What tools return and what the assistant answers: facts with citations, cited codes, a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from medcode.codebook import selectors

Verdict = Literal["yes", "no", "allowed", "not_allowed", "allowed_with_modifier"]
VERDICTS: tuple[str, ...] = ("yes", "no", "allowed", "not_allowed", "allowed_with_modifier")


@dataclass(frozen=True)
class Citation:
    """Where a fact comes from: a code system release and its source file, or a knowledge-base article."""

    system: str
    release: str
    source_file: str
    title: str
    url: str | None = None

    @classmethod
    def of_release(cls, release: selectors.ReleaseInfo) -> Citation:
        return cls(
            system=release.label,
            release=release.version,
            source_file=release.source_file,
            title=release.title,
        )

    def as_dict(self) -> dict[str, str | None]:
        return {
            "system": self.system,
            "release": self.release,
            "source_file": self.source_file,
            "title": self.title,
            "url": self.url,
        }


@dataclass(frozen=True)
class CodeRef:
    """A code the answer states, by system (icd10cm, hcpcs, cpt, modifier, pos, icd10pcs)."""

    system: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code}


@dataclass(frozen=True)
class Fact:
    """One supporting statement, always with the citation it rests on and the codes it states."""

    text: str
    citation: Citation
    codes: tuple[CodeRef, ...] = ()
    # Content a code page can lock: the section (accounts.models.CODE_PAGE_SECTIONS) and the code whose page
    # shows it. The assistant leaves the fact out for a viewer whose plan locks it (docs/metering.md).
    section: str | None = None
    about: CodeRef | None = None


@dataclass
class ToolResult:
    """What one tool call found: facts, the codes it is about, a direct answer and a verdict if it has one."""

    tool: str
    facts: list[Fact] = field(default_factory=list)
    codes: list[CodeRef] = field(default_factory=list)
    direct: str | None = None
    verdict: Verdict | None = None
    found: bool = True

    @property
    def empty(self) -> bool:
        return not self.facts and self.direct is None


@dataclass
class Answer:
    """The assistant's reply: a short direct answer, then supporting facts, each with its citation."""

    answer: str
    facts: list[Fact]
    codes: list[CodeRef]
    verdict: Verdict | None
    kind: str
    tools: list[str] = field(default_factory=list)
    phrased_by: str = "medcode"
    removed_codes: int = 0

    @property
    def citations(self) -> list[Citation]:
        return list(dict.fromkeys(f.citation for f in self.facts))

    def text(self) -> str:
        """The answer as plain text: the direct answer, then one line per fact with its citation number."""
        numbers = {c: i for i, c in enumerate(self.citations, start=1)}
        lines = [self.answer]
        lines += [f"- {f.text} [{numbers[f.citation]}]" for f in self.facts]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        numbers = {c: i for i, c in enumerate(self.citations, start=1)}
        return {
            "answer": self.text(),
            "summary": self.answer,
            "codes": [c.as_dict() for c in self.codes],
            "citations": [{"id": numbers[c], **c.as_dict()} for c in self.citations],
            "verdict": self.verdict,
            "facts": [{"text": f.text, "citation": numbers[f.citation]} for f in self.facts],
            "kind": self.kind,
            "phrased_by": self.phrased_by,
        }
