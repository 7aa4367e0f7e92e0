"""Narrow forms for ideas, teams, moves and comments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from hub.core.forms import clean_tag_list
from ideas.models import COMMENT_MAX, Idea, TeamRole, Visibility
from ideas.stages import Stage
from programs.models import Program

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _strip_required(value: str, message: StrOrPromise) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


class IdeaForm(forms.ModelForm):
    tags = TagField(
        label=_("Tags"),
        required=False,
        help_text=_("Comma-separated, e.g. “mobility, open data”."),
    )

    class Meta:
        model = Idea
        fields = [
            "title", "pitch", "problem", "solution", "description", "visibility",
            "program", "challenge",
        ]  # fmt: skip
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "solution": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 10}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Open challenges the author may see (and the idea's own, even closed).
        # The model is the one Idea.challenge points at: ideas does not import
        # challenges, the app above it.
        Challenge: Any = Idea._meta.get_field("challenge").related_model

        choices = Challenge.objects.visible_to(user).open_for_answers()
        if self.instance.challenge_id:
            choices = choices | Challenge.objects.filter(pk=self.instance.challenge_id)
        field = cast(forms.ModelChoiceField, self.fields["challenge"])
        field.queryset = choices.order_by("title")
        field.empty_label = _("None: an unsolicited proposal")
        # Only programs the author belongs to (and the idea's own program).
        programs = Program.objects.visible_to(user)
        if self.instance.program_id:
            programs = programs | Program.objects.filter(pk=self.instance.program_id)
        program = cast(forms.ModelChoiceField, self.fields["program"])
        program.queryset = programs.order_by("name")
        program.empty_label = _("None")
        program.help_text = _(
            "Only programs you belong to. Needed for “Program members” visibility."
        )

    def clean_title(self) -> str:
        return _strip_required(
            self.cleaned_data.get("title", ""), _("Give the idea a title.")
        )

    def clean_pitch(self) -> str:
        return _strip_required(
            self.cleaned_data.get("pitch", ""), _("Write a one-line pitch.")
        )

    def clean_problem(self) -> str:
        return _strip_required(
            self.cleaned_data.get("problem", ""), _("Describe the problem.")
        )

    def clean_solution(self) -> str:
        return _strip_required(
            self.cleaned_data.get("solution", ""), _("Describe the proposed solution.")
        )

    def clean_tags(self) -> list[str]:
        return clean_tag_list(self.cleaned_data.get("tags") or [])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("visibility") == Visibility.PROGRAM and not cleaned.get(
            "program"
        ):
            self.add_error(
                "program",
                _(
                    "Choose the program whose members may see the idea, or "
                    "pick another visibility."
                ),
            )
        return cleaned


class IdeaFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[("", _("All stages")), *Stage.choices],
        required=False,
    )
    tag = forms.CharField(label=_("Tag"), max_length=100, required=False)
    mine = forms.BooleanField(label=_("Only my ideas"), required=False)


class TeamMemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of a registered person"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    from_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Feedback for the team"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when declining or sending back."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is supported."),
    )

    def clean_body(self) -> str:
        return _strip_required(self.cleaned_data.get("body", ""), _("Write a comment."))
