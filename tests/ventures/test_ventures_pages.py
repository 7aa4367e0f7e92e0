"""Venture pages with their dataset uses and requests filled in pass the
structural accessibility audit, forms with errors included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.accessibility import audit
from tests.support.builders import make_dataset, make_venture
from ventures import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(people):
    venture = make_venture(founder=people["owner"], website="https://v.example")
    venture.sectors.set(["mobility", "water"])
    dataset = make_dataset("Street trees")
    use = services.record_dataset_use(
        venture,
        dataset,
        actor=people["owner"],
        fields={"how": "# Heading\n\nText", "quality": 2, "extent": "core"},
    )
    services.request_dataset(
        venture, actor=people["owner"], title="Noise", description="## Why\n\nx"
    )
    make_dataset("Bus stops")
    return {"venture": venture, "use": use}


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("anonymous", "detail"),
        ("owner", "detail"),
        ("staff", "detail"),
        ("owner", "use-edit"),
        ("staff", "requests"),
        ("anonymous", "list"),
    ],
)
def test_filled_venture_pages_pass_the_audit(filled, client_for, persona, name):
    venture, use = filled["venture"], filled["use"]
    path = {
        "detail": venture.get_absolute_url(),
        "use-edit": reverse("ventures-use-edit", args=[venture.slug, use.pk]),
        "requests": reverse("ventures-data-requests"),
        "list": reverse("ventures-list"),
    }[name]
    response = client_for(persona).get(path)
    assert response.status_code == 200
    assert audit(response.content.decode()) == []


def test_forms_with_errors_still_pass(filled, client_for):
    venture = filled["venture"]
    client = client_for("owner")
    bad_use = client.post(
        reverse("ventures-use-add", args=[venture.slug]), {"use-quality": "7"}
    )
    bad_request = client.post(
        reverse("ventures-data-request-add", args=[venture.slug]), {}
    )
    bad_venture = client_for("staff").post(reverse("ventures-create"), {"name": ""})
    for response in (bad_use, bad_request, bad_venture):
        body = response.content.decode()
        assert response.status_code == 200 and 'aria-invalid="true"' in body
        assert audit(body) == []
