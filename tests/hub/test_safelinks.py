"""The one rule for links from outside (``hub.core.safelinks``, issue 13)."""

from __future__ import annotations

import pytest

from hub.core.safelinks import browser_view, is_safe_link, safe_link, stored_url
from tests.support.hostile_urls import HOSTILE, SAFE, bad_links


@pytest.mark.parametrize("url", HOSTILE)
def test_a_hostile_url_is_not_a_link(url):
    assert safe_link(url) == ""
    assert not is_safe_link(url)


@pytest.mark.parametrize("url", SAFE)
def test_a_web_address_is_a_link_as_the_browser_reads_it(url):
    assert safe_link(url) == browser_view(url)
    assert safe_link(url).lower().startswith(("http://", "https://"))


def test_the_value_is_read_as_a_browser_reads_it():
    assert browser_view(" \x01java\tscr\nipt:x\x1f ") == "javascript:x"
    assert browser_view("&#104;ttps://a.example/?a=1&amp;b=2") == (
        "https://a.example/?a=1&b=2"
    )
    assert safe_link("&#104;ttps://a.example/") == "https://a.example/"
    assert safe_link("http:\\\\a.example\\x") == "http:\\\\a.example\\x"


def test_mailto_only_where_an_address_is_meant():
    assert safe_link("mailto:a@b.example") == ""
    assert safe_link("MAILTO:a@b.example", mailto=True) == "MAILTO:a@b.example"
    assert safe_link("mailto:nobody", mailto=True) == ""
    assert safe_link("javascript:alert(1)", mailto=True) == ""


def test_imports_keep_ftp_as_text_and_drop_the_rest():
    assert stored_url("ftp://ftp.example/a.zip") == "ftp://ftp.example/a.zip"
    assert stored_url(" FTP://ftp.example/a.zip") == "FTP://ftp.example/a.zip"
    assert stored_url("https://ok.example/") == "https://ok.example/"
    for url in HOSTILE:
        if not url.lower().startswith("ftp"):
            assert stored_url(url) == "", url
    assert stored_url(None) == ""


def test_the_page_check_catches_every_hostile_link():
    # The rendering tests rely on bad_links; it must see each corpus entry.
    for url in HOSTILE:
        if url in {"http:", "https://"}:
            continue  # http(s) with no host: harmless, the browser goes nowhere
        page = f'<a href="{url.replace("&", "&amp;").replace(chr(34), "&quot;")}">x</a>'
        assert bad_links(page), url
    assert bad_links('<a href="/datasets/1/">x</a><img src="https://a/x.png">') == []


def test_the_link_url_filter_renders_only_safe_links():
    from django.template import Context, Template

    template = Template(
        "{% load clusterhub %}{% with href=url|link_url %}"
        '{% if href %}<a href="{{ href }}">{{ url }}</a>{% else %}{{ url }}{% endif %}'
        "{% endwith %}"
    )
    for url in HOSTILE:
        html = template.render(Context({"url": url}))
        assert "<a" not in html and bad_links(html) == [], url
    assert '<a href="http://ok.example/a">' in template.render(
        Context({"url": "http://ok.example/a"})
    )
