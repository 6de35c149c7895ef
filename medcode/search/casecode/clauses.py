"""Stage 1, clauses and context: a note cut into sentences and clauses, each with the status its cue words give it
(current, negated, uncertain, history, family history), NegEx-style: a cue governs the rest of its clause up to a
word that ends its scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcode.search import index, synonyms, text
from medcode.search.casecode.candidates import Evidence

SENTENCE = re.compile(r"[^.\n;!?]+(?:[.;!?]+|\n|$)")

# periods that end no sentence: decimals (4.2 cm) and a period followed on the same line by a lower-case word,
# as after genus abbreviations and initials (E. coli, S. aureus) and short forms ("approx. 3 cm", "vs. placebo")
INNER_PERIOD = re.compile(r"(?<=\d)\.(?=\d)|\.(?=[ \t]+[a-z])")

SHORT_PARENTHESES = re.compile(r"\(([A-Za-z][A-Za-z0-9/-]{0,7})\)")  # "(CT)", "(MRI)": same length without them

CLAUSE_BREAK = re.compile(r",?\s+\b(?:but|however|although|though|except|whereas)\b|[:()]", re.I)

CUES: dict[str, re.Pattern[str]] = {
    "family": re.compile(
        r"\b(family history|fhx|family hx|mother|father|sister|brother|sibling|grandmother|grandfather|maternal|paternal)\b",
        re.I,
    ),
    "history": re.compile(
        r"\b(?:(?:history of|h/o|hx of|past history|previous|prior|status post|s/p|resolved|former|formerly)\b|ex-(?=[a-z]))",
        re.I,
    ),
    "negated": re.compile(
        r"\b(no|not|denies|denied|deny|without|negative for|absence of|absent|free of|ruled out|excluded|never|nor)\b",
        re.I,
    ),
    "uncertain": re.compile(
        r"\b(rule out|r/o|possible|possibly|probable|probably|suspected|suspicion of|suspect|likely|questionable|"
        r"cannot be excluded|may be|might|differential|versus|vs)\b",
        re.I,
    ),
}

# negation cues that follow what they deny
POST_NEGATION = re.compile(r"ruled out|excluded", re.I)

# words that end a cue's scope inside a clause (NegEx's termination terms): what follows is said of something
# else ("no abnormalities and an epididymal cyst", "no fever, which ...", "negative for X due to Y")
SCOPE_END = re.compile(
    r"\b(?:and|with|showing|revealing)\s+(?:a|an|the|some|signs? of|presence of)\b|\b(?:which|who|because|due to|"
    r"secondary to|caused by|presents?|presented|presenting|revealed|showed|shows|consistent with|compatible with|"
    r"(?:was|is) admitted|consult(?:s|ed)|comes|came|complain(?:s|ed|ing))\b"
    # "no (personal) history of interest" (nothing relevant in the past history): what follows is the present
    r"|(?<=history )of interest\b",
    re.I,
)

# words of the present that end a history cue's scope: "s/p lumpectomy, currently on anastrozole" (the drug is
# taken now), "history of asthma, now with wheezing"
PRESENT_TENSE = re.compile(r"\b(?:currently|presently|now|at present|today)\b", re.I)

# "a 3-day history of", "a two-week history of": how long a present complaint has lasted, not the past history
DURATION = re.compile(
    r"\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|few)[- ]"
    r"(?:hours?|days?|weeks?|months?|years?)['\u2019]?[- ]?$",
    re.I,
)


@dataclass(frozen=True)
class Clause:
    text: str
    start: int
    status: str
    cue: str = ""  # the words that set the status ("history of", "denies"), lower case

    def evidence(self, *, reason: str, matched: str, status: str = "current", source: str = "") -> Evidence:
        """This clause, without its surrounding blanks, as evidence for a code."""
        stripped = self.text.strip()
        start = self.start + len(self.text) - len(self.text.lstrip())
        return Evidence(stripped, start, start + len(stripped), reason, matched, status, source)


def clauses(note: str) -> list[Clause]:
    """Sentences cut at clause breaks, each with its context status (current, negated, uncertain, history, family)."""
    out: list[Clause] = []
    masked = INNER_PERIOD.sub("\u2024", note)  # same length: offsets into the note stay right
    for m in SENTENCE.finditer(masked):
        sentence = note[m.start() : m.end()]
        if not sentence.strip():
            continue
        pos = 0
        pieces = []
        # an abbreviation in parentheses is part of its clause: "a computerized axial tomography (CAT) of the abdomen"
        for b in CLAUSE_BREAK.finditer(SHORT_PARENTHESES.sub(r" \1 ", sentence)):
            pieces.append((pos, sentence[pos : b.start()]))
            pos = b.end()
        pieces.append((pos, sentence[pos:]))
        for offset, piece in pieces:
            if not piece.strip():
                continue
            start = m.start() + offset
            # a cue governs the rest of its clause; text before the first cue keeps the clause's status
            found: list[tuple[int, int, str]] = []
            for status in ("family", "history", "uncertain", "negated"):
                found += [
                    (cue.start(), cue.end(), status)
                    for cue in CUES[status].finditer(piece)
                    if not (status == "history" and DURATION.search(piece, 0, cue.start()))
                ]
            found.sort()
            cuts: list[tuple[int, str, str]] = []
            last_end = -1
            for at, end, status in found:
                if at < last_end:
                    continue  # inside a cue already taken ("history" of "family history")
                if cuts and at - last_end <= 3 and "negated" in (status, cuts[-1][1]):
                    cuts[-1] = (cuts[-1][0], "negated", cuts[-1][2])  # "no history of", "denies any history of"
                elif cuts and at - last_end <= 3:
                    pass  # two cues in a row: the first one's status
                elif cuts and status == "history" and cuts[-1][1] == "family":
                    pass  # "her mother had a history of ...": the relative's history is family history
                else:
                    cuts.append((at, status, piece[at:end].lower()))
                last_end = max(last_end, end)
            if not cuts:
                out.append(Clause(piece, start, "current"))
                continue
            if cuts[0][0] > 0 and piece[: cuts[0][0]].strip():
                # "MI ruled out with serial troponins": a cue that follows what it denies (NegEx's post-negation)
                before = "negated" if POST_NEGATION.fullmatch(cuts[0][2]) else "current"
                out.append(Clause(piece[: cuts[0][0]], start, before, cuts[0][2] if before != "current" else ""))
            for k, (at, status, cue) in enumerate(cuts):
                end = cuts[k + 1][0] if k + 1 < len(cuts) else len(piece)
                stop = SCOPE_END.search(piece, at + 1, end)
                if status == "history":
                    now = PRESENT_TENSE.search(piece, at + 1, end)
                    if now is not None and (stop is None or now.start() < stop.start()):
                        stop = now
                if stop is not None and piece[stop.start() : end].strip():
                    # the cue's scope ends here; the rest is current again
                    out.append(Clause(piece[at : stop.start()], start + at, status, cue))
                    out.append(Clause(piece[stop.start() : end], start + stop.start(), "current"))
                else:
                    out.append(Clause(piece[at:end], start + at, status, cue))
    return out


def denied_after(note: str, parts: list[Clause], clause: Clause) -> str:
    """What the negated clauses that follow a current one in its sentence say is absent ("Migraine without aura,
    not intractable": "without aura, not intractable")."""
    if clause.status != "current":
        return ""
    out = []
    for other in parts:
        if other.start <= clause.start:
            continue
        if other.status == "current" or re.search(
            r"[.;!?\n]", note[clause.start + len(clause.text.rstrip()) - 1 : other.start]
        ):
            break
        if other.status == "negated":
            out.append(other.text)
    return " ".join(out)


def said_words(clause_text: str) -> set[str]:
    """A clause's words, with what the synonym table's abbreviations and clinical words stand for ("ECG" says
    "EKG"): a one-word text is said as such through them too (anatomy adjectives name an organ, not a finding)."""
    words = text.words(clause_text.lower())
    said = set(words)
    table = synonyms.synonym_table()
    for span, groups in synonyms.expand(words):
        if groups is not None and table[tuple(span)].kind != "anatomy":
            said |= {alt for group in groups for alt in group}
    return said


def said_as_such(body: str, said: set[str]) -> bool:
    """Whether the word of a one-word text is among the clause's words, as such or in the plural."""
    if body.endswith(" (o)"):
        return False  # a linking vowel: the index's CSV cut the word short ("Cancer (o)" is "Cancer(o)phobia")
    words = [w for w in text.content_words(index.PARENTHESISED.sub(" ", body).lower()) if w not in index.NONESSENTIAL]
    plurals = {f"{w}s" for w in words} | {f"{w[:-1]}ies" for w in words if w.endswith("y")}
    said = said | {text.american(w) for w in said}  # "oedema" says "Edema"
    return any(w in said for w in words) or bool(plurals & said)
