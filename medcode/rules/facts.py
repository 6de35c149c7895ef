"""The billing facts a code page shows: fee schedule rows, MUE, add-on, NCCI pairs, DRG CC/MCC, HCC, crosswalks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from medcode.codebook import selectors as codebook
from medcode.codebook.hcpcs_fields import VALUE_MEANINGS
from medcode.codebook.selectors import ConceptRow
from medcode.rules import classifiers, selectors

PAGE_PAIRS = 100
MAX_FILTER = 12  # a code is at most 7 characters; a longer filter matches nothing anyway


@dataclass(frozen=True)
class PairsQuery:
    """Which part of a code page's NCCI pair lists to show: a filter on the other code, a page of each list, all."""

    text: str = ""
    page1: int = 1
    page2: int = 1
    show_all: bool = False
    date: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> PairsQuery:
        """Read ?pairs=TEXT&c1=PAGE&c2=PAGE&all_pairs=1 (and keep ?date=); bad numbers read as page 1."""
        text = "".join(ch for ch in query.get("pairs", "")[:MAX_FILTER] if ch.isalnum()).upper()
        return cls(
            text=text,
            page1=_page(query.get("c1", "")),
            page2=_page(query.get("c2", "")),
            show_all=query.get("all_pairs", "") == "1",
            date=query.get("date", "")[:10],
        )

    def link(self, **changes: Any) -> str:
        """The query string of this view with some values changed; a new filter or 'all' starts at page 1."""
        values: dict[str, Any] = {
            "date": self.date,
            "pairs": self.text,
            "c1": self.page1,
            "c2": self.page2,
            "all_pairs": "1" if self.show_all else "",
        }
        if "pairs" in changes or "all_pairs" in changes:
            values.update(c1=1, c2=1)
        values.update(changes)
        kept = {k: v for k, v in values.items() if v not in ("", None) and not (k in ("c1", "c2") and v == 1)}
        return "?" + urlencode(kept) + "#ptp"


def _page(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _ptp_lists(
    *, code: str, release: codebook.ReleaseInfo, day: dt.date, setting: str, pairs: PairsQuery
) -> dict[str, Any]:
    """The two pair lists of a code page: totals, the filter, and the page (or all) of each list with its links."""
    lists = {}
    for column, wanted in ((1, pairs.page1), (2, pairs.page2)):
        _, total = selectors.ptp_edits_page(code=code, release=release, as_of=day, column=column, limit=0)
        _, matching = selectors.ptp_edits_page(
            code=code, release=release, as_of=day, column=column, text=pairs.text, limit=0
        )
        pages = 1 if pairs.show_all else max(1, -(-matching // PAGE_PAIRS))
        page = min(wanted, pages)
        rows, _ = selectors.ptp_edits_page(
            code=code,
            release=release,
            as_of=day,
            column=column,
            text=pairs.text,
            offset=(page - 1) * PAGE_PAIRS,
            limit=None if pairs.show_all else PAGE_PAIRS,
        )
        key = f"c{column}"
        start = (page - 1) * PAGE_PAIRS + 1 if rows else 0
        lists[column] = {
            "rows": rows,
            "total": total,
            "matching": matching,
            "first_shown": start,
            "last_shown": start + len(rows) - 1 if rows else 0,
            "page": page,
            "pages": pages,
            "previous": pairs.link(**{key: page - 1}) if not pairs.show_all and page > 1 else None,
            "next": pairs.link(**{key: page + 1}) if not pairs.show_all and page < pages else None,
        }
    return {
        "setting": setting,
        "release": selectors.release_label(release),
        "first": lists[1]["rows"],
        "second": lists[2]["rows"],
        "count_first": lists[1]["total"],
        "count_second": lists[2]["total"],
        "lists": lists,
        "filter": pairs.text,
        "show_all": pairs.show_all,
        "all_link": pairs.link(all_pairs="1"),
        "paged_link": pairs.link(all_pairs=""),
        "clear_link": pairs.link(pairs=""),
        "date": pairs.date,
        "page_size": PAGE_PAIRS,
    }


def billing_facts(
    *, concept: ConceptRow, as_of: dt.date | None = None, pairs: PairsQuery | None = None
) -> dict[str, Any] | None:
    """Everything the rule tables hold about one code on a date (today by default); None for other systems.

    ``pairs`` chooses the page and filter of the NCCI pair lists (from the page's query string)."""
    day = as_of or dt.date.today()
    if concept.system == "icd10cm":
        if not concept.billable:
            return None
        return {"code": concept.code, "date": day.isoformat(), "dx": classifiers.diagnosis_facts(concept.code)}
    if concept.system not in ("cpt", "hcpcs") or concept.kind != "code":
        return None
    code = concept.code
    coverage = concept.attrs.get("coverage_code")
    facts: dict[str, Any] = {
        "code": code,
        "date": day.isoformat(),
        "coverage": coverage,
        "coverage_meaning": VALUE_MEANINGS["coverage_code"].get(coverage or ""),
    }
    pfs = selectors.rule_release(system="pfs", as_of=day)
    if pfs is not None:
        facts["pfs"] = selectors.pfs_detail(code=code, release=pfs)
        facts["pfs_release"] = selectors.release_label(pfs)
    mue = []
    for setting in ("practitioner", "hospital", "dme"):
        release = selectors.rule_release(system=f"mue-{setting}", as_of=day)
        if release is not None:
            row = selectors.mue_values(codes=[code], release=release).get(code)
            if row is not None:
                mue.append(
                    {
                        "setting": setting,
                        "value": row.value,
                        "mai": row.mai,
                        "rationale": row.rationale,
                        "release": selectors.release_label(release),
                    }
                )
    facts["mue"] = mue
    addon_release = selectors.rule_release(system="addon", as_of=day)
    if addon_release is not None:
        rows = selectors.addons_for(codes=[code], release=addon_release, as_of=day).get(code)
        if rows:
            facts["addon"] = {
                "type": rows[0].addon_type,
                "primaries": sorted({r.primary for r in rows if r.primary})[:40],
            }
        facts["addons_of"] = selectors.addon_primaries_of(code=code, release=addon_release, as_of=day)[:40]
    for setting in ("practitioner", "hospital"):
        release, _ = selectors.ptp_release(setting=setting, as_of=day)
        if release is None or (setting == "practitioner" and release.system != "ncci-ptp-practitioner"):
            continue
        facts["ptp"] = _ptp_lists(code=code, release=release, day=day, setting=setting, pairs=pairs or PairsQuery())
        break
    return facts
