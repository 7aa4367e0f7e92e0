"""Mutations of ventures, their dataset uses and data requests.

Each function checks who may act, runs in a transaction, writes the audit row
and saves with ``update_fields``; views and the admin call the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalog.models import Dataset
from hub.core import audit
from hub.core.changes import assign_changed, set_tags
from hub.core.models import User
from hub.core.permissions import Forbidden, Refused, require
from ventures.models import (
    DataRequest,
    DatasetUse,
    RequestStatus,
    Venture,
    VentureMember,
    VentureRole,
)

#: Slugs that would shadow the directory's own pages (``/ventures/new/``).
RESERVED_SLUGS = frozenset({"new", "data-requests", "funding"})

VENTURE_FIELDS = (
    "name",
    "description",
    "website",
    "founded_on",
    "status",
    "launched_on",
)
USE_FIELDS = ("how", "extent", "quality")


#: The names callers catch (see :mod:`hub.core.permissions`).
ServiceError = Refused
NotAllowed = Forbidden


def unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "venture"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Venture.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_venture_from_idea(idea, *, actor: User | None) -> Venture:
    """Create the venture a launched idea becomes, with the idea's team.

    Idempotent per idea: an idea relaunched after being sent back keeps its
    venture. The caller (the pipeline move) has already checked permission.
    """
    existing = Venture.objects.filter(idea=idea).first()
    if existing is not None:
        return existing
    description = idea.description or idea.pitch
    venture = Venture.objects.create(
        name=idea.title,
        slug=unique_slug(idea.title),
        description=description,
        launched_on=timezone.localdate(),
        idea=idea,
    )
    members = [
        VentureMember(venture=venture, user_id=idea.owner_id, role=VentureRole.FOUNDER)
    ]
    members += [
        VentureMember(venture=venture, user_id=m.user_id, role=VentureRole.MEMBER)
        for m in idea.memberships.all()
    ]
    VentureMember.objects.bulk_create(members)
    audit.record("ventures.create", actor=actor, target=venture, idea=idea.pk)
    return venture


@transaction.atomic
def create_venture(
    *, actor: User, fields: dict[str, Any], sectors: Iterable[str] = ()
) -> Venture:
    """Staff enter a venture that came to the city another way (no idea)."""
    require(actor, "ventures.manage_venture", None, _("Only staff add ventures."))
    venture = Venture(
        slug=unique_slug(fields["name"]),
        **{k: fields[k] for k in VENTURE_FIELDS if fields.get(k) is not None},
    )
    venture.save()
    venture.sectors.set(list(sectors))
    audit.record("ventures.create", actor=actor, target=venture, idea=None)
    return venture


@transaction.atomic
def update_venture(
    venture: Venture,
    *,
    actor: User,
    fields: dict[str, Any],
    sectors: Iterable[str] | None = None,
) -> list[str]:
    """Change a venture's profile; returns the changed field names."""
    require(actor, "ventures.manage_venture", venture, _("Only staff edit ventures."))
    changed = assign_changed(venture, fields, VENTURE_FIELDS)
    if set_tags(venture.sectors, sectors):
        changed.append("sectors")
    if changed:
        audit.record("ventures.update", actor=actor, target=venture, fields=changed)
    return changed


@transaction.atomic
def delete_venture(venture: Venture, *, actor: User) -> None:
    """Staff delete a venture with its team, dataset uses and outcomes (the
    admin); the audit row keeps its name."""
    require(actor, "ventures.manage_venture", venture, _("Only staff do this."))
    audit.record(
        "ventures.delete", actor=actor, target=venture, name=venture.name,
        idea=venture.idea_id,
    )  # fmt: skip
    venture.delete()


@transaction.atomic
def add_venture_member(
    venture: Venture, *, actor: User, person: User, role: str
) -> VentureMember:
    """Staff put ``person`` on the venture's team."""
    require(actor, "ventures.manage_venture", venture, _("Only staff do this."))
    role = VentureRole(role)
    if venture.members.filter(user=person).exists():
        raise ServiceError(_("%(name)s is already on the team.") % {"name": person})
    member = VentureMember.objects.create(venture=venture, user=person, role=role)
    audit.record(
        "ventures.member_add", actor=actor, target=venture, user=person.pk,
        role=role.value,
    )  # fmt: skip
    return member


@transaction.atomic
def set_venture_member_role(member: VentureMember, role: str, *, actor: User) -> bool:
    """Staff make a team member a founder or a member; returns whether it changed."""
    require(actor, "ventures.manage_venture", member.venture, _("Only staff do this."))
    role = VentureRole(role)
    if member.role == role:
        return False
    previous, member.role = member.role, role
    member.save(update_fields=["role"])
    audit.record(
        "ventures.member_role", actor=actor, target=member.venture,
        user=member.user_id, previous=previous, role=role.value,
    )  # fmt: skip
    return True


@transaction.atomic
def remove_venture_member(member: VentureMember, *, actor: User) -> None:
    """Staff take someone off the venture's team."""
    require(actor, "ventures.manage_venture", member.venture, _("Only staff do this."))
    audit.record(
        "ventures.member_remove", actor=actor, target=member.venture,
        user=member.user_id,
    )  # fmt: skip
    member.delete()


def linkable_datasets(query: str = "") -> QuerySet[Dataset]:
    """Datasets a venture may newly link: not withdrawn, optionally searched."""
    qs = Dataset.objects.filter(withdrawn=False).order_by("title", "id")
    query = (query or "").strip()
    if query:
        qs = qs.filter(title__icontains=query)
    return qs


@transaction.atomic
def record_dataset_use(
    venture: Venture,
    dataset: Dataset,
    *,
    actor: User,
    fields: dict[str, Any],
) -> DatasetUse:
    """Record that ``venture`` builds on ``dataset`` (team members and staff).

    A withdrawn dataset cannot be newly linked; links made before it was
    withdrawn stay. One use per venture and dataset.
    """
    require(
        actor,
        "ventures.record_use",
        venture,
        _("Only the venture's team or staff record its datasets."),
    )
    if dataset.withdrawn:
        raise ServiceError(_("This dataset was withdrawn from its catalog."))
    if DatasetUse.objects.filter(venture=venture, dataset=dataset).exists():
        raise ServiceError(_("This venture already records that dataset."))
    use = DatasetUse(
        venture=venture,
        dataset=dataset,
        created_by=actor,
        **{k: fields[k] for k in USE_FIELDS if k in fields},
    )
    use.save()
    audit.record(
        "ventures.use_add",
        actor=actor,
        target=venture,
        dataset=dataset.pk,
        extent=use.extent,
        quality=use.quality,
    )
    return use


@transaction.atomic
def update_dataset_use(
    use: DatasetUse, *, actor: User, fields: dict[str, Any]
) -> list[str]:
    """Change how, how much or how well a venture uses a dataset."""
    require(
        actor,
        "ventures.record_use",
        use.venture,
        _("Only the venture's team or staff record its datasets."),
    )
    use.updated_at = timezone.now()
    changed = assign_changed(use, fields, USE_FIELDS, also_save=["updated_at"])
    if changed:
        audit.record(
            "ventures.use_update",
            actor=actor,
            target=use.venture,
            dataset=use.dataset_id,
            fields=changed,
        )
    return changed


@transaction.atomic
def remove_dataset_use(use: DatasetUse, *, actor: User) -> None:
    """Drop a venture's link to a dataset."""
    require(
        actor,
        "ventures.record_use",
        use.venture,
        _("Only the venture's team or staff record its datasets."),
    )
    audit.record(
        "ventures.use_remove",
        actor=actor,
        target=use.venture,
        dataset=use.dataset_id,
    )
    use.delete()


def uses_of_dataset(dataset: Dataset) -> QuerySet[DatasetUse]:
    """The ventures using ``dataset``, for its page: one query, core uses first.

    Each row carries its venture (``use.venture``); links stay listed after the
    dataset is withdrawn.
    """
    return DatasetUse.objects.filter(dataset=dataset).with_ventures()


@transaction.atomic
def request_dataset(
    venture: Venture, *, actor: User, title: str, description: str = ""
) -> DataRequest:
    """A venture's team asks the city for a dataset that does not exist yet."""
    require(
        actor,
        "ventures.request_data",
        venture,
        _("Only the venture's team or staff ask for data on its behalf."),
    )
    request = DataRequest(
        venture=venture,
        requested_by=actor,
        title=title.strip(),
        description=description,
    )
    request.save()
    audit.record("ventures.data_request", actor=actor, target=request)
    return request


@transaction.atomic
def set_request_status(request: DataRequest, status: str, *, actor: User) -> bool:
    """Staff move a data request (open, planned, published, declined)."""
    require(actor, "ventures.triage_requests", request, _("Only staff do this."))
    status = RequestStatus(status)
    if request.status == status:
        return False
    old = request.status
    request.status = status
    request.save(update_fields=["status"])
    audit.record(
        "ventures.data_request_status",
        actor=actor,
        target=request,
        from_status=old,
        to_status=status.value,
    )
    return True


@transaction.atomic
def delete_data_request(request: DataRequest, *, actor: User) -> None:
    """Staff delete a data request (the admin); the audit row keeps its title."""
    require(actor, "ventures.triage_requests", request, _("Only staff do this."))
    audit.record(
        "ventures.data_request_delete", actor=actor, target=request,
        title=request.title, venture=request.venture_id,
    )  # fmt: skip
    request.delete()
