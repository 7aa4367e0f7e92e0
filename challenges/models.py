"""Challenges the city posts ("How might we ...") and how answers are reviewed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.rendering import render_markdown


class Challenge(models.Model):
    title = models.CharField(
        _("title"), max_length=200, help_text=_("“How might we …?”")
    )
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    brief = models.TextField(_("brief"), max_length=20_000, blank=True)
    brief_html = models.TextField(editable=False, blank=True)
    datasets = models.ManyToManyField(
        "ventures.Dataset",
        blank=True,
        related_name="challenges",
        verbose_name=_("linked datasets"),
    )
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenges",
        verbose_name=_("program"),
        help_text=_("Leave empty for a public challenge."),
    )
    opens_on = models.DateField(_("opens on"), default=timezone.localdate)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-opens_on", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "brief" in update_fields:
            self.brief_html = render_markdown(self.brief)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "brief_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("challenges-detail", args=[self.slug])
