"""Narrow forms for ventures, their dataset uses and data requests."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from catalog.models import Dataset
from hub.core.forms import clean_tag_list
from hub.core.safelinks import validate_web_link
from ventures.models import (
    DataRequest,
    DatasetUse,
    RequestStatus,
    Venture,
    VentureStatus,
)


class VentureForm(forms.ModelForm):
    website = forms.URLField(
        label=_("Website"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("An http:// or https:// address."),
        validators=[validate_web_link],
    )
    sectors = TagField(
        label=_("Sector tags"),
        required=False,
        help_text=_("Comma-separated, e.g. “mobility, logistics”."),
    )

    class Meta:
        model = Venture
        fields = [
            "name",
            "description",
            "website",
            "founded_on",
            "launched_on",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "launched_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError(_("Give the venture a name."))
        return name

    def clean_sectors(self) -> list[str]:
        return clean_tag_list(self.cleaned_data.get("sectors") or [])


class VentureFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *VentureStatus.choices],
        required=False,
    )
    sector = forms.CharField(label=_("Sector tag"), max_length=100, required=False)


class DatasetUseForm(forms.ModelForm):
    class Meta:
        model = DatasetUse
        fields = ["how", "extent", "quality"]
        widgets = {
            "how": forms.Textarea(attrs={"rows": 4}),
            "extent": forms.RadioSelect,
        }


class NewDatasetUseForm(DatasetUseForm):
    """Pick a dataset from the (searched) non-withdrawn ones, then say how."""

    dataset = forms.ModelChoiceField(
        label=_("Dataset"), queryset=Dataset.objects.none()
    )

    class Meta(DatasetUseForm.Meta):
        fields = ["dataset", "how", "extent", "quality"]

    def __init__(self, *args: Any, datasets: QuerySet[Dataset], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["dataset"]).queryset = datasets


class DataRequestForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_title(self) -> str:
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise ValidationError(_("Name the dataset you need."))
        return title


class RequestStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RequestStatus.choices)
