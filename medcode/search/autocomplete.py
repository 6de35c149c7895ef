"""Typing-time answers: the top ten with highlights, and the NLM Clinical Table Search Service shape."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

from medcode.codebook import store
from medcode.core.errors import ApplicationError
from medcode.search import services

MAX_TERMS = 200
# Answers per process for the most recent distinct (codebook build, query, options): people type the same
# prefixes all day, and a build switch changes the key. About 3 kB an answer (MEDCODE_AUTOCOMPLETE_CACHE).
CACHE_SIZE = settings.MEDCODE_AUTOCOMPLETE_CACHE
CTSS_MAX_LIST = 500
CTSS_FIELDS = {
    "icd10cm": {"code": "code", "name": "title"},
    "hcpcs": {
        "code": "code",
        "display": "title",
        "short_desc": "title",
        "long_desc": "title",
        "obsolete": "terminated",
    },
}
MSG_CTSS_FIELD = "Unknown field '{field}' for {system}; known: {known}"


def autocomplete(*, query: str, system: str | None = None, limit: int = 10) -> dict[str, Any]:
    """Up to ten codes for what has been typed so far (the last word may be incomplete), with highlights."""
    query = (query or "")[:MAX_TERMS]
    if not query.strip():
        return {"query": query, "results": []}
    return _autocomplete(store.connected_path().name, query, system, max(1, min(limit, 10)))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _autocomplete(build: str, query: str, system: str | None, limit: int) -> dict[str, Any]:
    """The answer for one codebook build; callers must not change it (it is shared from the cache)."""
    found = services.search(query=query, system=system, limit=limit, prefix_last=True)
    url = _code_urls()
    return {
        "query": query,
        "results": [
            {
                "system": r["system"],
                "code": r["code"],
                "title": r["title"],
                "highlight": r["highlight"],
                "billable": r["billable"],
                "terminated": r["terminated"],
                "index_path": r["index_path"],
                "url": url(r["system"], r["code"]),
            }
            for r in found["results"]
        ],
    }


def _code_urls() -> Callable[[str, str], str]:
    """The code page URL of (system, code), as reverse() gives it, reversing once per system and URL set-up.

    The code is the last part of the path (`<path:code>`), quoted as reverse() quotes it.
    """
    script_prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF

    def url(system: str, code: str) -> str:
        prefix = _code_url_prefix(script_prefix, urlconf, system)
        return f"{prefix}{quote(code, safe=RFC3986_SUBDELIMS + '/~:@')}/"

    return url


@functools.lru_cache(maxsize=64)
def _code_url_prefix(script_prefix: str, urlconf: str, system: str) -> str:
    """A system's code page URL without the code (reverse() walks the URL patterns: once per process and key)."""
    return reverse("codebook:code", args=[system, "-"]).removesuffix("-/")


def ctss_search(
    *, system: str, terms: str, max_list: int = 7, sf: str = "code,name", df: str | None = None, ef: str | None = None
) -> list[Any]:
    """[total, codes, extra, display] as the NLM Clinical Table Search Service answers for ICD-10-CM and HCPCS."""
    fields = CTSS_FIELDS[system]
    df_list = [
        f.strip() for f in (df or ("code,name" if system == "icd10cm" else "code,display")).split(",") if f.strip()
    ]
    ef_list = [f.strip() for f in (ef or "").split(",") if f.strip()]
    for f in df_list + ef_list:
        if f not in fields:
            raise ApplicationError(MSG_CTSS_FIELD.format(field=f, system=system, known=", ".join(fields)))
    max_list = max(1, min(int(max_list), CTSS_MAX_LIST))
    terms = (terms or "")[:MAX_TERMS]
    if not terms.strip():
        return [0, [], None, []]
    return _ctss_search(store.connected_path().name, system, terms, max_list, sf, tuple(df_list), tuple(ef_list))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _ctss_search(
    build: str, system: str, terms: str, max_list: int, sf: str, df_list: tuple[str, ...], ef_list: tuple[str, ...]
) -> list[Any]:
    """The answer for one codebook build; callers must not change it (it is shared from the cache)."""
    fields = CTSS_FIELDS[system]
    search_fields = {f.strip() for f in sf.split(",") if f.strip()}
    found = services.search(query=terms, system=system, limit=max_list, prefix_last=True)["results"]
    if search_fields == {"code"}:
        found = [r for r in found if r["match"] in ("code", "completion")]
    rows = found[:max_list]
    codes = [r["code"] for r in rows]
    display = [[str(r[fields[f]]) for f in df_list] for r in rows]
    extra = {f: [r[fields[f]] for r in rows] for f in ef_list} if ef_list else None
    return [len(found), codes, extra, display]
