"""Team changes made by city staff in the Django admin reach the plan sockets
already open, as the same changes on the site do: the admin calls the team
services, which broadcast ``access.changed`` on commit."""

from __future__ import annotations

import asyncio

import pytest
from django.urls import reverse

from ideas import documents as store
from ideas.models import TeamMembership, TeamRole
from realtime import rooms
from tests.support import ydoc as support
from tests.support.admin_forms import admin_staff, form_data
from tests.support.ydoc import YClient, db

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_rooms"),
]


@pytest.fixture
def staff_admin(people, logins):
    """The "staff" persona's logged-in client, in the "City staff" group."""
    admin_staff(people["staff"])
    return logins["staff"]


def _post_team_row(client, idea, user, **changes):
    """On the idea's admin page, change ``user``'s inline team row and save."""
    url = reverse("admin:ideas_idea_change", args=[idea.pk])
    page = client.get(url)
    [team] = [
        f.formset
        for f in page.context["inline_admin_formsets"]
        if f.formset.model is TeamMembership
    ]
    [row] = [f for f in team.forms if f.instance.user_id == user.pk]
    data = form_data(page, **{f"{row.prefix}-{k}": v for k, v in changes.items()})
    return client.post(url, data)


def _delete_membership(client, idea, user):
    membership = TeamMembership.objects.get(idea=idea, user=user)
    url = reverse("admin:ideas_teammembership_delete", args=[membership.pk])
    return client.post(url, {"post": "yes"})


def _downgrade_membership(client, idea, user):
    membership = TeamMembership.objects.get(idea=idea, user=user)
    url = reverse("admin:ideas_teammembership_change", args=[membership.pk])
    return client.post(url, form_data(client.get(url), role=TeamRole.VIEWER))


def _downgrade_inline(client, idea, user):
    return _post_team_row(client, idea, user, role=TeamRole.VIEWER)


def _remove_inline(client, idea, user):
    return _post_team_row(client, idea, user, DELETE="on")


async def _read_only(plan_id: int, user_id: int) -> None:
    """Wait until ``user_id``'s socket on the plan has handled its notice."""
    room = rooms.get_room(plan_id)
    for _ in range(300):
        mine = [c for c in room.connections if c.access.user_id == user_id]
        if mine and not any(c.access.can_edit for c in mine):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("still allowed to edit")


@pytest.mark.parametrize("remove", [_remove_inline, _delete_membership])
async def test_a_member_removed_in_the_admin_is_closed_with_4403(
    plan, people, logins, staff_admin, remove
):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])

    response = await db(remove)(staff_admin, plan.idea, people["editor"])
    assert response.status_code == 302

    await editor.expect_closed(4403)
    owner.text.insert(0, "Still here. ")
    [update] = await owner.push()
    await owner.expect_update(update)
    await editor.close()
    await owner.close()


@pytest.mark.parametrize("downgrade", [_downgrade_inline, _downgrade_membership])
async def test_an_editor_made_viewer_in_the_admin_stops_writing(
    plan, people, logins, staff_admin, downgrade
):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    editor.text.insert(0, "Before. ")  # an editor's edit is applied ...
    [update] = await editor.push()
    await editor.expect_update(update)
    await owner.expect_update(update)

    response = await db(downgrade)(staff_admin, plan.idea, people["editor"])
    assert response.status_code == 302

    await _read_only(plan.pk, people["editor"].pk)
    editor.text.insert(0, "Too late. ")  # ... a viewer's is not
    await editor.push()
    await editor.expect_nothing()
    await owner.expect_nothing()
    await editor.close()
    await owner.close()
    text = await db(store.load_text)(plan.pk)
    assert text.startswith("Before. ")
    assert "Too late." not in text
