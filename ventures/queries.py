"""Read-side queries for staff: data requests and the demand signal."""

from __future__ import annotations

from django.db.models import Avg, Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower, Trim

from catalog.models import Dataset
from ventures.models import DataRequest


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
