"""The abbreviation and synonym table, entry by entry, on the real default codebook."""

from __future__ import annotations

import pytest

from medcode.codebook import selectors
from medcode.search import index, services, synonyms, text

# words that only the HCPCS long descriptors have (the default carries short descriptors; the January 2026
# HCPCS file, imported with `medcode build --source hcpcs`, has them)
LONG_DESCRIPTOR_ONLY = {"b12", "injectafer", "tens"}
ROWS = sorted(synonyms.synonym_table().values(), key=lambda r: r.term)


def test_table_has_the_abbreviations_coders_type() -> None:
    table = synonyms.synonym_table()
    for term in (
        "dm2",
        "t2dm",
        "htn",
        "chf",
        "copd",
        "ckd",
        "mi",
        "cva",
        "uti",
        "gerd",
        "fx",
        "hx",
        "s/p",
        "w/",
        "w/o",
        "bilat",
        "lle",
        "rue",
    ):
        assert (term,) in table, term


@pytest.mark.parametrize("row", ROWS, ids=lambda r: " ".join(r.term))
def test_entry(row: synonyms.Synonym) -> None:
    """Each word group of the expansion exists in the codebook's official text; the example code is found."""
    vocab: set[str] = set()
    for name in ("icd10cm", "icd10pcs", "hcpcs"):
        vocab |= set(index.release_index(selectors.release_for(system=name)).vocab)
    for group in row.groups:
        stems = {text.stem(w) for alt in group for w in text.words(alt) if w not in text.STOP_WORDS}
        if not stems:
            continue  # "of" in "calculus of kidney": stop words are not searched
        if " ".join(row.term) in LONG_DESCRIPTOR_ONLY:
            continue
        assert stems & vocab, f"{row.term}: none of {group} is in the default codebook's text"
    if row.expect:
        found = services.search(query=" ".join(row.term), system=row.system or None, limit=10)["results"]
        assert row.expect in [r["code"] for r in found], (row.term, [r["code"] for r in found])
