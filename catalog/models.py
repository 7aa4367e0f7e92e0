"""The open-data catalog: sources, their datasets and distributions.

The tables keep the names they had when these models lived in ventures
(``ventures_dataset``, ...): the move was a change of Python home only.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CatalogFormat(models.TextChoices):
    DCAT_US = "dcat-us", "DCAT-US data.json"
    CKAN = "ckan", "CKAN API response"
    DCAT_AP = "dcat-ap", "DCAT-AP (RDF)"
    SOCRATA = "socrata", "Socrata view JSON"
    SURVEY = "survey", "Named in a survey, not in a catalog"


class CatalogSource(models.Model):
    """Where datasets come from; re-imports of the same name upsert into it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    location = models.CharField(_("URL or file name"), max_length=2000, blank=True)
    format = models.CharField(
        _("format"), max_length=10, choices=CatalogFormat.choices, blank=True
    )
    last_imported_at = models.DateTimeField(_("last import"), null=True, blank=True)
    last_counts = models.JSONField(_("counts of the last import"), default=dict)

    class Meta:
        db_table = "ventures_catalogsource"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """One catalog entry; withdrawn (never deleted) when its source drops it, so
    the ventures that use it keep their links."""

    source = models.ForeignKey(
        CatalogSource, on_delete=models.PROTECT, related_name="datasets"
    )
    identifier = models.CharField(_("identifier"), max_length=500)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    licence = models.TextField(_("licence"), blank=True)
    landing_page = models.CharField(_("landing page"), max_length=2000, blank=True)
    modified = models.DateField(_("modified"), null=True, blank=True)
    access_level = models.CharField(_("access level"), max_length=50, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "ventures_dataset"
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "identifier"], name="ventures_dataset_one_per_source"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Distribution(models.Model):
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="distributions"
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    format = models.CharField(_("format"), max_length=100, blank=True)
    url = models.CharField(_("URL"), max_length=2000, blank=True)
    media_type = models.CharField(_("media type"), max_length=200, blank=True)

    class Meta:
        db_table = "ventures_distribution"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title or self.url
