"""The venture's team and staff record which datasets it uses; outsiders cannot."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from catalog.importer import import_catalog
from catalog.models import Dataset
from hub.core.models import AuditEvent
from tests.support.builders import make_dataset, make_venture
from ventures import services
from ventures.models import DatasetUse, UseExtent, VentureMember, VentureRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def venture(people):
    venture = make_venture(founder=people["owner"], name="Curbside")
    VentureMember.objects.create(
        venture=venture, user=people["editor"], role=VentureRole.MEMBER
    )
    return venture


def _use_form(dataset, **overrides):
    data = {
        "use-dataset": str(dataset.pk),
        "use-how": "We map **parking**.<script>alert(1)</script>",
        "use-extent": UseExtent.CORE,
        "use-quality": "2",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["owner", "editor", "staff"])
def test_members_and_staff_record_a_use_with_an_audit_row(
    venture, client_for, people, persona
):
    dataset = make_dataset("Parking meters")
    response = client_for(persona).post(
        reverse("ventures-use-add", args=[venture.slug]), _use_form(dataset)
    )
    assert response.status_code == 302
    use = DatasetUse.objects.get(venture=venture, dataset=dataset)
    assert (use.extent, use.quality, use.created_by) == ("core", 2, people[persona])
    assert "<strong>parking</strong>" in use.how_html
    assert "<script" not in use.how_html
    event = AuditEvent.objects.get(action="ventures.use_add")
    assert event.data["dataset"] == dataset.pk and event.actor == people[persona]
    page = client_for("anonymous").get(venture.get_absolute_url()).content.decode()
    assert "Parking meters" in page and "<strong>parking</strong>" in page


@pytest.mark.parametrize("persona", ["outsider", "viewer", "reviewer"])
def test_outsiders_are_refused_and_nothing_changes(venture, client_for, persona):
    dataset = make_dataset()
    use = DatasetUse.objects.create(venture=venture, dataset=make_dataset())
    client = client_for(persona)
    add = reverse("ventures-use-add", args=[venture.slug])
    assert client.post(add, _use_form(dataset)).status_code == 403
    edit = reverse("ventures-use-edit", args=[venture.slug, use.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"how": "x", "extent": "core"}).status_code == 403
    remove = reverse("ventures-use-remove", args=[venture.slug, use.pk])
    assert client.post(remove).status_code == 403
    assert list(DatasetUse.objects.all()) == [use]
    assert not AuditEvent.objects.filter(action__startswith="ventures.use").exists()
    assert (
        "Record a dataset"
        not in client.get(venture.get_absolute_url()).content.decode()
    )


def test_anonymous_is_sent_to_log_in(venture, client):
    response = client.post(
        reverse("ventures-use-add", args=[venture.slug]), _use_form(make_dataset())
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not DatasetUse.objects.exists()


def test_a_venture_records_a_dataset_once(venture, client_for, people):
    dataset = make_dataset("Bus stops")
    services.record_dataset_use(venture, dataset, actor=people["owner"], fields={})
    with pytest.raises(services.ServiceError):
        services.record_dataset_use(venture, dataset, actor=people["owner"], fields={})
    response = client_for("owner").post(
        reverse("ventures-use-add", args=[venture.slug]), _use_form(dataset)
    )
    assert response.status_code == 200  # the form again, with an error
    assert response.context["use_form"].errors["dataset"]
    assert DatasetUse.objects.count() == 1


def test_a_withdrawn_dataset_cannot_be_linked_but_existing_links_stay(
    venture, client_for, people
):
    dataset = make_dataset("Old traffic counts")
    services.record_dataset_use(venture, dataset, actor=people["owner"], fields={})
    dataset.withdrawn = True
    dataset.save(update_fields=["withdrawn"])
    other = make_venture(founder=people["owner"])
    with pytest.raises(services.ServiceError):
        services.record_dataset_use(other, dataset, actor=people["owner"], fields={})
    response = client_for("owner").post(
        reverse("ventures-use-add", args=[other.slug]), _use_form(dataset)
    )
    assert response.status_code == 200 and response.context["use_form"].errors
    assert not DatasetUse.objects.filter(venture=other).exists()
    # The old link is still listed, on the venture page and for the dataset page.
    page = client_for("anonymous").get(venture.get_absolute_url()).content.decode()
    assert "Old traffic counts" in page and "withdrawn" in page
    assert [u.venture for u in services.uses_of_dataset(dataset)] == [venture]
    # The picker does not offer it.
    picker = client_for("owner").get(other.get_absolute_url() + "?dataset_q=traffic")
    assert list(picker.context["use_form"].fields["dataset"].queryset) == []


def test_the_picker_searches_non_withdrawn_datasets_not_yet_used(
    venture, client_for, people
):
    used = make_dataset("Bike lanes 2020")
    services.record_dataset_use(venture, used, actor=people["owner"], fields={})
    fresh = make_dataset("Bike lanes 2024")
    make_dataset("Tree inventory")
    response = client_for("editor").get(venture.get_absolute_url() + "?dataset_q=bike")
    assert list(response.context["use_form"].fields["dataset"].queryset) == [fresh]


def test_members_edit_and_remove_a_use(venture, client_for, people):
    dataset = make_dataset()
    use = services.record_dataset_use(
        venture, dataset, actor=people["owner"], fields={"quality": 4}
    )
    client = client_for("editor")
    edit = reverse("ventures-use-edit", args=[venture.slug, use.pk])
    assert client.get(edit).status_code == 200
    bad = client.post(edit, {"how": "", "extent": "core", "quality": "9"})
    assert bad.status_code == 200 and bad.context["form"].errors["quality"]
    response = client.post(edit, {"how": "More", "extent": "core", "quality": "1"})
    assert response.status_code == 302
    use.refresh_from_db()
    assert (use.how, use.extent, use.quality) == ("More", "core", 1)
    assert AuditEvent.objects.get(action="ventures.use_update").data["fields"] == [
        "how",
        "extent",
        "quality",
    ]
    remove = reverse("ventures-use-remove", args=[venture.slug, use.pk])
    assert client.post(remove).status_code == 302
    assert not DatasetUse.objects.exists()
    assert AuditEvent.objects.filter(action="ventures.use_remove").count() == 1


def test_a_use_is_reached_only_through_its_own_venture(venture, client_for, people):
    other = make_venture(founder=people["outsider"])
    use = DatasetUse.objects.create(venture=other, dataset=make_dataset())
    remove = reverse("ventures-use-remove", args=[venture.slug, use.pk])
    assert client_for("owner").post(remove).status_code == 404
    assert DatasetUse.objects.filter(pk=use.pk).exists()


@pytest.mark.parametrize("size", [1, 8])
def test_uses_of_dataset_is_one_query(size, people, django_assert_num_queries):
    dataset = make_dataset()
    for _ in range(size):
        DatasetUse.objects.create(venture=make_venture(), dataset=dataset)
    with django_assert_num_queries(1):
        names = [use.venture.name for use in services.uses_of_dataset(dataset)]
    assert len(names) == size


def test_a_reimport_that_drops_a_dataset_keeps_the_ventures_link(venture, people):
    def catalog(*ids: str) -> bytes:
        rows = [
            {"identifier": i, "title": f"Set {i}", "accessLevel": "public"} for i in ids
        ]
        return json.dumps({"dataset": rows}).encode()

    import_catalog("city", catalog("a", "b"))
    dataset = Dataset.objects.get(identifier="a")
    services.record_dataset_use(venture, dataset, actor=people["owner"], fields={})
    summary = import_catalog("city", catalog("b"))
    assert summary.withdrawn == 1
    dataset.refresh_from_db()
    assert dataset.withdrawn
    assert [u.venture for u in services.uses_of_dataset(dataset)] == [venture]
