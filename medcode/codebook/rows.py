"""Rows of the codebook's rule tables that ingest writes and the rules engine reads: one type each, both sides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One NCCI procedure-to-procedure edit in effect over a date range (column 2 is bundled into column 1).

    ``modifier`` is the CMS modifier indicator: 0 no modifier bypasses the edit, 1 an NCCI-associated
    modifier may, 9 not applicable (the edit was deleted). ``effective_to`` is the last day in effect.
    """

    column1: str
    column2: str
    effective_from: dt.date
    effective_to: dt.date | None
    modifier: int
    rationale: str | None = None

    def in_effect(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, slots=True)
class MueValue:
    """One Medically Unlikely Edit: the most units of a code per line (MAI 1) or per day (MAI 2, 3)."""

    code: str
    value: int
    mai: int
    rationale: str | None = None
