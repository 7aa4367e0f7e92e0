"""Staff enter and edit ventures; the public directory filters and pages them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.core.models import AuditEvent
from tests.support.builders import make_dataset, make_venture
from ventures import services
from ventures.models import DatasetUse, Venture, VentureStatus

pytestmark = pytest.mark.django_db


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Harbour Freight Data",
        "description": "We *route* trucks.",
        "website": "https://harbour.example",
        "founded_on": "2021-03-04",
        "launched_on": "2022-01-01",
        "status": VentureStatus.OPERATING,
        "sectors": "logistics, mobility",
    }
    data.update(overrides)
    return data


def test_staff_create_a_venture_with_the_new_fields_and_an_audit_row(client_for):
    response = client_for("staff").post(reverse("ventures-create"), _form())
    venture = Venture.objects.get(name="Harbour Freight Data")
    assert response.status_code == 302
    assert response["Location"] == venture.get_absolute_url()
    assert venture.slug == "harbour-freight-data"
    assert venture.website == "https://harbour.example"
    assert str(venture.founded_on) == "2021-03-04"
    assert venture.idea is None
    assert "<em>route</em>" in venture.description_html
    assert sorted(venture.sectors.names()) == ["logistics", "mobility"]
    event = AuditEvent.objects.get(action="ventures.create")
    assert event.target_id == str(venture.pk) and event.actor.is_city_staff


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("website", "javascript:alert(1)"),
        ("website", "ftp://files.example/x"),
        ("name", ""),
        ("name", "   "),
        ("status", "bankrupt"),
        ("founded_on", "not a date"),
    ],
)
def test_bad_values_are_form_errors_not_500(client_for, field, value):
    response = client_for("staff").post(
        reverse("ventures-create"), _form(**{field: value})
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Venture.objects.exists()


def test_only_staff_create_or_edit(client_for, people):
    venture = make_venture(founder=people["owner"])
    for persona in ("outsider", "owner", "reviewer"):
        client = client_for(persona)
        assert client.get(reverse("ventures-create")).status_code == 403
        assert client.post(reverse("ventures-create"), _form()).status_code == 403
        edit = reverse("ventures-edit", args=[venture.slug])
        assert client.post(edit, _form(name="Hijacked")).status_code == 403
    assert not Venture.objects.filter(name__in=["Hijacked", "Harbour Freight Data"])
    with pytest.raises(services.NotAllowed):
        services.create_venture(actor=people["owner"], fields={"name": "X"})


def test_staff_edit_changes_fields_and_tags_and_records_what_changed(
    client_for, people
):
    venture = make_venture(name="Old name", slug="old-name")
    venture.sectors.set(["energy"])
    response = client_for("staff").post(
        reverse("ventures-edit", args=[venture.slug]),
        _form(name="New name", status=VentureStatus.ACQUIRED, sectors="energy, water"),
    )
    assert response.status_code == 302
    venture.refresh_from_db()
    assert (venture.name, venture.status, venture.slug) == (
        "New name",
        "acquired",
        "old-name",
    )
    assert sorted(venture.sectors.names()) == ["energy", "water"]
    event = AuditEvent.objects.get(action="ventures.update")
    assert set(event.data["fields"]) >= {"name", "status", "sectors", "website"}


def test_reserved_slugs_are_never_given_to_a_venture(people):
    venture = services.create_venture(actor=people["staff"], fields={"name": "New"})
    assert venture.slug == "new-2"
    assert services.unique_slug("Data requests") == "data-requests-2"


def test_the_directory_filters_by_status_sector_and_name(client):
    a = make_venture(name="Alpha Mobility", status=VentureStatus.OPERATING)
    a.sectors.set(["mobility"])
    b = make_venture(name="Beta Water", status=VentureStatus.CLOSED)
    b.sectors.set(["water"])
    make_venture(name="Gamma Mobility", status=VentureStatus.ACQUIRED)

    def listed(query: str) -> list[str]:
        response = client.get(reverse("ventures-list") + query)
        assert response.status_code == 200
        return sorted(v.name for v in response.context["page"].object_list)

    assert listed("?status=closed") == ["Beta Water"]
    assert listed("?sector=Mobility") == ["Alpha Mobility"]
    assert listed("?q=mobility") == ["Alpha Mobility", "Gamma Mobility"]
    assert listed("?q=mobility&status=acquired") == ["Gamma Mobility"]
    assert listed("?status=bogus") == []  # an invalid filter shows nothing, no 500


def test_the_directory_pages_and_keeps_filters_in_page_links(client):
    for i in range(35):
        make_venture(name=f"Closed {i:02}", status=VentureStatus.CLOSED)
    response = client.get(reverse("ventures-list") + "?status=closed")
    assert len(response.context["page"].object_list) == 30
    assert "?status=closed&amp;page=2" in response.content.decode()
    second = client.get(reverse("ventures-list") + "?status=closed&page=2")
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("size", [2, 12])
def test_the_filtered_directory_runs_constant_queries(
    size, client, django_assert_num_queries
):
    for i in range(size):
        make_venture(name=f"Mobility {i}").sectors.set(["mobility", f"t{i}"])
    with django_assert_num_queries(3):  # count, page of ventures, their sector tags
        response = client.get(reverse("ventures-list") + "?sector=mobility&q=mob")
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_detail_page_runs_constant_queries(
    size, client, people, django_assert_num_queries
):
    venture = make_venture(founder=people["owner"], website="https://x.example")
    venture.sectors.set(["mobility", "water"])
    for i in range(size):
        DatasetUse.objects.create(
            venture=venture, dataset=make_dataset(f"Set {i}"), how=f"Use *{i}*"
        )
    # venture, members with users, dataset uses with datasets, sector tags,
    # the visible funding events, the impact snapshots (no amounts: no totals)
    with django_assert_num_queries(6):
        response = client.get(venture.get_absolute_url())
    body = response.content.decode()
    assert "Set 0" in body and f"Set {size - 1}" in body
    assert "https://x.example" in body and "mobility" in body
    assert "<em>0</em>" in body
