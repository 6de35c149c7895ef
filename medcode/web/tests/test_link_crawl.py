"""A link crawl of a default install: from every navigation and footer link, same-site links two levels deep;
none answers 404 or 500. Links to other sites are not followed (and listed in the failure message if wrong)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.test import Client

from medcode.accounts.services import plan_defaults_ensure
from medcode.accounts.tests.factories import make_account
from medcode.codebook import store

pytestmark = pytest.mark.django_db

DEPTH = 2  # the navigation and footer links are level 0; links found on them level 1, on those level 2
# A browse page links thousands of code pages built by one view: from each page, at most this many links of one
# shape (the path with codes and numbers as *, the query's names without values) are followed.
PER_SHAPE = 8
NOT_PAGES = ("/static/", "/account/logout/")  # assets; log-out is a POST form, not a link
SAME_SITE_HOSTS = {"", "testserver"}


class Links(HTMLParser):
    """The href of every <a>, and those inside the main navigation and the footer."""

    def __init__(self) -> None:
        super().__init__()
        self.all: list[str] = []
        self.chrome: list[str] = []
        self._depth = {"nav": 0, "footer": 0}
        self._main_nav: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav":
            self._main_nav.append(values.get("aria-label") == "Main")
        if tag == "footer":
            self._depth["footer"] += 1
        if tag == "a" and values.get("href"):
            href = values["href"] or ""
            self.all.append(href)
            if self._depth["footer"] or any(self._main_nav):
                self.chrome.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._main_nav:
            self._main_nav.pop()
        if tag == "footer":
            self._depth["footer"] -= 1


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def same_site(base: str, href: str) -> str | None:
    """The path and query of a same-site link (None for other sites, mail and script links, assets)."""
    url, _ = urldefrag(urljoin(base, href))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "") or parts.netloc not in SAME_SITE_HOSTS:
        return None
    if not parts.path or parts.path.startswith(NOT_PAGES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def shape(path: str) -> str:
    """/codes/icd10cm/E11.42/ and /codes/icd10cm/I10/ have one shape; so do ?q=a and ?q=b."""
    route, _, query = path.partition("?")
    parts = route.strip("/").split("/")
    if parts[:1] == ["codes"] and len(parts) > 2:
        parts = [*parts[:2], "*"]
    parts = ["*" if any(ch.isdigit() for ch in p) else p for p in parts]
    names = sorted({pair.partition("=")[0] for pair in query.split("&") if pair})
    return "/".join(parts) + "?" + "&".join(names)


def crawl(client: Client) -> tuple[dict[str, int], dict[str, str], set[str]]:
    """Status of every page reached, the page each was first linked from, and the other-site links seen."""
    home = client.get("/")
    assert home.status_code == 200
    start = [p for p in (same_site("http://testserver/", h) for h in links_of(home.content.decode()).chrome) if p]
    assert {"/about/", "/privacy/", "/api/v1/docs", "/contact/"} <= set(start), start  # the footer
    assert len(start) >= 19, start  # and the navigation: 14 links and the account's
    status: dict[str, int] = {}
    linked_from = {path: "/ (navigation or footer)" for path in start}
    external: set[str] = set()
    level = list(dict.fromkeys(start))
    for depth in range(DEPTH + 1):
        following: list[str] = []
        for path in level:
            if path in status:
                continue
            response = client.get(path)
            status[path] = response.status_code
            content_type = response.get("Content-Type", "")
            if depth == DEPTH or response.status_code != 200 or not content_type.startswith("text/html"):
                continue
            shapes: dict[str, int] = {}
            for href in links_of(response.content.decode()).all:
                target = same_site(f"http://testserver{path}", href)
                if target is None:
                    if href.startswith(("http://", "https://")):
                        external.add(href)
                    continue
                shapes[shape(target)] = shapes.get(shape(target), 0) + 1
                if shapes[shape(target)] > PER_SHAPE:
                    continue
                if target not in status and target not in linked_from:
                    linked_from[target] = path
                    following.append(target)
        level = following
    return status, linked_from, external


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "signed-in"])
def test_no_page_reachable_from_the_navigation_is_missing_or_broken(default_codebook: Path, signed_in: bool) -> None:
    store.forget()
    plan_defaults_ensure()
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(make_account().user)
    status, linked_from, external = crawl(client)
    broken = {path: (code, linked_from[path]) for path, code in status.items() if code in (404, 500)}
    assert not broken, f"{len(broken)} of {len(status)} pages broken (status, linked from): {broken}"
    print(f"crawled {len(status)} pages, {len(external)} links to other sites not followed")
    assert len(status) >= 150, len(status)  # the crawl really went two levels deep
