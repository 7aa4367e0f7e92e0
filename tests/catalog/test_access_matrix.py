"""The access matrix of the open-data catalog: datasets are public; sources
and imports are staff's. The spec and the machinery:
``tests/support/access_matrix.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import CatalogSource, Dataset
from ideas.stages import Stage
from tests.support.access_matrix import (
    AppMatrix,
    Scenario,
    expect,
    matrix_params,
    only,
    run_matrix_case,
)

pytestmark = pytest.mark.django_db

MATRIX_CATALOG = "Matrix imported catalog"


def _dataset(s: Scenario) -> int:
    """A catalog dataset (made on first use)."""
    source, _created = CatalogSource.objects.get_or_create(name="Matrix portal")
    dataset, _created = Dataset.objects.get_or_create(
        source=source, identifier="m1", defaults={"title": "Matrix dataset"}
    )
    return dataset.pk


def _import_job(s: Scenario) -> str:
    """A finished catalog import job, as the import page leaves it."""
    cache.set(
        "catalog-import:matrixjob",
        {"state": "done", "processed": 1, "source": "Matrix portal", "line": ""},
    )
    return "matrixjob"


def _catalog_upload() -> Any:
    body = b'{"dataset": [{"identifier": "u1", "title": "Matrix upload"}]}'
    return SimpleUploadedFile("matrix.json", body, content_type="application/json")


# fmt: off
MATRIX = AppMatrix(
    url_names=frozenset({
        "datasets-list", "datasets-detail", "catalog-sources", "catalog-import",
        "catalog-import-status",
    }),
    requests={
        ("datasets-list", "GET"): lambda s: (reverse("datasets-list"), {}),
        ("datasets-detail", "GET"): lambda s: (
            reverse("datasets-detail", args=[_dataset(s)]),
            {},
        ),
        ("catalog-sources", "GET"): lambda s: (reverse("catalog-sources"), {}),
        ("catalog-import", "GET"): lambda s: (reverse("catalog-import"), {}),
        ("catalog-import", "POST"): lambda s: (
            reverse("catalog-import"),
            {"file": _catalog_upload(), "source": MATRIX_CATALOG},
        ),
        ("catalog-import-status", "GET"): lambda s: (
            reverse("catalog-import-status", args=[_import_job(s)]),
            {},
        ),
    },
    effects={
        "catalog-import": lambda s: Dataset.objects.filter(
            source__name=MATRIX_CATALOG
        ).exists(),
    },
    proposed={
        ("datasets-list", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("datasets-detail", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("catalog-sources", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("catalog-import", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("catalog-import", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
        ("catalog-import-status", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
    },
    changes={
        "catalog-import": only("staff"),
    },
)
# fmt: on


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )
