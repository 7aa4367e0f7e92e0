"""Narrow forms for programs, cohorts, members and invitations."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from hub.core.models import Role, User
from programs.models import (
    SHARES,
    Cohort,
    Direction,
    Indicator,
    MemberRole,
    Program,
    ProgramMembership,
)
from programs.services import MAX_ADDRESSES, TargetSpec, split_addresses

#: Paths under /programs/ that a slug would shadow.
RESERVED_SLUGS = {"new"}


def _check_dates(cleaned: dict[str, Any], form: forms.BaseForm) -> None:
    starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
    if starts and ends and ends < starts:
        form.add_error("ends_on", _("The end date is before the start date."))


class ProgramForm(forms.ModelForm):
    managers = forms.ModelMultipleChoiceField(
        label=_("Managers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("City staff who run the program and send its invitations."),
    )

    class Meta:
        model = Program
        fields = ["name", "slug", "description", "starts_on", "ends_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "slug": _("The program's web address: lowercase letters, digits and -."),
            "description": _("Markdown: headings, lists, links and tables."),
        }

    def __init__(self, *args: Any, can_set_managers: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if can_set_managers:
            managers = cast(forms.ModelChoiceField, self.fields["managers"])
            managers.queryset = User.objects.filter(
                role=Role.STAFF, is_active=True
            ).order_by("display_name", "email")
        else:
            del self.fields["managers"]

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError(_("Give the program a name."))
        return name

    def clean_slug(self) -> str:
        slug = (self.cleaned_data.get("slug") or "").strip()
        if not slug:
            slug = slugify(self.cleaned_data.get("name") or "")[:200]
        if not slug:
            raise ValidationError(_("Give the program a web address."))
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This web address is reserved; choose another."))
        taken = Program.objects.filter(slug=slug)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another program uses this web address."))
        return slug

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        _check_dates(cleaned, self)
        return cleaned


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError(_("Give the cohort a name."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        _check_dates(cleaned, self)
        return cleaned

    def validate_unique(self) -> None:
        # The program is not a form field; the service reports a taken name.
        pass


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        empty_label=_("No cohort"),
    )

    def __init__(self, *args: Any, program: Program, cohorts: list[Cohort], **kw: Any):
        super().__init__(*args, **kw)
        field = cast(forms.ModelChoiceField, self.fields["cohort"])
        field.queryset = Cohort.objects.filter(program=program)
        # The page already has the cohorts: no query per member row.
        field.choices = [("", _("No cohort")), *((c.pk, c.name) for c in cohorts)]

    @classmethod
    def for_membership(
        cls, membership: ProgramMembership, cohorts: list[Cohort]
    ) -> MemberForm:
        return cls(
            program=membership.program,
            cohorts=cohorts,
            prefix=f"m{membership.pk}",
            initial={"role": membership.role, "cohort": membership.cohort_id},
        )


class InviteForm(forms.Form):
    addresses = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=40_000,
        help_text=_(
            "One or many, separated by commas, semicolons or new lines. "
            "You will see a preview before anything is sent."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        empty_label=_("No cohort"),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohort = cast(forms.ModelChoiceField, self.fields["cohort"])
        cohort.queryset = Cohort.objects.filter(program=program)

    def clean_addresses(self) -> str:
        text = self.cleaned_data.get("addresses") or ""
        found = split_addresses(text)
        if not found:
            raise ValidationError(_("Paste at least one e-mail address."))
        if len(found) > MAX_ADDRESSES:
            raise ValidationError(
                _("Paste at most %(n)d addresses at once."),
                params={"n": MAX_ADDRESSES},
            )
        return text


class ScorecardTargetsForm(forms.Form):
    """One target, direction and amber band per indicator; a blank target
    means "no target". Shares are percentages, so at most 100."""

    def __init__(self, *args: Any, targets: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for indicator in Indicator:
            key = indicator.value
            current = targets.get(key)
            self.fields[f"{key}-target"] = forms.DecimalField(
                label=_("Target"),
                required=False,
                min_value=0,
                max_value=100 if indicator in SHARES else None,
                max_digits=18,
                decimal_places=2,
                initial=current.target if current else None,
            )
            self.fields[f"{key}-direction"] = forms.ChoiceField(
                label=_("Direction"),
                choices=Direction.choices,
                initial=current.direction if current else Direction.HIGHER,
            )
            self.fields[f"{key}-amber_band"] = forms.DecimalField(
                label=_("Amber band (% of target)"),
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=current.amber_band if current else 10,
            )
            self.rows.append(
                (
                    indicator.label,
                    [
                        self[f"{key}-{part}"]
                        for part in ("target", "direction", "amber_band")
                    ],
                )
            )

    def specs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            i.value: TargetSpec(
                target=data[f"{i.value}-target"],
                direction=data[f"{i.value}-direction"],
                amber_band=data[f"{i.value}-amber_band"],
            )
            for i in Indicator
        }
