"""Template helpers: link the codes named in official note text to their pages."""

from __future__ import annotations

import functools
import re

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from medcode.codebook import selectors
from medcode.core import labels

register = template.Library()

# A block range (F70-F79), or a code with an optional ".-"/"-" meaning "and its subdivisions" (E08.-).
CODE_RE = re.compile(
    r"\b(?P<range>[A-Z][0-9][0-9A-Z]-[A-Z][0-9][0-9A-Z])\b|\b(?P<code>[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:\.?-)?"
)


@functools.cache
def _url_pattern() -> str:
    return reverse("codebook:code", args=["SYSTEM", "CODE"])


def _code_url(system: str, code: str) -> str:
    return _url_pattern().replace("SYSTEM", system, 1).replace("CODE", code, 1)


@register.filter
def link_codes(text: str, release: selectors.ReleaseInfo) -> SafeString:
    """Escape official text and turn each code that exists in ``release`` into a link; others stay text."""
    out: list[str] = []
    last = 0
    for match in CODE_RE.finditer(text):
        code = match.group("range") or match.group("code")
        concept = selectors.concept_find(system=release.system, code=code, release=release)
        if concept is None and match.group("range"):
            concept = selectors.concept_find(system=release.system, code=code.split("-")[0], release=release)
        out.append(escape(text[last : match.start()]))
        if concept is not None:
            url = _code_url(release.system, concept.code)
            out.append(f'<a href="{url}">{escape(match.group(0))}</a>')
        else:
            out.append(escape(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@register.filter
def note_label(kind: str) -> str:
    return labels.label(kind, "note")


@register.filter
def label(value: object, kind: str) -> str:
    """The human label of a machine identifier: ``{{ finding.rule|label:"rule" }}`` (see medcode.core.labels)."""
    return labels.label(value, kind)


@register.simple_tag
def count(number: int, singular: str, plural: str = "") -> str:
    """``{% count summary.errors "error" %}`` -> '1 error', '2 errors'."""
    return labels.count(int(number or 0), singular, plural or None)


@register.filter
def get(mapping: dict[str, object], key: str) -> object:
    """A dictionary value whose key is not a template name (``row|get:"non-facility"``)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
