"""Chapter 2 (I.C.2): a malignancy treated with no evidence of disease is its history (Z85), a follow-up of it is
Z08 first, and a metastasis is a secondary malignant neoplasm of its site."""

from __future__ import annotations

import re

from medcode.codebook import selectors
from medcode.search.casecode.rules.context import INPATIENT
from medcode.search.casecode.rules.sheet import RuleSheet

NO_DISEASE = re.compile(
    r"\b(?:no evidence of (?:disease|recurrence|malignancy)|no current treatment|completed treatment|"
    r"treatment completed|no further treatment|NED|in remission after|cancer-free|disease-free)\b",
    re.I,
)

FOLLOW_UP = re.compile(r"\b(?:surveillance|follow-?up|post-?treatment check)\b", re.I)

METASTASIS = (
    re.compile(r"\bmetasta(?:s[ie]s|tic) (?:to|in) (?:the )?(?P<site>[a-z]+)\b", re.I),
    re.compile(r"\b(?P<site>[a-z]+) metastas[ie]s\b", re.I),
)

NOT_SITES = frozenset(
    ["with", "and", "of", "multiple", "distant", "widespread", "known", "no", "without", "the", "a", "new", "bone-only"]
)

# site of a malignancy (C category) -> its personal history code (Z85), by the Tabular's Z85 subcategories
NEOPLASM_HISTORY = (
    ("C15", "Z85.01"),
    ("C16", "Z85.028"),
    ("C17", "Z85.068"),
    ("C18", "Z85.038"),
    ("C19", "Z85.038"),
    ("C20", "Z85.048"),
    ("C21", "Z85.048"),
    ("C22", "Z85.05"),
    ("C25", "Z85.07"),
    ("C32", "Z85.21"),
    ("C33", "Z85.12"),
    ("C34", "Z85.118"),
    ("C43", "Z85.820"),
    ("C44", "Z85.828"),
    ("C50", "Z85.3"),
    ("C53", "Z85.41"),
    ("C54", "Z85.42"),
    ("C55", "Z85.42"),
    ("C56", "Z85.43"),
    ("C61", "Z85.46"),
    ("C62", "Z85.47"),
    ("C64", "Z85.528"),
    ("C65", "Z85.53"),
    ("C67", "Z85.51"),
    ("C71", "Z85.841"),
    ("C73", "Z85.850"),
)


def neoplasm_history(ws: RuleSheet) -> None:
    """I.C.2.d / I.C.21.c.4: a malignancy excised or eradicated, with no further treatment and no evidence of
    disease, is coded as its history (Z85); a surveillance visit after completed treatment is Z08 first
    (I.C.21.c.8)."""
    for cand in list(ws.suggested()):
        if cand.code[0] != "C" or cand.code.startswith(("C81", "C82", "C83", "C84", "C85", "C88", "C9")):
            continue
        start, end = ws.span(cand)
        sentence_end = re.search(r"[.\n]", ws.note[end:])
        rest = ws.note[start : end + (sentence_end.start() if sentence_end else len(ws.note))]
        if not NO_DISEASE.search(rest):
            continue
        z = next((z for prefix, z in NEOPLASM_HISTORY if cand.code.startswith(prefix)), "Z85.9")
        ws.replace(
            cand,
            z,
            f"Guideline I.C.2.d: a malignancy treated, with no further treatment and no evidence of disease, is history ({z})",
        )
    if ws.has("Z85") and not ws.has("C") and FOLLOW_UP.search(ws.note):
        ws.add(
            "Z08",
            "Guideline I.C.21.c.8: follow-up examination after completed treatment of a malignancy (Z08) first",
            score=ws.top_score() + 0.05,
        )
        ws.first.setdefault("Z08", "I.C.21.c.8")


def metastases(ws: RuleSheet) -> None:
    """I.C.2: a malignancy spread to a site ("metastases to the liver", "a brain metastasis") is coded as a
    secondary malignant neoplasm of that site (C77-C79); when the encounter is directed at the secondary site,
    it is sequenced first (I.C.2.b)."""
    for m in (m for pattern in METASTASIS for m in pattern.finditer(ws.note)):
        site = m.group("site")
        if not site or site.lower() in NOT_SITES:
            continue
        code = ws.find(f"secondary malignant neoplasm of {site}", ("C77", "C78", "C79"))
        if code is None or code.startswith(("C79.9", "C80")):
            continue
        ws.add(
            code,
            f"Guideline I.C.2: metastasis to the {site.lower()} is a secondary malignant neoplasm ({code})",
            start=m.start(),
            end=m.end(),
            score=0.2,
        )
        for vague in ws.has("C79.9", "C80"):
            ws.drop(vague, f"Guideline I.C.2: the site of the metastasis is documented ({code})")
        directed = re.search(
            r"\b(?:resect\w*|excis\w*|radiation|radiotherapy|treatment of|for)\b[^.;]{0,30}$",
            ws.note[: m.start()],
            re.I,
        )
        if directed and INPATIENT.search(ws.note):
            ws.first.setdefault(code, "I.C.2.b")


# the lymph node regions of the 5th character of lymphomas (C81-C88): the words of a note that name a region, and
# the words of the Tabular titles of its codes ("..., lymph nodes of head, face, and neck")
NODE_REGIONS = (
    (re.compile(r"\b(?:neck|cervical|head|face|supraclavicular|submandibular)\b", re.I), "head, face, and neck"),
    (re.compile(r"\b(?:chest|thorax|thoracic|intrathoracic|mediastin\w*|hilar)\b", re.I), "intrathoracic"),
    (
        re.compile(r"\b(?:abdomen|abdominal|intra-abdominal|mesenteric|retroperitoneal|para-?aortic)\b", re.I),
        "intra-abdominal",
    ),
    (re.compile(r"\b(?:axilla|axillary|upper limb|arm)\b", re.I), "axilla and upper limb"),
    (re.compile(r"\b(?:inguinal|groin|lower limb|femoral)\b", re.I), "inguinal region and lower limb"),
    (re.compile(r"\b(?:pelvis|pelvic|intrapelvic|iliac)\b", re.I), "intrapelvic"),
)
LYMPH_NODES = re.compile(r"\b(?:lymph ?nodes?|nodes|nodal|lymphadenopathy)\b", re.I)


def lymphoma_sites(ws: RuleSheet) -> None:
    """Tabular C81-C88: the 5th character of a lymphoma is the lymph node region the note documents; two regions
    or more are "lymph nodes of multiple sites" (I.C.2 and the Tabular's subdivisions)."""
    for cand in list(ws.suggested()):
        if not "C81" <= cand.code[:3] <= "C88" or len(selectors.normalize(cand.code)) != 5:
            continue
        start, end = ws.span(cand)
        stop = re.search(r"[.\n]", ws.note[end:])
        sentence = ws.note[start : end + (stop.start() if stop else len(ws.note))]
        if not LYMPH_NODES.search(sentence):
            continue
        regions = [title for words, title in NODE_REGIONS if words.search(sentence)]
        if not regions:
            continue
        wanted = "multiple sites" if len(regions) > 1 else regions[0]
        norm = selectors.normalize(cand.code)
        lo, hi = ws.ix.prefix_range(norm[:4])
        for k in range(lo, hi):
            title = ws.ix.titles[k]
            if ws.ix.billable[k] and len(ws.ix.norms[k]) == 5 and wanted in title and ws.ix.codes[k] != cand.code:
                reason = f"Tabular {norm[:3]}: lymph node region documented ({wanted})"
                ws.replace(cand, ws.ix.codes[k], reason)
                break
