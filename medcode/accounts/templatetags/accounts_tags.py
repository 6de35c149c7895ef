"""Template tags of metered code pages: lock a section, show the allowance, the user's favorite and note."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string

from medcode.accounts import selectors
from medcode.accounts.models import CODE_PAGE_SECTIONS

register = template.Library()
SECTION_TITLES = dict(CODE_PAGE_SECTIONS)


class LockedNode(template.Node):
    def __init__(self, section: str, nodelist: template.NodeList) -> None:
        self.section = section
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        request = context.get("request")
        access = getattr(request, "code_access", None)
        if access is None or not access.is_locked(self.section):
            return str(self.nodelist.render(context))
        return render_to_string(
            "accounts/locked_section.html",
            {"section": self.section, "title": SECTION_TITLES.get(self.section, self.section), "access": access},
            request=request,
        )


@register.tag
def locked(parser: Parser, token: Token) -> LockedNode:
    """{% locked "notes" %}...{% endlocked %}: the content, or "Register to view content" when the plan locks it."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("locked takes one argument: the section name")
    nodelist = parser.parse(("endlocked",))
    parser.delete_first_token()
    return LockedNode(bits[1].strip("\"'"), nodelist)


@register.inclusion_tag("accounts/meter_banner.html", takes_context=True)
def meter_banner(context: Context) -> dict[str, Any]:
    """Where the viewer stands this month, and what a free account adds (for guests)."""
    request = context.get("request")
    access = getattr(request, "code_access", None)
    register_limit = None
    if access is not None and access.guest and access.limit is not None:
        register_limit = selectors.plan_register_limit()
    return {"access": access, "request": request, "register_limit": register_limit}


@register.inclusion_tag("accounts/code_tools.html", takes_context=True)
def code_tools(context: Context, concept: Any) -> dict[str, Any]:
    """Favorite toggle and personal note for a logged-in user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "concept": concept,
        "favorite": selectors.favorite_exists(user_id=user.pk, system=concept.system, code=concept.code),
        "note": selectors.note_get(user_id=user.pk, system=concept.system, code=concept.code),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
