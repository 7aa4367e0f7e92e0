"""Admin classes whose saves and deletes go through the service functions.

Django's admin saves with ``form.save()`` and deletes with ``obj.delete()``.
For the models the city's staff manage, that would skip what the service
functions do: check who may act, write the audit row and broadcast on commit
(an editor removed in the admin must lose the plan socket they have open). A
:class:`ServiceAdmin` names, per model, the service behind each change:

* :meth:`~ServiceAdmin.create` and :meth:`~ServiceAdmin.update` for the add and
  change forms (many-to-many fields such as tags go to the service too, never
  through ``form.save_m2m()``);
* :meth:`~ServiceAdmin.remove` for the delete page and the "delete selected"
  action;
* :meth:`~ServiceAdmin.save_inline` for each editable inline.

A refusal from a service (one of :attr:`~ServiceAdmin.refusals`) rolls the
whole request back: the form comes back with what the person typed and the
refusal as its error; a refused delete comes back as an error message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.forms import BaseInlineFormSet, BaseModelFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy

from hub.core.models import User

_REFUSAL = "_service_refusal"


@admin.action(
    permissions=["delete"],
    description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
)
def delete_selected(
    modeladmin: ServiceAdmin, request: HttpRequest, queryset: models.QuerySet
) -> HttpResponse | None:
    """Django's confirm-then-delete action, all or nothing: its deletes go
    through :meth:`ServiceAdmin.delete_queryset`, one service call per object."""
    try:
        with transaction.atomic(using=queryset.db):
            return admin_actions.delete_selected(modeladmin, request, queryset)
    except modeladmin.refusals as refusal:
        modeladmin.message_user(request, str(refusal), messages.ERROR)
        return None


def actor(request: HttpRequest) -> User:
    """Who acts: the admin's views let only signed-in staff accounts in."""
    return cast(User, request.user)


def changed(form: ModelForm, names: tuple[str, ...]) -> dict[str, Any]:
    """The form's cleaned values of the ``names`` it changed, for a service's
    ``fields`` argument."""
    return {k: form.cleaned_data[k] for k in names if k in form.changed_data}


def save_role_rows(
    request: HttpRequest,
    parent: Any,
    formset: BaseModelFormSet,
    *,
    add: Callable[..., Any],
    set_role: Callable[..., bool],
    remove: Callable[..., None],
) -> None:
    """Save inline rows that each name a person and a role (an idea's team, a
    venture's members) through the services: a new row is ``add(parent,
    actor=, person=, role=)``, a new role ``set_role(row, role, actor=)``, a
    deleted row ``remove(row, actor=)``; a row that now names someone else is a
    removal and an add. Each row is re-read from the database first, so the
    services see what is stored, not what the form changed."""
    who = actor(request)
    deleted = formset.deleted_forms
    # save_inline gets the change form's inline formsets, which know their parent key.
    key = cast(BaseInlineFormSet, formset).fk
    rows: models.QuerySet[Any] = key.model._default_manager.select_related(key.name)
    for form in formset.forms:
        if not form.has_changed() and form not in deleted:
            continue
        old = None if form.instance.pk is None else rows.get(pk=form.instance.pk)
        if form in deleted:
            if old is not None:
                remove(old, actor=who)
                formset.deleted_objects.append(old)
            continue
        user, role = form.cleaned_data["user"], form.cleaned_data["role"]
        if old is not None and old.user_id == user.pk:
            if set_role(old, role, actor=who):
                formset.changed_objects.append((old, ["role"]))
            continue
        if old is not None:  # the row now names someone else
            remove(old, actor=who)
            formset.deleted_objects.append(old)
        formset.new_objects.append(add(parent, actor=who, person=user, role=role))


class ServiceAdmin(admin.ModelAdmin):
    #: The exceptions the services raise to refuse a change; shown to the person.
    refusals: tuple[type[Exception], ...] = ()
    actions = [delete_selected]

    # --- What subclasses say ---------------------------------------------------------

    # (Objects are typed Any here so that each subclass names its own model.)

    def create(self, request: HttpRequest, form: ModelForm) -> Any:
        """Create the object the add form describes; return it."""
        raise ImproperlyConfigured(f"{type(self).__name__} has no create service")

    def update(self, request: HttpRequest, current: Any, form: ModelForm) -> None:
        """Apply the change form to ``current`` (a fresh copy from the database)."""
        raise ImproperlyConfigured(f"{type(self).__name__} has no update service")

    def remove(self, request: HttpRequest, obj: Any) -> None:
        raise ImproperlyConfigured(f"{type(self).__name__} has no delete service")

    def save_inline(
        self, request: HttpRequest, parent: Any, formset: BaseModelFormSet
    ) -> None:
        """Save an editable inline's new, changed and deleted rows, listing them
        in ``formset.new_objects``, ``changed_objects`` (with the changed field
        names) and ``deleted_objects`` as ``formset.save()`` would."""
        raise ImproperlyConfigured(
            f"{type(self).__name__} has no service for rows of {formset.model}"
        )

    # --- Django's hooks, routed to the services -------------------------------------

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool
    ) -> None:
        if change:
            self.update(request, type(obj)._default_manager.get(pk=obj.pk), form)
            return
        created = self.create(request, form)
        # The admin goes on with the form's instance (messages, redirect, log).
        obj.pk = created.pk
        obj.__dict__.update(
            {f.attname: getattr(created, f.attname) for f in obj._meta.concrete_fields}
        )
        obj._state.adding, obj._state.db = False, created._state.db

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        # No form.save_m2m(): update() and create() pass many-to-many values on.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: Any, change: bool
    ) -> None:
        # What formset.save() would leave for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        if formset.has_changed():
            self.save_inline(request, form.instance, formset)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self.remove(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self.remove(request, obj)

    # --- Refusals: roll back, say why, keep the input --------------------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as refusal:  # the view's transaction rolled back
            setattr(request, _REFUSAL, str(refusal))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self,
        request: HttpRequest,
        obj: Any = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        if refusal is None:
            return form

        def clean(self: ModelForm) -> dict[str, Any]:
            raise ValidationError(refusal)

        return type(form.__name__, (form,), {"clean": clean})

    def delete_view(
        self,
        request: HttpRequest,
        object_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except self.refusals as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
