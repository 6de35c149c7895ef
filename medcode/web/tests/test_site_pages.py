"""The site shell through Django's test client: footer links and their pages, the favicon, copy buttons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from medcode.codebook import store

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(default_codebook: Path) -> Client:
    store.forget()
    return Client()


def test_the_footer_links_about_privacy_api_docs_and_contact_and_each_answers(client: Client) -> None:
    html = client.get("/").content.decode()
    footer = html.split('<footer class="site-footer"')[1]
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer))
    assert {"About", "Privacy", "API docs", "Contact"} <= set(links.values()), links
    for href in links:
        assert client.get(href).status_code == 200, href
    assert "open-source" in client.get("/about/").content.decode()
    privacy = client.get("/privacy/").content.decode()
    assert "medcode_device" in privacy and "90 days" in privacy and "30 days" in privacy
    contact = client.get("/contact/").content.decode()
    assert 'href="/consult/"' in contact and "mailto:" in contact


def test_every_page_links_our_own_svg_favicon(client: Client) -> None:
    html = client.get("/about/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)  # type: ignore[union-attr]
    assert href.startswith("/static/")
    icon = client.get(href)
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])  # type: ignore[attr-defined]
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy["Location"] == href


def test_a_code_page_has_copy_buttons_for_the_code_and_its_title(client: Client) -> None:
    html = client.get("/codes/icd10cm/E11.42/").content.decode()
    buttons = re.findall(r'<button type="button" class="copy-button secondary" data-copy="([^"]+)" hidden>', html)
    assert buttons == ["E11.42", "E11.42 Type 2 diabetes mellitus with diabetic polyneuropathy"]
    assert '<script src="/static/web/page.js" defer></script>' in html


def test_print_stylesheet_is_linked_for_print_only(client: Client) -> None:
    html = client.get("/codes/icd10cm/E11.42/").content.decode()
    assert '<link rel="stylesheet" href="/static/web/print.css" media="print">' in html
    assert client.get("/static/web/print.css").status_code == 200


def test_search_results_are_a_table_that_becomes_cards_on_phones(client: Client) -> None:
    html = client.get("/search/", {"q": "fracture of femur"}).content.decode()
    assert '<table class="data results cards">' in html
