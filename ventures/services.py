"""Mutations of ventures; callers are inside the pipeline's transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from hub import audit
from hub.models import User
from ventures.models import Venture, VentureMember, VentureRole


def unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "venture"
    slug, n = base, 1
    while Venture.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_venture_from_idea(idea, *, actor: User | None) -> Venture:
    """Create the venture a launched idea becomes, with the idea's team.

    Idempotent per idea: an idea relaunched after being sent back keeps its
    venture.
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
