"""The REST endpoints under /api/v1/.

Reads are public and use the same visibility as the pages (funding:
``FundingEvent.objects.visible_to``); an object the requester may not see
answers 404. Writes need an authenticated person (a token, or the session
plus CSRF) and always go through the service functions
(``ventures.services``, ``ventures.funding.services``), which check the role, validate,
save and audit; their refusals become 403 or 400 (``api.errors``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api import filters
from api.serializers import (
    FUNDING_WRITE_FIELDS,
    SNAPSHOT_WRITE_FIELDS,
    CatalogSourceSerializer,
    DatasetSerializer,
    DatasetUseCreateSerializer,
    DatasetUseSerializer,
    FundingEventCreateSerializer,
    FundingEventSerializer,
    ImpactSnapshotSerializer,
    StaffCatalogSourceSerializer,
    VentureSerializer,
    write_fields,
)
from catalog.models import CatalogSource, Dataset
from hub.core.http import signed_in_user
from hub.core.permissions import is_city_staff
from ventures import services
from ventures.funding import services as funding
from ventures.models import DatasetUse, FundingEvent, ImpactSnapshot, Venture


def query_filters(
    request: Request, filter_class: type[filters.FilterSet]
) -> filters.FilterSet:
    """The filter set for ``request``'s query string (empty values dropped, so
    a submitted-but-blank form field means "any")."""
    params = {k: v for k, v in request.query_params.dict().items() if v != ""}
    return filter_class(data=params)


# The mixins below read the view set's ``action`` and ``request``; for the type
# checker they are view sets, at run time plain classes mixed into one.
if TYPE_CHECKING:
    _ViewSet = viewsets.GenericViewSet
else:
    _ViewSet = object


class FilteredMixin(_ViewSet):
    """Applies ``filter_class`` to lists only (a detail lookup ignores it)."""

    filter_class: type[filters.FilterSet]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return query_filters(self.request, self.filter_class).apply(queryset)


class VentureRef(serializers.Serializer):
    """Just the ``venture`` of a create payload, to check the role first."""

    venture = serializers.PrimaryKeyRelatedField(queryset=Venture.objects.all())


class VentureWriteMixin(_ViewSet):
    """The role check before validation, so someone who may not write to a
    venture hears 403 whatever they sent. The services check again."""

    write_perm: str

    def require_on(self, venture: Venture) -> None:
        if not self.request.user.has_perm(self.write_perm, venture):
            raise PermissionDenied

    def require_on_payload(self) -> None:
        data = self.request.data  # a JSON array has no "venture": let it fail later
        venture = data.get("venture") if isinstance(data, dict) else None
        ref = VentureRef(data={"venture": venture})
        if ref.is_valid():  # an invalid venture is the full validation's to report
            self.require_on(ref.validated_data["venture"])


def _list_schema(filter_class: type[filters.FilterSet]) -> dict[str, Any]:
    return {"list": extend_schema(parameters=[filter_class])}


# --------------------------------------------------------------------------------------
# The catalog: read-only
# --------------------------------------------------------------------------------------


@extend_schema_view(**_list_schema(filters.DatasetFilters))
class DatasetViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet):
    """Catalog datasets, withdrawn ones included (see ``withdrawn``)."""

    serializer_class = DatasetSerializer
    filter_class = filters.DatasetFilters
    # Queries: count, the page (with its source), the page's distributions.
    queryset = (
        Dataset.objects.select_related("source")
        .prefetch_related("distributions")
        .order_by("title", "id")
    )


class CatalogSourceViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogs datasets come from; staff also see location and counts."""

    serializer_class = CatalogSourceSerializer

    def get_queryset(self) -> QuerySet[CatalogSource]:
        # Queries: count, the page with its dataset count.
        return CatalogSource.objects.annotate(dataset_count=Count("datasets")).order_by(
            "name", "id"
        )

    def get_serializer_class(self) -> type[BaseSerializer]:
        if is_city_staff(self.request.user):
            return StaffCatalogSourceSerializer
        return CatalogSourceSerializer


# --------------------------------------------------------------------------------------
# Ventures: staff create and edit
# --------------------------------------------------------------------------------------


@extend_schema_view(**_list_schema(filters.VentureFilters))
class VentureViewSet(
    FilteredMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """The venture directory. Staff add and edit ventures."""

    serializer_class = VentureSerializer
    filter_class = filters.VentureFilters
    # Queries: count, the page, the page's sector tags.
    # "sectors" is taggit's manager, which the django-stubs plugin cannot resolve.
    queryset = Venture.objects.prefetch_related("sectors").order_by(  # type: ignore[misc]
        "-launched_on", "name", "id"
    )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.has_perm("ventures.manage_venture", None):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sectors = data.pop("sectors", [])
        venture = services.create_venture(
            actor=signed_in_user(request), fields=data, sectors=sectors
        )
        return self._answer(venture, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        venture = self.get_object()
        if not request.user.has_perm("ventures.manage_venture", venture):
            raise PermissionDenied
        serializer = self.get_serializer(
            venture, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.update_venture(
            venture,
            actor=signed_in_user(request),
            fields=data,
            sectors=data.pop("sectors", None),
        )
        return self._answer(Venture.objects.get(pk=venture.pk), status.HTTP_200_OK)

    def _answer(self, venture: Venture, code: int) -> Response:
        return Response(self.get_serializer(venture).data, status=code)


# --------------------------------------------------------------------------------------
# Dataset uses: the venture's team and staff
# --------------------------------------------------------------------------------------


@extend_schema_view(
    **_list_schema(filters.DatasetUseFilters),
    create=extend_schema(
        request=DatasetUseCreateSerializer, responses={201: DatasetUseSerializer}
    ),
)
class DatasetUseViewSet(VentureWriteMixin, FilteredMixin, viewsets.ModelViewSet):
    """Which datasets ventures build on. The venture's team and staff record,
    change and remove them."""

    serializer_class = DatasetUseSerializer
    filter_class = filters.DatasetUseFilters
    write_perm = "ventures.record_use"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    # Queries: count, the page with its venture and dataset.
    queryset = DatasetUse.objects.select_related("venture", "dataset").order_by(
        "venture__name", "extent", "dataset__title", "id"
    )

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "create":
            return DatasetUseCreateSerializer
        return DatasetUseSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_on_payload()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        use = services.record_dataset_use(
            data["venture"],
            data["dataset"],
            actor=signed_in_user(request),
            fields=write_fields(serializer, list(services.USE_FIELDS)),
        )
        return Response(
            DatasetUseSerializer(use, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        use = self.get_object()
        self.require_on(use.venture)
        serializer = self.get_serializer(
            use, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        services.update_dataset_use(
            use,
            actor=signed_in_user(request),
            fields=write_fields(serializer, list(services.USE_FIELDS)),
        )
        return Response(self.get_serializer(use).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_dataset_use(self.get_object(), actor=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------------------
# Funding events and impact snapshots (ventures.funding.services)
# --------------------------------------------------------------------------------------


@extend_schema_view(
    **_list_schema(filters.FundingEventFilters),
    create=extend_schema(
        request=FundingEventCreateSerializer, responses={201: FundingEventSerializer}
    ),
    verify=extend_schema(request=None, responses={200: FundingEventSerializer}),
)
class FundingEventViewSet(VentureWriteMixin, FilteredMixin, viewsets.ModelViewSet):
    """Money that followed a venture. Verified events with an amount are
    public; reported events and notes are seen by the venture's team and
    staff only. The team and staff record events; staff verify them."""

    serializer_class = FundingEventSerializer
    filter_class = filters.FundingEventFilters
    write_perm = "ventures.record_funding"

    def get_queryset(self) -> QuerySet[FundingEvent]:
        # Queries: count, the page with its venture (team membership is an
        # EXISTS inside the same query).
        return (
            FundingEvent.objects.visible_to(self.request.user)
            .select_related("venture")
            .order_by("-date", "-id")
        )

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "create":
            return FundingEventCreateSerializer
        return FundingEventSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_on_payload()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = funding.record_funding(
            serializer.validated_data["venture"],
            actor=signed_in_user(request),
            **write_fields(serializer, FUNDING_WRITE_FIELDS),
        )
        return Response(
            FundingEventSerializer(event, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self.get_object()
        self.require_on(event.venture)
        serializer = self.get_serializer(
            event, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        funding.update_funding(
            event,
            actor=signed_in_user(request),
            **write_fields(serializer, FUNDING_WRITE_FIELDS),
        )
        return Response(self.get_serializer(event).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        funding.delete_funding(self.get_object(), actor=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Staff confirm a reported event against its evidence; it becomes
        public. Verifying a verified event changes nothing."""
        event = self.get_object()
        funding.verify_funding(event, actor=signed_in_user(request))
        return Response(self.get_serializer(event).data)


@extend_schema_view(**_list_schema(filters.ImpactSnapshotFilters))
class ImpactSnapshotViewSet(
    VentureWriteMixin,
    FilteredMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """A venture's jobs, revenue band and customers at a date. The venture's
    team and staff record them."""

    serializer_class = ImpactSnapshotSerializer
    filter_class = filters.ImpactSnapshotFilters
    write_perm = "ventures.record_impact"
    # Queries: count, the page with its venture.
    queryset = ImpactSnapshot.objects.select_related("venture").order_by("-date", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_on_payload()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        snapshot = funding.record_snapshot(
            serializer.validated_data["venture"],
            actor=signed_in_user(request),
            **write_fields(serializer, SNAPSHOT_WRITE_FIELDS),
        )
        return Response(
            self.get_serializer(snapshot).data, status=status.HTTP_201_CREATED
        )
