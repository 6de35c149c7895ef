"""In-memory search structures over one code release: concepts, documents, an inverted index, a lexicon.

Built at first use per process from the read-only codebook and cached by (codebook file, release).
A document is one text that leads to a concept: its official title, one inclusion term, one
Alphabetic Index path (or one cell of the Drug or Neoplasm table). Documents that lead to a code
still to be completed (an index entry "S72.00-", a PCS table) also carry the range of concepts that
complete it, so the words of a query can steer to the specific billable code.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
import sqlite3
import tempfile
import threading
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from medcode.codebook import selectors, store
from medcode.codebook.codes import code_normalize
from medcode.core import labels
from medcode.search import synonyms, text

# document kinds and how much a match through each counts
# (REFERENCE: an ICD-10-CM index entry without a code, through its "see" reference: one step further from the code)
TITLE, INCLUSION, INDEX, DRUG, NEOPLASM, EINDEX, PCS_INDEX, REFERENCE = range(8)
KIND_NAMES = ("title", "inclusion", "index", "drug", "neoplasm", "eindex", "index", "index")
KIND_WEIGHT = np.array([1.0, 0.97, 1.0, 0.9, 0.9, 0.8, 0.75, 0.9], dtype=np.float32)
INDEX_KIND = {"main": INDEX, "drug": DRUG, "neoplasm": NEOPLASM, "eindex": EINDEX, "pcs": PCS_INDEX}
TABLE_LABELS = {k: v for k, v in labels.INDEX_ROLES.items() if k != "manifestation"}  # table columns
K1, B = 1.2, 0.5
DEFAULT_LIKE = re.compile(
    r"\bwithout complications?\b|, uncomplicated\b|, unspecified$|^unspecified\b|, not otherwise specified$"
    r"|\bof unspecified site$",
    re.I,
)
NONESSENTIAL = frozenset(
    ["nos", "nec", "unspecified", "specified", "site", "not", "elsewhere", "classified", "with", "without"]
)
PARENTHESISED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# what a title leaves unspecified is not something a text must say: "Pneumonia, unspecified organism",
# "Neoplasm of unspecified behavior", "Unspecified injury of ..., unspecified part" (never the site itself)
# ... nor the notation of the infectious-agent codes (B95-B97: "... as the cause of diseases classified elsewhere")
UNSPECIFIED_WHAT = re.compile(
    r"\bunspecified\s+(?:organism|type|part|behaviou?r|cause|degree|stage|trimester|severity|etiology|mechanism)s?\b"
    r"|\bas the cause of diseases classified elsewhere\b",
    re.I,
)
# ... nor, in a title, what it leaves out: "Malignant neoplasm of right kidney, except renal pelvis" (in an
# includes note, "paralysis, except as in G80-G82" is a rule about the category, not a text of one code)
TITLE_EXCEPT = re.compile(r",?\s*\bexcept\b[^,;]*", re.I)
# ... nor the default a text spells out ("Duodenal ulcer, unspecified as acute or chronic", "Chronic or unspecified
# duodenal ulcer", "not intractable"); what a text is "without" is case-to-code's to weigh (it steers search)
DEFAULT_SPELLED_OUT = re.compile(r"\bunspecified as\b[^,;]*|\bnot intractable\b|\b[a-z]+ or unspecified\b", re.I)
# a main term's other forms are ways of saying it, not more words to say: "Necrosis, necrotic", "Ulcer, ulcerated,
# ulcerating" (see _main_term_forms)
MAIN_TERM = re.compile(r"^([A-Za-z]+)((?:, [A-Za-z]+)+)(?=,|$| )")
# a PCS "see" reference that ends with the code it leads to ("Performance, Urinary 5A1D"): its words, its code
SEE_CODE = re.compile(r"^(.*?)\s+([0-9A-HJ-NP-Z]{3,7})$")


@dataclass
class ReleaseIndex:
    """Concepts of one code release (sorted by normalised code) and the documents that lead to them."""

    release: selectors.ReleaseInfo
    codes: list[str]
    norms: list[str]
    titles: list[str]
    kinds: list[str]
    billable: np.ndarray
    terminated: np.ndarray
    chapter: list[str]
    default_like: np.ndarray  # "without complications", "..., unspecified": the code to take when nothing more is said
    hi: np.ndarray  # end (exclusive) of the range of concepts whose code starts with this one
    seq: np.ndarray
    title_doc: np.ndarray
    doc_concept: np.ndarray
    doc_lo: np.ndarray
    doc_hi: np.ndarray
    doc_kind: np.ndarray
    doc_text: list[str]
    doc_idf_total: np.ndarray
    doc_core_n: np.ndarray  # how many essential words
    doc_idf_core: np.ndarray  # the same without nonessential words: (parenthesised), NOS, NEC, unspecified...
    vocab: dict[str, int]
    ptr: np.ndarray
    post_doc: np.ndarray
    post_w: np.ndarray
    post_core: np.ndarray  # the posting's word is an essential word of its document
    idf: np.ndarray
    surface_df: Counter[str] = field(default_factory=Counter)

    @property
    def system(self) -> str:
        return self.release.system

    def find(self, norm: str) -> int | None:
        i = bisect_left(self.norms, norm)
        return i if i < len(self.norms) and self.norms[i] == norm else None

    def prefix_range(self, norm: str) -> tuple[int, int]:
        lo = bisect_left(self.norms, norm)
        return lo, bisect_left(self.norms, norm + "\uffff", lo)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.ptr[term], self.ptr[term + 1]
        return self.post_doc[a:b], self.post_w[a:b]

    @cached_property
    def post_w_max(self) -> np.ndarray:
        """Each term's greatest posting weight (0 for a term without postings): bounds what a term can add."""
        ptr = self.ptr.astype(np.int64)
        found = np.zeros(ptr.size - 1, dtype=np.float64)
        has = ptr[1:] > ptr[:-1]
        if has.any():
            found[has] = np.maximum.reduceat(self.post_w, ptr[:-1][has])
        return found

    def core_postings(self, term: int) -> np.ndarray:
        """The documents in which the term is an essential word."""
        a, b = self.ptr[term], self.ptr[term + 1]
        found: np.ndarray = self.post_doc[a:b][self.post_core[a:b]]
        return found


def _chapters(rows: list[sqlite3.Row]) -> dict[str, str]:
    """Each code's chapter (ICD-10-CM chapter, PCS section, HCPCS range): the top of its hierarchy."""
    parent = {r["code"]: r["parent"] for r in rows}
    top: dict[str, str] = {}
    for code in parent:
        chain = []
        node: str | None = code
        while node is not None and node not in top:
            chain.append(node)
            node = parent.get(node)
        root = top[node] if node is not None else chain[-1]
        for c in chain:
            top[c] = root
    return top


def _index_docs(
    release: selectors.ReleaseInfo,
    find_prefix: dict[str, tuple[int, int, int]],
    norms: list[str],
) -> list[tuple[int, int, int, int, str]]:
    """(kind, concept, lo, hi, path text) for every index entry and table cell that leads to a code."""
    index_releases = [r for r in selectors.release_list(system=release.system, content="index")]
    # one release per index file title: the newest
    newest: dict[str, selectors.ReleaseInfo] = {}
    for r in index_releases:
        if r.title not in newest or r.effective_from >= newest[r.title].effective_from:
            newest[r.title] = r
    out: list[tuple[int, int, int, int, str]] = []

    def resolve(value: str) -> tuple[int, int, int] | None:
        norm = code_normalize(value).rstrip("-")
        if not norm or len(norm) < 3:
            return None
        if norm in find_prefix:
            return find_prefix[norm]
        lo = bisect_left(norms, norm)
        hi = bisect_left(norms, norm + "\uffff", lo)
        if hi > lo:  # a partial code (PCS body part) that some codes complete: lead to its shortest code
            target = min(range(lo, min(hi, lo + 50)), key=lambda i: len(norms[i]))
            return target, lo, hi
        for cut in range(len(norm) - 1, 2, -1):  # a code not in this release: its nearest existing ancestor
            if norm[:cut] in find_prefix:
                return find_prefix[norm[:cut]]
        return None

    for r in newest.values():
        rows = selectors.index_term_rows(release_id=r.id)
        seen_code = _see_codes(rows)
        paths: dict[int, str] = {}
        for row in rows:
            parent = paths.get(row["parent_id"]) if row["parent_id"] is not None else None
            title = row["title"]
            paths[row["term_id"]] = f"{parent}, {title}" if parent else title
            kind = INDEX_KIND.get(row["idx"], INDEX)
            path = paths[row["term_id"]]
            path_words = f"{path} {row['nemod']}" if row["nemod"] else path
            for value in (row["code"], row["manifestation"]):
                if value:
                    hit = resolve(value)
                    if hit:
                        out.append((kind, *hit, path_words))
            if (row["idx"], row["term_id"]) in seen_code:
                # an ICD-10-CM entry with no code of its own leads where its reference does: "Necrosis, necrotic
                # (see also Gangrene)" to I96, as a coder who follows it gets there
                reference, code = seen_code[(row["idx"], row["term_id"])]
                hit = resolve(code)
                if hit:
                    out.append((REFERENCE, *hit, f"{path_words} ({reference})"))
            if kind == PCS_INDEX and row["see"]:
                # the ICD-10-PCS index names the code in its "see" references: "Hemodialysis, see Performance,
                # Urinary 5A1D"; "Adenoidectomy, see Excision, Adenoids 0CBQ; Resection, Adenoids 0CTQ"
                for target in row["see"].split(";"):
                    m = SEE_CODE.search(target.strip())
                    hit = resolve(m.group(2)) if m and any(ch.isdigit() for ch in m.group(2)) else None
                    if m and hit:
                        out.append((kind, *hit, f"{path_words} (see {m.group(1).rstrip(', ')})"))
            if row["cells"]:
                for column, value in json.loads(row["cells"]).items():
                    hit = resolve(value) if value else None
                    if hit:
                        label = TABLE_LABELS.get(column, column.replace("_", " "))
                        prefix = "Neoplasm, " if kind == NEOPLASM else ""
                        out.append((kind, *hit, f"{prefix}{path_words}: {label}"))
    return out


def _main_term_forms(path: str) -> str:
    """An index path without its main term's other forms: "Necrosis, necrotic, stomach" -> "Necrosis, stomach".
    A form shares the main term's stem, all but its last three letters and at least five ("Paralysis, paralytic");
    "Mellitus, diabetes", "Antibody, antiphospholipid" and "Cyst, Cysticercus" are words of their own."""
    m = MAIN_TERM.match(path)
    if m is None:
        return path
    head = m.group(1).lower()
    stem = head[: max(5, len(head) - 3)]
    forms = [w for w in m.group(2).split(", ")[1:] if w.lower().startswith(stem)]
    if len(head) < 5 or not forms:
        return path
    rest = [w for w in m.group(2).split(", ")[1:] if w not in forms]
    return ", ".join([m.group(1), *rest]) + path[m.end() :]


def _see_codes(rows: list[sqlite3.Row]) -> dict[tuple[str, int], tuple[str, str]]:
    """For the ICD-10-CM index entries without a code, keyed (index, term id), the code their "see" reference leads
    to (or, for a main term, its "see also"), with the reference: only where the whole reference names an entry of
    the same index that has a code. "see condition" and "see Neoplasm, ..., by site" name no one entry. (The Index
    page's links use `alphabetic.resolve_reference`, a query per reference that stops at the deepest part it finds:
    a link may land near its entry, a code may not.)"""
    children: dict[tuple[str, int | None], dict[str, int]] = {}
    by_id: dict[tuple[str, int], sqlite3.Row] = {}
    for row in rows:
        if row["idx"] not in ("main", "eindex"):
            continue
        by_id[(row["idx"], row["term_id"])] = row
        names = children.setdefault((row["idx"], row["parent_id"]), {})
        title = row["title"].strip().lower()
        # a title names its entry whole or by its first spelling ("Gangrene, gangrenous")
        names.setdefault(title, row["term_id"])
        names.setdefault(title.split(",")[0].strip(), row["term_id"])

    def follow(idx: str, reference: str) -> int | None:
        parts = [p.strip().lower() for p in reference.split(",") if p.strip()]
        node: int | None = None
        i = 0
        while i < len(parts):
            names = children.get((idx, node), {})
            # the longest run of parts that is one title ("thorax, thoracic"), else one spelling
            k = next((k for k in range(len(parts) - i, 0, -1) if ", ".join(parts[i : i + k]) in names), 0)
            if not k:
                return None
            node = names[", ".join(parts[i : i + k])]
            i += k
        return node

    out: dict[tuple[str, int], tuple[str, str]] = {}
    for key, row in by_id.items():
        reference = row["see"] or (row["see_also"] if row["parent_id"] is None else None)
        if row["code"] or not reference:
            continue
        target = follow(row["idx"], reference)
        code = by_id[(row["idx"], target)]["code"] if target is not None else None
        if code:
            out[key] = (f"see {row['see']}" if row["see"] else f"see also {reference}", code)
    return out


def release_index_build(release: selectors.ReleaseInfo) -> ReleaseIndex:
    """Read one code release (and the index releases of its system) into search structures."""
    rows = selectors.concept_rows(release_id=release.id)
    top = _chapters(rows)
    norms = [r["norm"] for r in rows]
    n = len(rows)
    hi = np.empty(n, dtype=np.int32)
    for i, norm in enumerate(norms):
        hi[i] = bisect_left(norms, norm + "\uffff", i)
    find_prefix = {norm: (i, i, int(hi[i])) for i, norm in enumerate(norms)}
    terminated = np.zeros(n, dtype=bool)
    for i, r in enumerate(rows):
        if '"termination_date"' in r["attrs"]:
            end = json.loads(r["attrs"]).get("termination_date", "")
            terminated[i] = bool(end) and end < release.effective_from.isoformat()
    # documents
    doc_concept: list[int] = []
    doc_lo: list[int] = []
    doc_hi: list[int] = []
    doc_kind: list[int] = []
    doc_text: list[str] = []
    title_doc = np.zeros(n, dtype=np.int32)

    def add(kind: int, concept: int, lo: int, hi_: int, body: str) -> None:
        doc_concept.append(concept)
        doc_lo.append(lo)
        doc_hi.append(hi_)
        doc_kind.append(kind)
        doc_text.append(body)

    for i, r in enumerate(rows):
        title = r["title"] or ""
        short = r["short_title"] or ""
        body = title if not short or short.lower() == title.lower() else f"{title} ({short})"
        title_doc[i] = len(doc_text)
        add(TITLE, i, i, int(hi[i]), body)
    code_of = {r["code"]: i for i, r in enumerate(rows)}
    for code, note in selectors.inclusion_texts(release_id=release.id):
        found = code_of.get(code)
        if found is not None:
            add(INCLUSION, found, found, int(hi[found]), note)
    for kind, concept, lo, hi_, path in _index_docs(release, find_prefix, norms):
        add(kind, concept, lo, hi_, path)
    # inverted index
    vocab: dict[str, int] = {}
    df: Counter[int] = Counter()
    surface_df: Counter[str] = Counter()
    doc_terms: list[Counter[int]] = []
    doc_core: list[set[str]] = []
    lengths = np.zeros(len(doc_text), dtype=np.float32)
    short_forms = {
        term[0]: [w for group in row.groups for alt in group for w in text.words(alt)]
        for term, row in synonyms.system_table(release.system).items()
        if row.kind == "short-form" and len(term) == 1
    }
    for d, body in enumerate(doc_text):
        ws = text.content_words(body)
        if release.system in ("hcpcs", "modifier"):  # publishers' short forms also count as the word they stand for
            ws += [w for s in ws if s in short_forms for w in short_forms[s]]
        surface_df.update(set(ws))
        counts: Counter[int] = Counter()
        for w in ws:
            s = text.stem(w)
            t = vocab.get(s)
            if t is None:
                t = vocab[s] = len(vocab)
            counts[t] = 1  # presence, not frequency: short official texts repeat stems (diabetes, diabetic)
        df.update(counts.keys())
        doc_terms.append(counts)
        core = PARENTHESISED.sub(" ", body.split(" -> ")[0]) if "(" in body or "[" in body else body
        core = DEFAULT_SPELLED_OUT.sub(" ", UNSPECIFIED_WHAT.sub(" ", core))
        if doc_kind[d] == TITLE:
            core = TITLE_EXCEPT.sub(" ", core)
        elif doc_kind[d] in (INDEX, EINDEX, REFERENCE):
            core = _main_term_forms(core)
        doc_core.append({text.stem(w) for w in text.content_words(core) if w not in NONESSENTIAL})
        lengths[d] = max(1, len(doc_core[-1]))  # optional words do not make a text longer
    n_docs = len(doc_text)
    avg = float(lengths.mean()) if n_docs else 1.0
    idf = np.zeros(len(vocab), dtype=np.float32)
    for t, f in df.items():
        idf[t] = math.log(1 + (n_docs - f + 0.5) / (f + 0.5))
    ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    for t, f in df.items():
        ptr[t + 1] = f
    np.cumsum(ptr, out=ptr)
    fill = ptr[:-1].copy()
    total = int(ptr[-1])
    post_doc = np.empty(total, dtype=np.int32)
    post_w = np.empty(total, dtype=np.float32)
    post_core = np.zeros(total, dtype=bool)
    stem_of = {t: s for s, t in vocab.items()}
    doc_idf_total = np.zeros(n_docs, dtype=np.float32)
    doc_idf_core = np.zeros(n_docs, dtype=np.float32)
    doc_core_n = np.array([max(1, len(c)) for c in doc_core], dtype=np.float32)
    for d, counts in enumerate(doc_terms):
        norm_len = K1 * (1 - B + B * lengths[d] / avg)
        idf_sum = 0.0
        for t, tf in counts.items():
            k = fill[t]
            post_doc[k] = d
            post_w[k] = tf * (K1 + 1) / (tf + norm_len)
            post_core[k] = stem_of[t] in doc_core[d]
            fill[t] = k + 1
            idf_sum += float(idf[t])
        doc_idf_total[d] = idf_sum
        doc_idf_core[d] = sum(float(idf[vocab[w]]) for w in doc_core[d] if w in vocab) or idf_sum
    return ReleaseIndex(
        release=release,
        codes=[r["code"] for r in rows],
        norms=norms,
        titles=[r["title"] or "" for r in rows],
        kinds=[r["kind"] for r in rows],
        billable=np.array([bool(r["billable"]) for r in rows], dtype=bool),
        terminated=terminated,
        chapter=[top.get(r["code"], "") for r in rows],
        hi=hi,
        default_like=np.array([bool(DEFAULT_LIKE.search(r["title"] or "")) for r in rows], dtype=bool),
        seq=np.array([r["seq"] for r in rows], dtype=np.int64),
        title_doc=title_doc,
        doc_concept=np.array(doc_concept, dtype=np.int32),
        doc_lo=np.array(doc_lo, dtype=np.int32),
        doc_hi=np.array(doc_hi, dtype=np.int32),
        doc_kind=np.array(doc_kind, dtype=np.int8),
        doc_text=doc_text,
        doc_idf_total=doc_idf_total,
        doc_idf_core=doc_idf_core,
        doc_core_n=doc_core_n,
        vocab=vocab,
        ptr=ptr,
        post_doc=post_doc,
        post_w=post_w,
        post_core=post_core,
        idf=idf,
        surface_df=surface_df,
    )


_lock = threading.Lock()
_cache: dict[tuple[str, int], ReleaseIndex] = {}


def release_index(release: selectors.ReleaseInfo) -> ReleaseIndex:
    """The search structures of one release of the active codebook, built once per process."""
    key = (str(store.connected_path()), release.id)
    found = _cache.get(key)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(key)
        if found is None:
            for old in [k for k in _cache if k[0] != key[0]]:  # a new codebook: drop the old one's
                del _cache[old]
            found = _cache[key] = _load_or_build(Path(key[0]), release)
    return found


CACHE_FORMAT = 18  # bump when ReleaseIndex changes shape or what it is built from (text.stem, essential words)


def _cache_file(codebook: Path, release: selectors.ReleaseInfo) -> Path:
    # the short forms of synonyms.tsv are indexed with the text (an edit to them is a new file)
    forms = sorted(
        f"{' '.join(r.term)}={r.expansion}"
        for r in synonyms.system_table(release.system).values()
        if r.kind == "short-form"
    )
    digest = hashlib.sha256("\n".join(forms).encode()).hexdigest()[:10]
    return codebook.with_suffix(".search") / f"release-{release.id}-v{CACHE_FORMAT}-{digest}.pickle"


def _load_or_build(codebook: Path, release: selectors.ReleaseInfo) -> ReleaseIndex:
    """Load the structures another process saved beside the codebook, or build and save them.

    Building takes seconds per release; loading a saved copy a fraction of that, so only the first
    process after a new build pays. The file is ours (written next to the codebook, atomically) and
    is only trusted for the build it is named after.
    """
    path = _cache_file(codebook, release)
    loaded = saved_load(path)
    if isinstance(loaded, ReleaseIndex) and loaded.release == release:
        return loaded
    built = release_index_build(release)
    saved_store(path, built)
    for old in path.parent.glob(f"release-{release.id}-v*.pickle"):
        if old != path:  # a copy saved in an earlier format is never read again
            old.unlink(missing_ok=True)
    return built


def saved_load(path: Path) -> object | None:
    """What `saved_store` wrote at path, or None when it is missing or unreadable (callers check what it is)."""
    try:
        with path.open("rb") as handle:
            loaded: object = pickle.load(handle)  # noqa: S301 - our own file beside our own codebook
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None
    return loaded


def saved_store(path: Path, value: object) -> None:
    """Save a search structure beside the codebook, atomically; a read-only directory keeps it in memory only."""
    try:
        path.parent.mkdir(exist_ok=True)
        handle_fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle_fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        pass


def warm(releases: list[selectors.ReleaseInfo]) -> None:
    """Build (or load) the search structures of these releases now, e.g. before a server forks workers."""
    for release in releases:
        release_index(release)
