"""Forms for people: the sign-up extras, the profile and role changes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from hub.core.models import Role, User

MAX_TAGS = 12
MAX_TAG_LENGTH = 50


def clean_tag_list(names: list[str]) -> list[str]:
    """Validate a parsed tag list: a few short tags, duplicates folded."""
    seen: dict[str, str] = {}
    for name in names:
        name = name.strip()
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError(
                _("Each tag can have at most %(n)d characters."),
                params={"n": MAX_TAG_LENGTH},
            )
        seen.setdefault(name.lower(), name)
    if len(seen) > MAX_TAGS:
        raise ValidationError(_("Use at most %(n)d tags."), params={"n": MAX_TAGS})
    return list(seen.values())


def _option_attrs(attrs: dict[str, Any]) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them, in order."""
    return "".join(
        format_html(" {}", name)
        if value is True
        else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


class LongSelect(forms.Select):
    """A ``Select`` for long option lists (every reviewer, every person).

    The HTML of Django's own select.html, select_option.html and attrs.html,
    written here: through the templates, two includes per option cost more
    than the rest of the page.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [format_html('<select name="{}"', widget["name"])]

        parts.append(_option_attrs(widget["attrs"]) + ">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        option["value"],
                        mark_safe(_option_attrs(option["attrs"])),  # noqa: S308 - escaped above
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


class SignupForm(forms.Form):
    """Extra sign-up fields (allauth's ACCOUNT_SIGNUP_FORM_CLASS). No role here:
    roles are granted by staff."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("How other people on the hub will see you."),
    )

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise ValidationError(_("Enter a display name."))
        return name

    def signup(self, request: Any, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    skills = TagField(
        label=_("Skills"),
        required=False,
        help_text=_("Comma-separated, e.g. “mobility, machine learning, retail”."),
    )

    class Meta:
        model = User
        fields = ["display_name", "organisation", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise ValidationError(_("Enter a display name."))
        return name

    def clean_skills(self) -> list[str]:
        return clean_tag_list(self.cleaned_data.get("skills") or [])


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Search people"), max_length=100, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Any role")), *Role.choices], required=False
    )
