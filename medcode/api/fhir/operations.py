"""FHIR R4 terminology operations over the codebook: $lookup, $validate-code, $subsumes, $expand, metadata.

ConceptMap $translate over the GEMs is in conceptmap.py.

Each function takes the parsed input parameters and returns a FHIR resource as a dict, or raises
FhirError. Parameter names and output shapes are those of the R4 OperationDefinitions
(http://hl7.org/fhir/R4/codesystem-operation-lookup.html and its siblings).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from medcode.api.fhir.resources import FHIR_VERSION, FhirError, Params, param, parameters, part
from medcode.codebook import selectors
from medcode.codebook.systems import FHIR_URIS, SYSTEM_LABELS
from medcode.core.errors import CodebookMissing, ReleaseNotFound

# The code systems served, by canonical URI and by resource id (for /CodeSystem/<id>/$op).
SERVED = ("icd10cm", "icd10pcs", "hcpcs")
SYSTEM_BY_URI = {FHIR_URIS[s]: s for s in SERVED}
IDS = {"icd10cm": "icd-10-cm", "icd10pcs": "icd-10-pcs", "hcpcs": "hcpcs"}
SYSTEM_BY_ID = {v: k for k, v in IDS.items()}
VS_SUFFIX = "?fhir_vs"
NOTE_USE_SYSTEM = "urn:medcode:note-kind"
SYNONYM_USE = {"system": "http://snomed.info/sct", "code": "900000000000013009", "display": "Synonym"}
NOTE_LABELS = {
    "note": "Note",
    "includes": "Includes",
    "inclusion_term": "Inclusion term",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
    "seven_chr_note": "7th character note",
    "definition": "Definition",
}
MAX_EXPANSION = 1000
KNOWN_PROPERTIES = ("parent", "child", "notSelectable", "inactive", "kind")

MSG_UNKNOWN_SYSTEM = "medcode has no code system '{uri}'; it serves {served}"
MSG_UNKNOWN_ID = "No CodeSystem with id '{id}'; ids: {ids}"
MSG_UNKNOWN_VS = "No value set '{url}'; each served code system has its implicit value set <system URI>?fhir_vs"
MSG_UNKNOWN_CODE = "Unknown code '{code}' in {label} version {version}{hint}"
MSG_NEED_CODE = "Give a code with system (or the CodeSystem in the URL), or a coding"
MSG_CODING_SYSTEM_TYPE = "Coding.system must be a string (a code system URI)"
MSG_CODING_VERSION_TYPE = "Coding.version must be a string"
MSG_SYSTEM_MISMATCH = "The coding's system '{coding}' differs from the system '{system}'"
MSG_BAD_DATE = "Parameter 'date' must be a date (YYYY-MM-DD or a dateTime); got '{value}'"
MSG_DISPLAY_WRONG = "The display '{display}' is not a valid display for {label} code {code}; it should be '{title}'"
MSG_NOT_SELECTABLE = "{label} code {code} is a header, not a selectable (billable) code"
MSG_TOO_COSTLY = "The value set {url} has {total} codes, more than {max} in one expansion: page with count and offset or narrow it with filter"
MSG_SUBSUMES_SYSTEMS = "codingA and codingB must be of the same code system"


def _system_of(uri: str | None, resource_id: str | None) -> str:
    if resource_id is not None:
        if resource_id not in SYSTEM_BY_ID:
            raise FhirError(404, "not-found", MSG_UNKNOWN_ID.format(id=resource_id, ids=", ".join(SYSTEM_BY_ID)))
        by_id = SYSTEM_BY_ID[resource_id]
        if uri and SYSTEM_BY_URI.get(uri.split("|")[0]) != by_id:
            raise FhirError(400, "invalid", MSG_SYSTEM_MISMATCH.format(coding=uri, system=FHIR_URIS[by_id]))
        return by_id
    if not uri:
        raise FhirError(400, "required", MSG_NEED_CODE)
    system = SYSTEM_BY_URI.get(uri.split("|")[0])
    if system is None:
        raise FhirError(404, "not-found", MSG_UNKNOWN_SYSTEM.format(uri=uri, served=", ".join(SYSTEM_BY_URI)))
    return system


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise FhirError(400, "invalid", MSG_BAD_DATE.format(value=value)) from None


def _release(system: str, version: str | None, date: str | None = None) -> selectors.ReleaseInfo:
    try:
        if version:
            return selectors.release_by_version(system=system, version=version)
        return selectors.release_for(system=system, as_of=_date(date))
    except ReleaseNotFound as exc:
        raise FhirError(404, "not-found", exc.message) from None
    except CodebookMissing as exc:
        raise FhirError(503, "transient", exc.message) from None


def _concept(system: str, code: str, release: selectors.ReleaseInfo) -> selectors.ConceptRow:
    concept = selectors.concept_find(system=system, code=code, release=release)
    if concept is None and system == "hcpcs":
        try:  # the HCPCS URI also names the Level II modifiers
            modifiers = selectors.release_for(system="modifier")
            concept = selectors.concept_find(system="modifier", code=code, release=modifiers)
        except ReleaseNotFound:
            concept = None
    if concept is None or concept.code != code:
        hint = f"; did you mean '{concept.code}'?" if concept is not None else ""
        raise FhirError(
            404,
            "not-found",
            MSG_UNKNOWN_CODE.format(code=code, label=SYSTEM_LABELS[system], version=release.version, hint=hint),
        )
    return concept


def _coded_input(
    params: Params,
    resource_id: str | None,
    *,
    code_name: str = "code",
    coding_name: str = "coding",
    system_names: tuple[str, ...] = ("system",),
) -> tuple[str, str, str | None]:
    """(system, code, version) from code + system, or from a Coding."""
    coding = params.coding(coding_name)
    uri = next((params.string(n) for n in system_names if params.string(n)), None)
    version = params.string("version")
    if coding is not None:
        code = coding.get("code")
        if not isinstance(code, str) or not code:
            raise FhirError(400, "required", MSG_NEED_CODE)
        coding_uri = coding.get("system")
        if coding_uri is not None and not isinstance(coding_uri, str):
            raise FhirError(400, "invalid", MSG_CODING_SYSTEM_TYPE)
        coding_version = coding.get("version")
        if coding_version is not None and not isinstance(coding_version, str):
            raise FhirError(400, "invalid", MSG_CODING_VERSION_TYPE)
        if uri and coding_uri and coding_uri != uri.split("|")[0]:
            raise FhirError(400, "invalid", MSG_SYSTEM_MISMATCH.format(coding=coding_uri, system=uri))
        return _system_of(coding_uri or uri, resource_id), code, coding_version or version
    code = params.string(code_name)
    if not code:
        raise FhirError(400, "required", MSG_NEED_CODE)
    if uri and "|" in uri and not version:
        uri, version = uri.split("|", 1)
    return _system_of(uri, resource_id), code, version


def lookup_concept(params: Params, resource_id: str | None = None) -> selectors.ConceptRow:
    """The concept a $lookup names (FhirError when it names none)."""
    system, code, version = _coded_input(params, resource_id)
    release = _release(system, version, params.string("date"))
    return _concept(system, code, release)


def lookup(
    params: Params,
    resource_id: str | None = None,
    *,
    concept: selectors.ConceptRow | None = None,
    locked: frozenset[str] = frozenset(),
    notice: str | None = None,
) -> dict[str, Any]:
    """CodeSystem/$lookup: name, version, display, designations (short title, notes) and properties.

    `locked` names the code page sections the caller may not see (docs/metering.md): "notes" leaves out the
    note designations and "children" the child properties; `notice` (what is needed to see them) is then
    given as the output parameter `medcode-access`.
    """
    if concept is None:
        concept = lookup_concept(params, resource_id)
    wanted = {str(p) for p in params.all("property")}
    designations = []
    if concept.short_title and concept.short_title != concept.title:
        designations.append(
            part(
                "designation",
                param("language", "Code", "en"),
                param("use", "Coding", SYNONYM_USE),
                param("value", "String", concept.short_title),
            )
        )
    own_notes = [] if "notes" in locked else selectors.concept_notes(concept=concept, ancestors=[])
    for note in own_notes:
        use = {"system": NOTE_USE_SYSTEM, "code": note.kind, "display": NOTE_LABELS.get(note.kind, note.kind)}
        designations.append(
            part(
                "designation",
                param("language", "Code", "en"),
                param("use", "Coding", use),
                param("value", "String", note.text),
            )
        )
    properties: list[dict[str, Any]] = []

    def add(name: str, kind: str, value: Any) -> None:
        if not wanted or name in wanted:
            properties.append(part("property", param("code", "Code", name), param("value", kind, value)))

    if concept.parent:
        add("parent", "Code", concept.parent)
    if (not wanted or "child" in wanted) and "children" not in locked:
        for child in selectors.concept_children(concept=concept):
            add("child", "Code", child.code)
    add("notSelectable", "Boolean", not concept.billable)
    add("inactive", "Boolean", bool(concept.attrs.get("termination_date")))
    add("kind", "Code", concept.kind)
    return parameters(
        param(
            "name", "String", SYSTEM_LABELS[concept.system] if concept.system != "modifier" else SYSTEM_LABELS["hcpcs"]
        ),
        param("version", "String", concept.release.version),
        param("display", "String", concept.title or concept.short_title or concept.code),
        *designations,
        *properties,
        *([param("medcode-access", "String", notice)] if notice and locked else []),
    )


def validate_code(params: Params, resource_id: str | None = None) -> dict[str, Any]:
    """CodeSystem/$validate-code: result, message, display. An unknown code is result=false, not an error."""
    concept_in = params.one("codeableConcept")
    if concept_in is not None:
        if not isinstance(concept_in, dict) or not isinstance(concept_in.get("coding"), list):
            raise FhirError(400, "invalid", "Parameter 'codeableConcept' must be a CodeableConcept")
        messages = []
        for coding in concept_in["coding"]:
            sub = Params({**{k: v for k, v in params.values.items() if k != "codeableConcept"}, "coding": [coding]})
            try:
                answer = validate_code(sub, resource_id)
            except FhirError as exc:
                messages.append(exc.message)
                continue
            if answer["parameter"][0]["valueBoolean"]:
                return answer
            messages.extend(p["valueString"] for p in answer["parameter"] if p["name"] == "message")
        return parameters(
            param("result", "Boolean", False), param("message", "String", "; ".join(messages) or MSG_NEED_CODE)
        )
    system, code, version = _coded_input(params, resource_id, system_names=("url", "system"))
    release = _release(system, version, params.string("date"))
    display = params.string("display")
    coding = params.coding("coding")
    if display is None and coding is not None and isinstance(coding.get("display"), str):
        display = coding["display"]
    try:
        concept = _concept(system, code, release)
    except FhirError as exc:
        if exc.status != 404:
            raise
        return parameters(param("result", "Boolean", False), param("message", "String", exc.message))
    title = concept.title or concept.short_title or concept.code
    label = SYSTEM_LABELS[system]
    if display is not None and display.strip().lower() not in {
        t.lower() for t in (concept.title, concept.short_title) if t
    }:
        return parameters(
            param("result", "Boolean", False),
            param(
                "message",
                "String",
                MSG_DISPLAY_WRONG.format(display=display, label=label, code=concept.code, title=title),
            ),
            param("display", "String", title),
        )
    if params.boolean("abstract") is False and not concept.billable:
        return parameters(
            param("result", "Boolean", False),
            param("message", "String", MSG_NOT_SELECTABLE.format(label=label, code=concept.code)),
            param("display", "String", title),
        )
    return parameters(param("result", "Boolean", True), param("display", "String", title))


def subsumes(params: Params, resource_id: str | None = None) -> dict[str, Any]:
    """CodeSystem/$subsumes: equivalent, subsumes, subsumed-by or not-subsumed."""
    system_a, code_a, version_a = _coded_input(params, resource_id, code_name="codeA", coding_name="codingA")
    system_b, code_b, version_b = _coded_input(params, resource_id, code_name="codeB", coding_name="codingB")
    if system_a != system_b:
        raise FhirError(400, "invalid", MSG_SUBSUMES_SYSTEMS)
    release = _release(system_a, version_a or version_b)
    a = _concept(system_a, code_a, release)
    b = _concept(system_b, code_b, release)
    if a.code == b.code:
        outcome = "equivalent"
    elif a.code in {x.code for x in selectors.concept_ancestors(concept=b)}:
        outcome = "subsumes"
    elif b.code in {x.code for x in selectors.concept_ancestors(concept=a)}:
        outcome = "subsumed-by"
    else:
        outcome = "not-subsumed"
    return parameters(param("outcome", "Code", outcome))


def _value_set_system(url: str | None, resource_id: str | None) -> tuple[str, str | None]:
    if resource_id is not None:
        if resource_id not in SYSTEM_BY_ID:
            raise FhirError(404, "not-found", MSG_UNKNOWN_ID.format(id=resource_id, ids=", ".join(SYSTEM_BY_ID)))
        return SYSTEM_BY_ID[resource_id], None
    if not url:
        raise FhirError(
            400, "required", "Parameter 'url' is required: the value set's canonical URL (<system URI>?fhir_vs)"
        )
    base, _, version = url.partition("|")
    if not base.endswith(VS_SUFFIX) or base[: -len(VS_SUFFIX)] not in SYSTEM_BY_URI:
        raise FhirError(404, "not-found", MSG_UNKNOWN_VS.format(url=url))
    return SYSTEM_BY_URI[base[: -len(VS_SUFFIX)]], version or None


def expand(params: Params, resource_id: str | None = None) -> dict[str, Any]:
    """ValueSet/$expand of a code system's implicit value set, with filter, count and offset."""
    system, version = _value_set_system(params.string("url"), resource_id)
    version = params.string("valueSetVersion") or version or params.string("system-version")
    release = _release(system, version.split("|")[-1] if version else None, params.string("date"))
    text = params.string("filter")
    offset = params.integer("offset") or 0
    count = params.integer("count")
    uri = FHIR_URIS[system]
    url = uri + VS_SUFFIX
    page = min(count if count is not None else MAX_EXPANSION, MAX_EXPANSION)
    if text:
        total, concepts = selectors.concept_filter(release=release, text=text, offset=offset, limit=page)
    else:
        total = selectors.concept_count(release=release)
        concepts = selectors.concept_range(release=release, offset=offset, limit=page) if page else []
    if count is None and total - offset > MAX_EXPANSION:
        raise FhirError(400, "too-costly", MSG_TOO_COSTLY.format(url=url, total=total, max=MAX_EXPANSION))
    contains = []
    for concept in concepts:
        item: dict[str, Any] = {"system": uri, "version": release.version, "code": concept.code}
        if not concept.billable:
            item["abstract"] = True
        item["display"] = concept.title or concept.short_title or concept.code
        contains.append(item)
    used: list[dict[str, Any]] = [param("version", "Uri", f"{uri}|{release.version}")]
    if text:
        used.append(param("filter", "String", text))
    used.append(param("offset", "Integer", offset))
    if count is not None:
        used.append(param("count", "Integer", count))
    identity = f"{url}|{release.version}|{text or ''}|{offset}|{count}"
    expansion: dict[str, Any] = {
        "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identity)}",
        "timestamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "total": total,
        "offset": offset,
        "parameter": used,
    }
    if contains:
        expansion["contains"] = contains
    return {
        "resourceType": "ValueSet",
        "id": IDS[system],
        "url": url,
        "version": release.version,
        "name": f"All{SYSTEM_LABELS[system].replace('-', '').replace(' ', '')}Codes",
        "title": f"All {SYSTEM_LABELS[system]} codes",
        "status": "active",
        "compose": {"include": [{"system": uri, "version": release.version}]},
        "expansion": expansion,
    }


def codesystem_read(resource_id: str) -> dict[str, Any]:
    """The CodeSystem resource without its concepts (content not-present): URI, version, properties."""
    system, _ = _value_set_system(None, resource_id)
    release = _release(system, None)
    label = SYSTEM_LABELS[system]
    return {
        "resourceType": "CodeSystem",
        "id": resource_id,
        "url": FHIR_URIS[system],
        "version": release.version,
        "name": label.replace("-", "").replace(" ", ""),
        "title": release.title,
        "status": "active",
        "experimental": False,
        "publisher": "Generated by medcode from the official release file " + release.source_file,
        "caseSensitive": True,
        "valueSet": FHIR_URIS[system] + VS_SUFFIX,
        "hierarchyMeaning": "is-a",
        "content": "not-present",
        "count": selectors.concept_count(release=release),
        "property": [
            {"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"},
            {"code": "child", "uri": "http://hl7.org/fhir/concept-properties#child", "type": "code"},
            {"code": "notSelectable", "uri": "http://hl7.org/fhir/concept-properties#notSelectable", "type": "boolean"},
            {"code": "inactive", "uri": "http://hl7.org/fhir/concept-properties#inactive", "type": "boolean"},
            {"code": "kind", "type": "code", "description": "chapter, section, category, code, table, range..."},
        ],
    }


OPERATIONS = {
    "CodeSystem": [
        ("lookup", "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup"),
        ("validate-code", "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code"),
        ("subsumes", "http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes"),
    ],
    "ValueSet": [("expand", "http://hl7.org/fhir/OperationDefinition/ValueSet-expand")],
    "ConceptMap": [("translate", "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate")],
}


def capability_statement(*, base_url: str, software_version: str, date: str) -> dict[str, Any]:
    """What this server does: the terminology operations on CodeSystem, ValueSet and ConceptMap, JSON only."""
    return {
        "resourceType": "CapabilityStatement",
        "id": "medcode-terminology",
        "url": base_url + "/metadata",
        "version": software_version,
        "name": "MedcodeTerminologyServer",
        "title": "medcode FHIR terminology service",
        "status": "active",
        "experimental": False,
        "date": date,
        "publisher": "medcode",
        "description": "FHIR R4 terminology operations over ICD-10-CM, ICD-10-PCS and HCPCS Level II, from the official CMS and CDC release files, and ConceptMap $translate between ICD-9-CM and ICD-10-CM by the CMS GEMs.",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {"name": "medcode", "version": software_version},
        "implementation": {"description": "medcode terminology service", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Open to anonymous clients within a per-address rate; an API key (header X-API-Key or Authorization: Bearer) raises the rate to the key's plan."
                },
                "resource": [
                    {
                        "type": resource,
                        "interaction": [{"code": "read"}],
                        "operation": [{"name": name, "definition": definition} for name, definition in ops],
                    }
                    for resource, ops in OPERATIONS.items()
                ],
            }
        ],
    }


def terminology_capabilities(*, base_url: str, software_version: str, date: str) -> dict[str, Any]:
    """metadata?mode=terminology: each code system and its loaded versions."""
    systems = []
    for system in SERVED:
        versions = [r.version for r in selectors.release_list(system=system)]
        if versions:
            systems.append(
                {"uri": FHIR_URIS[system], "version": [{"code": v, "isDefault": v == versions[-1]} for v in versions]}
            )
    return {
        "resourceType": "TerminologyCapabilities",
        "url": base_url + "/metadata?mode=terminology",
        "version": software_version,
        "name": "MedcodeTerminologyCapabilities",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "medcode", "version": software_version},
        "codeSystem": systems,
        "expansion": {"paging": True, "textFilter": "Words of the display (prefix match), or the start of a code"},
        "translation": {"needsMap": False},
    }
