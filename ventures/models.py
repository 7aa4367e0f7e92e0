"""Ventures: companies launched from the pipeline (or entered by staff)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.rendering import render_markdown


class VentureRole(models.TextChoices):
    FOUNDER = "founder", _("Founder")
    MEMBER = "member", _("Team member")


class Venture(models.Model):
    name = models.CharField(_("name"), max_length=140)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    description = models.TextField(_("description"), max_length=20_000, blank=True)
    description_html = models.TextField(editable=False, blank=True)
    launched_on = models.DateField(_("launch date"), default=timezone.localdate)
    idea = models.OneToOneField(
        "ideas.Idea",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="venture",
        verbose_name=_("originating idea"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="VentureMember", related_name="ventures"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-launched_on", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "description" in update_fields:
            self.description_html = render_markdown(self.description)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "description_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ventures-detail", args=[self.slug])


class VentureMember(models.Model):
    venture = models.ForeignKey(
        Venture, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(
        max_length=10, choices=VentureRole.choices, default=VentureRole.MEMBER
    )

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venture", "user"], name="ventures_one_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.venture}"
