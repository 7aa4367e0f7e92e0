"""The Django admin: reached through allauth's login, usable by city staff for
every model, with list columns, filters and search."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from hub.core import services
from hub.core.models import Role
from ideas import services as idea_services
from ideas.stages import Stage

pytestmark = pytest.mark.django_db

OUR_APPS = {"hub", "ideas", "ventures", "catalog"}


@pytest.fixture
def staff_client(people, client, make_user):
    granter = make_user(role=Role.STAFF)
    granter.is_superuser = True
    granter.save(update_fields=["is_superuser"])
    person = people["outsider"]
    services.set_role(person, Role.STAFF, actor=granter)  # staff via the app's service
    client.force_login(person)
    return client


@pytest.fixture
def data(people, team_idea):
    idea = team_idea(stage=Stage.PILOT, tags=["mobility"])
    idea_services.add_comment(idea, author=people["editor"], body="Nice")
    idea_services.move_idea(idea, Stage.LAUNCHED, actor=people["staff"])
    return idea


def test_the_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_entrepreneurs_cannot_enter_the_admin(client_for):
    assert client_for("owner").get("/admin/").status_code in (302, 403)
    assert client_for("owner").get("/admin/ideas/idea/").status_code == 302


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in OUR_APPS],
    ids=lambda m: m._meta.label,
)
def test_staff_list_filter_and_search_every_model(staff_client, data, model):
    model_admin = admin.site._registry[model]
    assert len(model_admin.list_display) >= 3, "useful list columns"
    assert model_admin.search_fields, "searchable"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = staff_client.get(url)
    assert response.status_code == 200, url
    assert staff_client.get(url, {"q": "a"}).status_code == 200


def test_staff_cannot_change_roles_or_the_audit_log_in_the_admin(staff_client, people):
    change = reverse("admin:hub_user_change", args=[people["viewer"].pk])
    page = staff_client.get(change)  # view-only on people: no editable fields
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()
    assert staff_client.post(change, {"email": "x@example.org"}).status_code == 403
    assert staff_client.get(reverse("admin:hub_auditevent_add")).status_code == 403


def test_stages_are_read_only_in_the_admin(staff_client, data):
    page = staff_client.get(reverse("admin:ideas_idea_change", args=[data.pk]))
    assert page.status_code == 200
    assert 'name="stage"' not in page.content.decode()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/ventures/dataset/", "/admin/catalog/dataset/"),
        ("/admin/ventures/dataset/?q=bus", "/admin/catalog/dataset/?q=bus"),
        (
            "/admin/ventures/catalogsource/3/change/",
            "/admin/catalog/catalogsource/3/change/",
        ),
        ("/admin/ventures/distribution/add/", "/admin/catalog/distribution/add/"),
    ],
)
def test_admin_links_of_the_catalog_models_follow_them_out_of_ventures(
    client, old, new
):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_the_other_ventures_admin_pages_stay_where_they_are(staff_client):
    assert staff_client.get("/admin/ventures/venture/").status_code == 200
