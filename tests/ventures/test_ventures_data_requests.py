"""Ventures ask for datasets that do not exist yet; staff triage the requests
and see which datasets in use are rated lowest."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.core.models import AuditEvent
from tests.support.builders import make_dataset, make_venture
from ventures import services
from ventures.models import DataRequest, DatasetUse, RequestStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def venture(people):
    return make_venture(founder=people["owner"], name="Curbside")


def test_a_member_asks_for_a_dataset_and_staff_see_and_move_it(
    venture, client_for, people
):
    response = client_for("owner").post(
        reverse("ventures-data-request-add", args=[venture.slug]),
        {"request-title": "Loading zones", "request-description": "With *hours*."},
    )
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.venture, request.requested_by, request.status) == (
        venture,
        people["owner"],
        RequestStatus.OPEN,
    )
    assert "<em>hours</em>" in request.description_html
    assert AuditEvent.objects.filter(action="ventures.data_request").count() == 1

    staff = client_for("staff")
    page = staff.get(reverse("ventures-data-requests"))
    assert page.status_code == 200
    assert "Loading zones" in page.content.decode()
    moved = staff.post(
        reverse("ventures-data-request-status", args=[request.pk]),
        {"status": RequestStatus.PLANNED},
    )
    assert moved.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.PLANNED
    event = AuditEvent.objects.get(action="ventures.data_request_status")
    assert (event.data["from_status"], event.data["to_status"]) == ("open", "planned")


def test_an_empty_request_is_a_form_error(venture, client_for):
    response = client_for("owner").post(
        reverse("ventures-data-request-add", args=[venture.slug]),
        {"request-title": "  ", "request-description": ""},
    )
    assert response.status_code == 200
    assert response.context["request_form"].errors["title"]
    assert not DataRequest.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "viewer", "reviewer", "owner"])
def test_only_staff_see_and_triage_requests(venture, client_for, people, persona):
    request = services.request_dataset(venture, actor=people["owner"], title="X")
    client = client_for(persona)
    assert client.get(reverse("ventures-data-requests")).status_code == 403
    response = client.post(
        reverse("ventures-data-request-status", args=[request.pk]),
        {"status": RequestStatus.DECLINED},
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_outsiders_cannot_ask_on_a_ventures_behalf(venture, client_for):
    response = client_for("outsider").post(
        reverse("ventures-data-request-add", args=[venture.slug]),
        {"request-title": "Loading zones"},
    )
    assert response.status_code == 403
    assert not DataRequest.objects.exists()


def test_requests_count_similar_asks_and_sort_by_newest_or_demand(people, client_for):
    staff = people["staff"]
    ventures = [make_venture() for _ in range(3)]
    first = services.request_dataset(ventures[0], actor=staff, title="Snow routes")
    for v in ventures[1:]:
        services.request_dataset(v, actor=staff, title=" snow ROUTES ")
    services.request_dataset(ventures[0], actor=staff, title="Snow routes")  # again
    latest = services.request_dataset(ventures[1], actor=staff, title="Noise map")
    client = client_for("staff")
    newest = client.get(reverse("ventures-data-requests")).context["requests"]
    assert newest[0] == latest
    counts = {r.pk: r.similar_ventures for r in newest}
    assert counts[first.pk] == 3 and counts[latest.pk] == 1
    by_demand = client.get(reverse("ventures-data-requests") + "?sort=similar")
    assert by_demand.context["requests"][0].similar_ventures == 3
    assert by_demand.context["requests"][-1] == latest


def test_the_demand_signal_lists_lowest_rated_datasets_first(people, client_for):
    good, poor, unrated = make_dataset("Good"), make_dataset("Poor"), make_dataset()
    for quality in (5, 4):
        DatasetUse.objects.create(venture=make_venture(), dataset=good, quality=quality)
    for quality in (1, 2):
        DatasetUse.objects.create(venture=make_venture(), dataset=poor, quality=quality)
    DatasetUse.objects.create(venture=make_venture(), dataset=unrated)
    demand = (
        client_for("staff").get(reverse("ventures-data-requests")).context["demand"]
    )
    assert [(d.title, d.average_quality, d.ratings) for d in demand] == [
        ("Poor", 1.5, 2),
        ("Good", 4.5, 2),
    ]


@pytest.mark.parametrize("size", [2, 10])
def test_the_staff_page_runs_constant_queries(
    size, people, client_for, django_assert_num_queries
):
    for i in range(size):
        venture = make_venture()
        services.request_dataset(venture, actor=people["staff"], title=f"Want {i}")
        DatasetUse.objects.create(venture=venture, dataset=make_dataset(), quality=3)
    client = client_for("staff")
    # session, user, requests (with similar counts, venture, requester), demand,
    # the unread-notification badge
    with django_assert_num_queries(5):
        response = client.get(reverse("ventures-data-requests"))
    assert len(response.context["requests"]) == size
