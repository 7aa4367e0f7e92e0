"""Small builders for venture tests: a staff-entered venture with a team, and
catalog datasets to link."""

from __future__ import annotations

import itertools

from catalog.models import CatalogSource, Dataset
from hub.core.models import User
from ventures.models import Venture, VentureMember, VentureRole

_n = itertools.count(1)


def make_venture(*, founder: User | None = None, **fields: object) -> Venture:
    n = next(_n)
    fields.setdefault("name", f"Venture {n}")
    fields.setdefault("slug", f"venture-{n}")
    venture = Venture.objects.create(**fields)
    if founder is not None:
        VentureMember.objects.create(
            venture=venture, user=founder, role=VentureRole.FOUNDER
        )
    return venture


def make_dataset(title: str | None = None, **fields: object) -> Dataset:
    n = next(_n)
    source, _created = CatalogSource.objects.get_or_create(name="Test catalog")
    return Dataset.objects.create(
        source=source,
        identifier=f"ds-{n}",
        title=title or f"Dataset {n}",
        content_hash="x",
        **fields,
    )
