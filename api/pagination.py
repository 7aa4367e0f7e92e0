"""Page-number pagination for every API list, with a capped page size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import pagination, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from api.filters import MAX_ID


class PageParams(serializers.Serializer):
    """``page`` and ``page_size`` as whole numbers from 1 to ``MAX_ID``, like
    every integer parameter: anything else answers 400 naming the parameter
    (DRF alone would 404 a bad page and silently use the default for a bad
    size). A page past the last still answers 404, and a size above the cap is
    lowered to it."""

    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M``; ``page_size`` is capped at API_MAX_PAGE_SIZE."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    def paginate_queryset(
        self,
        queryset: QuerySet | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list | None:
        self.check_params(request)
        return super().paginate_queryset(queryset, request, view)

    def check_params(self, request: Request) -> None:
        """Raise DRF's 400 when ``page`` or ``page_size`` is not a number from 1
        (an empty value means the default; ``page=last`` is DRF's own)."""
        params = {}
        for name in (self.page_query_param, self.page_size_query_param):
            value = request.query_params.get(name, "")
            if value == "" or (
                name == self.page_query_param and value in self.last_page_strings
            ):
                continue
            params[name] = value
        PageParams(data=params).is_valid(raise_exception=True)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(minimum=1, maximum=MAX_ID)
        return parameters
