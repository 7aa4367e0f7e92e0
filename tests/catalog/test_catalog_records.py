"""The clean-up every catalog format shares: text, dates, keywords."""

from __future__ import annotations

from datetime import date

import pytest

from catalog.records import clean_text, parse_date, split_keywords


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2013", date(2013, 1, 1)),
        ("2013-05", date(2013, 5, 1)),
        ("2019-06-27 12:41:27", date(2019, 6, 27)),
        ("2024-04-15T09:08:10+02:00", date(2024, 4, 15)),
        ("2024-05-08T04:11:24.309486", date(2024, 5, 8)),
        (1371737838, date(2013, 6, 20)),
        ("R/P1D", None),
        ("2013-13-45", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_are_parsed_leniently(raw, expected):
    assert parse_date(raw) == expected


def test_html_is_stripped_keeping_paragraphs():
    raw = "<b>Bold</b> intro<p>Second &amp; last</p><script>alert(1)</script>"
    assert clean_text(raw) == "Bold intro\n\nSecond & last"


def test_entity_escaped_html_is_stripped_too():
    raw = "&lt;strong&gt;Name&lt;/strong&gt;&amp;nbsp;&lt;div&gt;Text&lt;/div&gt;"
    assert clean_text(raw) == "Name\n\nText"


def test_keywords_given_as_one_comma_string_are_split():
    assert split_keywords("gis, shapefiles,,gis ") == ("gis", "shapefiles")
    assert split_keywords(["Procurement", " Survey"]) == ("Procurement", "Survey")
    assert split_keywords(None) == ()
