"""Narrow forms for challenges, rubrics, assignments and reviews."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Dataset
from challenges.models import Challenge, Criterion, Rubric
from challenges.services import CriterionSpec
from hub.core.forms import LongSelect

RESERVED_SLUGS = {"new", "intake-rubric"}  # other pages under /challenges/
SCORE_BOUND = 1000  # any scale fits in a SmallIntegerField with room to spare


class ChallengeForm(forms.ModelForm):
    datasets = forms.ModelMultipleChoiceField(
        label=_("Linked datasets"),
        queryset=Dataset.objects.filter(withdrawn=False).order_by("title", "id"),
        required=False,
        help_text=_("Open data that answers could build on."),
    )

    class Meta:
        model = Challenge
        fields = [
            "title", "slug", "brief", "program", "opens_on", "closes_on",
            "required_reviews",
        ]  # fmt: skip
        widgets = {
            "brief": forms.Textarea(attrs={"rows": 10}),
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {"brief": _("Markdown: headings, lists, links and tables.")}
        error_messages = {"title": {"required": _("Give the challenge a title.")}}

    def clean_title(self) -> str:
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise ValidationError(_("Give the challenge a title."))
        return title

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug", "")
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is taken; choose another slug."))
        return slug

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The closing date is before the opening."))
        return data


class ScaleForm(forms.Form):
    scale_min = forms.IntegerField(
        label=_("Lowest score"), min_value=-SCORE_BOUND, max_value=SCORE_BOUND
    )
    scale_max = forms.IntegerField(
        label=_("Highest score"), min_value=-SCORE_BOUND, max_value=SCORE_BOUND
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and low >= high:
            self.add_error(
                "scale_max", _("The highest score must be above the lowest score.")
            )
        return data


class CriterionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Criterion"), max_length=120, required=False)
    description = forms.CharField(
        label=_("What to look for"), max_length=500, required=False
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("A whole number from 1 to 100."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if data.get("name", "").strip() and data.get("weight") is None:
            self.add_error("weight", _("Give this criterion a weight."))
        if data.get("weight") is not None and not data.get("name", "").strip():
            self.add_error("name", _("Give this criterion a name."))
        return data


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.specs():
            raise ValidationError(_("A rubric needs at least one criterion."))
        names = [s.name.lower() for s in self.specs()]
        if len(set(names)) != len(names):
            raise ValidationError(_("Two criteria have the same name."))

    def specs(self) -> list[CriterionSpec]:
        found = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if not data or data.get("DELETE") or not data.get("name", "").strip():
                continue
            found.append(
                CriterionSpec(
                    name=data["name"].strip(),
                    weight=data["weight"],
                    description=data.get("description", ""),
                    id=data.get("id"),
                )
            )
        return found


# formset_factory's stub returns type[BaseFormSet]; this one is a BaseCriterionFormSet.
CriterionFormSet = cast(
    "type[BaseCriterionFormSet]",
    forms.formset_factory(
        CriterionForm,
        formset=BaseCriterionFormSet,
        extra=2,
        can_delete=True,
        max_num=30,
        validate_max=True,
    ),
)


def criterion_initial(rubric: Rubric | None) -> list[dict[str, Any]]:
    if rubric is None or rubric.pk is None:
        return []
    return [
        {"id": c.pk, "name": c.name, "description": c.description, "weight": c.weight}
        for c in rubric.criteria.all()
    ]


class ReviewForm(forms.Form):
    """One score and one comment per criterion. Saving a draft allows blanks;
    submitting needs every score (checked by the service too)."""

    def __init__(
        self,
        *args: Any,
        criteria: list[Criterion],
        scale: tuple[int, int],
        submitting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        low, high = scale
        for c in criteria:
            self.fields[f"score_{c.pk}"] = forms.IntegerField(
                label=_("Score for “%(name)s” (%(low)d to %(high)d)")
                % {"name": c.name, "low": low, "high": high},
                min_value=low,
                max_value=high,
                required=submitting,
                help_text=c.description,
                error_messages={
                    "required": _("Score this criterion before submitting."),
                },
            )
            self.fields[f"comment_{c.pk}"] = forms.CharField(
                label=_("Comment on “%(name)s”") % {"name": c.name},
                max_length=2_000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def scores(self) -> dict[int, tuple[int | None, str]]:
        return {
            c.pk: (
                self.cleaned_data.get(f"score_{c.pk}"),
                self.cleaned_data.get(f"comment_{c.pk}", ""),
            )
            for c in self.criteria
        }

    def pairs(self) -> list[tuple[Criterion, Any, Any]]:
        return [
            (c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria
        ]


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("What is the conflict of interest?"),
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the city's staff see this. You leave the review."),
        error_messages={"required": _("Say briefly what the conflict is.")},
    )

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise ValidationError(_("Say briefly what the conflict is."))
        return reason


class AssignForm(forms.Form):
    reviewer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Reviewer"), queryset=None, widget=LongSelect
    )

    def __init__(self, *args: Any, reviewers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["reviewer"])
        field.queryset = reviewers
        field.label_from_instance = lambda u: f"{u.display_name} ({u.email})"  # type: ignore[assignment]
