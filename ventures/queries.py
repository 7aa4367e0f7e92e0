"""Read-side queries for staff: data requests and the demand signal."""

from __future__ import annotations

import json

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower, Trim

from ventures.models import DataRequest, Dataset


def data_requests_with_similar() -> QuerySet[DataRequest]:
    """Every data request, with ``similar_ventures``: how many distinct ventures
    asked for a dataset of the same name (case and surrounding spaces ignored).

    One query: the count is a correlated subquery.
    """
    same_title = (
        DataRequest.objects.annotate(key=Lower(Trim("title")))
        .filter(key=Lower(Trim(OuterRef("title"))))
        .values("key")
        .annotate(n=Count("venture", distinct=True))
        .values("n")
    )
    return DataRequest.objects.select_related("venture", "requested_by").annotate(
        similar_ventures=Coalesce(Subquery(same_title, output_field=IntegerField()), 0)
    )


def demand_signal() -> QuerySet[Dataset]:
    """Datasets in use that ventures rated, lowest average rating first: where
    the city's data team can help most. Withdrawn datasets are included."""
    return (
        Dataset.objects.filter(uses__quality__isnull=False)
        .annotate(
            average_quality=Avg("uses__quality"),
            ratings=Count("uses__quality"),
        )
        .select_related("source")
        .order_by("average_quality", "-ratings", "title", "id")
    )


def json_list_has(value: str, field: str, *, exact: bool) -> Q:
    """Match ``value`` inside a JSON list of strings by its stored text (works on
    SQLite, which has no JSON containment). SQLite keeps non-ASCII escaped,
    PostgreSQL's jsonb does not, so both spellings are tried; ``exact`` quotes
    the value so it matches a whole element."""
    spellings = {json.dumps(value), json.dumps(value, ensure_ascii=False)}
    if not exact:
        spellings = {s[1:-1] for s in spellings}
    query = Q()
    for spelling in spellings:
        query |= Q(**{f"{field}__icontains": spelling})
    return query
