"""The ventures admin goes through the services: each change a city-staff user
makes there to ventures, their teams, dataset uses and data requests writes
exactly one audit row, and a refused change keeps what was typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.core.models import AuditEvent
from tests.support.admin_forms import (
    admin_staff,
    audit_actions,
    form_data,
    last_audit_pk,
)
from tests.support.builders import make_dataset, make_venture
from ventures import services
from ventures.models import (
    DataRequest,
    DatasetUse,
    RequestStatus,
    UseExtent,
    Venture,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, people):
    client.force_login(admin_staff(people["staff"]))
    return client


@pytest.fixture
def venture(people):
    return make_venture(founder=people["owner"], name="Curbside")


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def post_form(client, address, **changes):
    return client.post(address, form_data(client.get(address), **changes))


def bulk_delete(client, model, objs):
    return client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [o.pk for o in objs],
         "post": "yes"},
    )  # fmt: skip


def member_row(client, venture, user):
    page = client.get(url(Venture, "change", venture.pk))
    [team] = [
        f.formset
        for f in page.context["inline_admin_formsets"]
        if f.formset.model is VentureMember
    ]
    [row] = [f for f in team.forms if f.instance.user_id == user.pk]
    return page, row.prefix


# --- Ventures and their teams ---------------------------------------------------------


def test_adding_a_venture_writes_one_audit_row(admin_client, people):
    since = last_audit_pk()
    response = post_form(
        admin_client, url(Venture, "add"), name="Bike Depot", sectors="mobility"
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    venture = Venture.objects.get(name="Bike Depot")
    assert venture.slug == "bike-depot"  # from the service, not the form
    assert list(venture.sectors.names()) == ["mobility"]
    assert audit_actions(since) == ["ventures.create"]
    assert AuditEvent.objects.get(pk__gt=since).actor == people["staff"]


def test_changing_a_venture_writes_one_audit_row(admin_client, venture):
    since = last_audit_pk()
    response = post_form(
        admin_client, url(Venture, "change", venture.pk), name="Curbside Labs"
    )
    assert response.status_code == 302
    slug = venture.slug
    venture.refresh_from_db()
    assert (venture.name, venture.slug) == ("Curbside Labs", slug)  # URLs stay
    assert audit_actions(since) == ["ventures.update"]
    page = admin_client.get(url(Venture, "change", venture.pk)).content.decode()
    assert 'name="slug"' not in page
    assert 'name="idea"' not in page


def test_team_rows_change_through_the_services(admin_client, venture, people):
    page, _prefix = member_row(admin_client, venture, people["owner"])
    data = form_data(page)
    n = int(data["members-TOTAL_FORMS"])
    data.update({
        "members-TOTAL_FORMS": n + 1,
        f"members-{n}-user": people["editor"].pk,
        f"members-{n}-role": VentureRole.MEMBER,
        f"members-{n}-venture": venture.pk,
    })  # fmt: skip
    since = last_audit_pk()
    assert (
        admin_client.post(url(Venture, "change", venture.pk), data).status_code == 302
    )
    assert audit_actions(since) == ["ventures.member_add"]

    page, prefix = member_row(admin_client, venture, people["editor"])
    since = last_audit_pk()
    data = form_data(page, **{f"{prefix}-role": VentureRole.FOUNDER})
    assert (
        admin_client.post(url(Venture, "change", venture.pk), data).status_code == 302
    )
    assert venture.members.get(user=people["editor"]).role == VentureRole.FOUNDER
    assert audit_actions(since) == ["ventures.member_role"]

    page, prefix = member_row(admin_client, venture, people["editor"])
    since = last_audit_pk()
    data = form_data(page, **{f"{prefix}-DELETE": "on"})
    assert (
        admin_client.post(url(Venture, "change", venture.pk), data).status_code == 302
    )
    assert not venture.members.filter(user=people["editor"]).exists()
    assert audit_actions(since) == ["ventures.member_remove"]


def test_deleting_ventures_writes_one_audit_row_each(admin_client, venture):
    other = make_venture(name="Other")
    since = last_audit_pk()
    address = url(Venture, "delete", venture.pk)
    assert admin_client.post(address, {"post": "yes"}).status_code == 302
    assert audit_actions(since) == ["ventures.delete"]
    since = last_audit_pk()
    assert bulk_delete(admin_client, Venture, [other]).status_code == 302
    assert not Venture.objects.exists()
    assert audit_actions(since) == ["ventures.delete"]


# --- Dataset uses ---------------------------------------------------------------------


def test_dataset_uses_are_recorded_changed_and_removed_through_services(
    admin_client, venture, people
):
    dataset = make_dataset("Parking meters")
    since = last_audit_pk()
    response = admin_client.post(
        url(DatasetUse, "add"),
        {"venture": venture.pk, "dataset": dataset.pk, "how": "We map it.",
         "extent": UseExtent.CORE, "quality": "4"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    use = DatasetUse.objects.get(venture=venture, dataset=dataset)
    assert use.created_by == people["staff"]
    assert audit_actions(since) == ["ventures.use_add"]

    since = last_audit_pk()
    response = post_form(admin_client, url(DatasetUse, "change", use.pk), quality="2")
    assert response.status_code == 302
    assert DatasetUse.objects.get(pk=use.pk).quality == 2
    assert audit_actions(since) == ["ventures.use_update"]

    since = last_audit_pk()
    address = url(DatasetUse, "delete", use.pk)
    assert admin_client.post(address, {"post": "yes"}).status_code == 302
    assert not DatasetUse.objects.exists()
    assert audit_actions(since) == ["ventures.use_remove"]


def test_a_withdrawn_dataset_is_refused_and_the_input_kept(admin_client, venture):
    dataset = make_dataset("Old meters", withdrawn=True)
    since = last_audit_pk()
    page = admin_client.post(
        url(DatasetUse, "add"),
        {"venture": venture.pk, "dataset": dataset.pk, "how": "Typed text",
         "extent": UseExtent.CORE},
    )  # fmt: skip
    assert page.status_code == 200
    html = page.content.decode()
    assert "This dataset was withdrawn from its catalog." in html
    assert "Typed text" in html
    assert not DatasetUse.objects.exists()
    assert audit_actions(since) == []


# --- Data requests --------------------------------------------------------------------


def test_data_requests_are_asked_triaged_and_deleted_through_services(
    admin_client, venture, people
):
    since = last_audit_pk()
    page = admin_client.get(url(DataRequest, "add"))
    assert 'name="status"' not in page.content.decode()  # a new request is open
    response = admin_client.post(
        url(DataRequest, "add"),
        {"venture": venture.pk, "title": "Bus stops", "description": "All of them"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = DataRequest.objects.get()
    assert (request.requested_by, request.status) == (people["staff"], "open")
    assert audit_actions(since) == ["ventures.data_request"]

    since = last_audit_pk()
    address = url(DataRequest, "change", request.pk)
    assert 'name="title"' not in admin_client.get(address).content.decode()
    response = post_form(admin_client, address, status=RequestStatus.PLANNED)
    assert response.status_code == 302
    assert DataRequest.objects.get().status == RequestStatus.PLANNED
    assert audit_actions(since) == ["ventures.data_request_status"]

    since = last_audit_pk()
    assert bulk_delete(admin_client, DataRequest, [request]).status_code == 302
    assert not DataRequest.objects.exists()
    assert audit_actions(since) == ["ventures.data_request_delete"]


def test_a_data_request_names_its_venture(admin_client):
    page = admin_client.post(url(DataRequest, "add"), {"title": "Bus stops"})
    assert page.status_code == 200
    assert not DataRequest.objects.exists()


# --- The services the admin needed ----------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "editor", "reviewer"])
def test_only_staff_use_the_admin_services(venture, people, persona):
    actor = people[persona]
    founder = venture.members.get()
    request = DataRequest.objects.create(venture=venture, title="Bus stops")
    calls = [
        lambda: services.delete_venture(venture, actor=actor),
        lambda: services.add_venture_member(
            venture, actor=actor, person=people["editor"], role=VentureRole.MEMBER
        ),
        lambda: services.set_venture_member_role(
            founder, VentureRole.MEMBER, actor=actor
        ),
        lambda: services.remove_venture_member(founder, actor=actor),
        lambda: services.delete_data_request(request, actor=actor),
    ]
    since = last_audit_pk()
    for call in calls:
        with pytest.raises(services.NotAllowed):
            call()
    assert audit_actions(since) == []
    assert venture.members.get().role == VentureRole.FOUNDER


def test_someone_is_on_a_venture_team_once(venture, people):
    with pytest.raises(services.ServiceError):
        services.add_venture_member(
            venture, actor=people["staff"], person=people["owner"], role="member"
        )
