"""LongSelect writes the HTML of Django's own Select, without its templates."""

from __future__ import annotations

import pytest
from django import forms

from hub.core.forms import LongSelect

CHOICES = [
    ("", "---------"),
    ("a", "Ann <admin> & co"),
    ("Group “one”", [("b", 'Bo "B"'), ("c", "Cy")]),
    (3, "Three"),
]


@pytest.mark.parametrize("value", [None, "b", "3", ["a", "c"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_who", "required": True, "disabled": False}]
)
def test_it_renders_what_djangos_select_renders(value, attrs):
    ours = LongSelect(choices=CHOICES, attrs={"class": "x<y"})
    django = forms.Select(choices=CHOICES, attrs={"class": "x<y"})
    if isinstance(value, list):  # several selected: a multiple select's options
        ours.allow_multiple_selected = django.allow_multiple_selected = True
    assert ours.render("who", value, attrs) == django.render("who", value, attrs)
