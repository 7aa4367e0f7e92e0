"""The ventures admin: ventures, their teams, dataset uses and data requests
change through :mod:`ventures.services` (checked and audited like the site's
forms). A venture's slug and originating idea are set by the services (the
slug from its name, the idea when it launches); a data request's text is its
team's, so staff triage its status.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from hub.core.adminkit import ServiceAdmin, actor, changed, save_role_rows
from ventures import services
from ventures.models import (
    DataRequest,
    DatasetUse,
    ExternalReference,
    Venture,
    VentureMember,
)


class MemberInline(admin.TabularInline):
    model = VentureMember
    extra = 0
    autocomplete_fields = ["user"]


class ExternalReferenceInline(admin.TabularInline):
    """Where an imported venture came from (read-only: the importers own it)."""

    model = ExternalReference
    extra = 0
    fields = ("source", "key", "primary")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(
        self, request: HttpRequest, obj: Venture | None = None
    ) -> bool:
        return False


@admin.register(Venture)
class VentureAdmin(ServiceAdmin):
    refusals = (services.ServiceError,)
    list_display = ["name", "status", "launched_on", "founded_on", "idea"]
    search_fields = ["name", "description", "website", "idea__title"]
    list_filter = ["status", "launched_on", "external_refs__source"]
    list_select_related = ["idea"]
    # What the form edits is what the services take: VENTURE_FIELDS and sectors.
    fields = [
        "name", "slug", "description", "website", "founded_on", "sectors",
        "status", "launched_on", "idea", "created_at",
    ]  # fmt: skip
    readonly_fields = ["slug", "idea", "created_at"]
    inlines = [MemberInline, ExternalReferenceInline]
    # A website typed without a scheme means https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def create(self, request: HttpRequest, form: ModelForm) -> Venture:
        data = form.cleaned_data
        return services.create_venture(
            actor=actor(request),
            fields={k: data[k] for k in services.VENTURE_FIELDS if k in data},
            sectors=data["sectors"],
        )

    def update(self, request: HttpRequest, current: Venture, form: ModelForm) -> None:
        sectors = (
            form.cleaned_data["sectors"] if "sectors" in form.changed_data else None
        )
        services.update_venture(
            current,
            actor=actor(request),
            fields=changed(form, services.VENTURE_FIELDS),
            sectors=sectors,
        )

    def remove(self, request: HttpRequest, obj: Venture) -> None:
        services.delete_venture(obj, actor=actor(request))

    def save_inline(
        self, request: HttpRequest, parent: Venture, formset: BaseModelFormSet
    ) -> None:
        if formset.model is VentureMember:
            save_role_rows(
                request,
                parent,
                formset,
                add=services.add_venture_member,
                set_role=services.set_venture_member_role,
                remove=services.remove_venture_member,
            )
        else:
            super().save_inline(request, parent, formset)


@admin.register(DatasetUse)
class DatasetUseAdmin(ServiceAdmin):
    refusals = (services.ServiceError,)
    list_display = ["venture", "dataset", "extent", "quality", "created_at"]
    search_fields = ["venture__name", "dataset__title", "how"]
    list_filter = ["extent", "quality"]
    list_select_related = ["venture", "dataset"]
    raw_id_fields = ["venture", "dataset"]
    fields = [
        "venture", "dataset", "how", "extent", "quality", "created_by",
        "created_at", "updated_at",
    ]  # fmt: skip

    def get_readonly_fields(
        self, request: HttpRequest, obj: DatasetUse | None = None
    ) -> list[str]:
        # Another venture or dataset is another use: a new row.
        ro = ["created_by", "created_at", "updated_at"]
        return ro + (["venture", "dataset"] if obj else [])

    def create(self, request: HttpRequest, form: ModelForm) -> DatasetUse:
        data = form.cleaned_data
        return services.record_dataset_use(
            data["venture"],
            data["dataset"],
            actor=actor(request),
            fields={k: data[k] for k in services.USE_FIELDS if k in data},
        )

    def update(
        self, request: HttpRequest, current: DatasetUse, form: ModelForm
    ) -> None:
        services.update_dataset_use(
            current, actor=actor(request), fields=changed(form, services.USE_FIELDS)
        )

    def remove(self, request: HttpRequest, obj: DatasetUse) -> None:
        services.remove_dataset_use(obj, actor=actor(request))


@admin.register(DataRequest)
class DataRequestAdmin(ServiceAdmin):
    refusals = (services.ServiceError,)
    list_display = ["title", "venture", "status", "created_at"]
    search_fields = ["title", "description", "venture__name"]
    list_filter = ["status"]
    list_select_related = ["venture"]
    raw_id_fields = ["venture"]
    fields = ["venture", "title", "description", "status", "requested_by", "created_at"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: DataRequest | None = None
    ) -> list[str]:
        if obj is None:  # a new request is open
            return ["status", "requested_by", "created_at"]
        return ["venture", "title", "description", "requested_by", "created_at"]

    def get_form(
        self,
        request: HttpRequest,
        obj: DataRequest | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:  # a request is asked on a venture's behalf
            form.base_fields["venture"].required = True
        return form

    def create(self, request: HttpRequest, form: ModelForm) -> DataRequest:
        data = form.cleaned_data
        return services.request_dataset(
            data["venture"],
            actor=actor(request),
            title=data["title"],
            description=data["description"],
        )

    def update(
        self, request: HttpRequest, current: DataRequest, form: ModelForm
    ) -> None:
        services.set_request_status(
            current, form.cleaned_data["status"], actor=actor(request)
        )

    def remove(self, request: HttpRequest, obj: DataRequest) -> None:
        services.delete_data_request(obj, actor=actor(request))
