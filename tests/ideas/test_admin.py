"""The ideas admin goes through the services: each change a city-staff user
makes there writes exactly one audit row (and the service's broadcast), a
refused change keeps what was typed and says why, and the bulk delete action
deletes through the services too. (Open plan sockets: tests/realtime/
test_doc_admin.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.core.models import AuditEvent, NotificationKind, Role
from ideas import services
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.stages import Stage
from tests.support.admin_forms import (
    admin_staff,
    audit_actions,
    form_data,
    last_audit_pk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(people):
    return admin_staff(people["staff"])


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def idea(team_idea):
    return team_idea(tags=["mobility"])


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def delete_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def changelist_url(model):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def team_row(page, user) -> str:
    """The inline form prefix of ``user``'s team row on an idea's change page."""
    [team] = [
        f.formset
        for f in page.context["inline_admin_formsets"]
        if f.formset.model is TeamMembership
    ]
    [form] = [f for f in team.forms if f.instance.user_id == user.pk]
    return form.prefix


def post_change(client, obj, **changes):
    page = client.get(change_url(obj))
    assert page.status_code == 200
    return client.post(change_url(obj), form_data(page, **changes))


def post_team_row(client, idea, user, **changes):
    page = client.get(change_url(idea))
    prefix = team_row(page, user)
    data = form_data(page, **{f"{prefix}-{k}": v for k, v in changes.items()})
    return client.post(change_url(idea), data)


def bulk_delete(client, model, objs):
    return client.post(
        changelist_url(model),
        {"action": "delete_selected", "_selected_action": [o.pk for o in objs],
         "post": "yes"},
    )  # fmt: skip


# --- Ideas ----------------------------------------------------------------------------


def test_changing_an_idea_writes_one_audit_row(admin_client, idea, staff):
    since = last_audit_pk()
    response = post_change(
        admin_client, idea, title="Better title", tags="mobility, air"
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    idea.refresh_from_db()
    assert idea.title == "Better title"
    assert sorted(idea.tags.names()) == ["air", "mobility"]
    assert audit_actions(since) == ["ideas.update"]
    event = AuditEvent.objects.get(pk__gt=since)
    assert event.actor == staff
    assert sorted(event.data["fields"]) == ["tags", "title"]


def test_saving_an_unchanged_idea_writes_nothing(admin_client, idea):
    since = last_audit_pk()
    assert post_change(admin_client, idea).status_code == 302
    assert audit_actions(since) == []


def test_visibility_changed_in_the_admin_is_broadcast(
    admin_client, idea, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        post_change(admin_client, idea, visibility=Visibility.PUBLIC)
    assert callbacks, "access.changed is announced on commit"


def test_a_refused_change_keeps_the_input_and_says_why(admin_client, idea, program):
    since = last_audit_pk()
    # The owner is not a member of the program: the service refuses.
    page = post_change(admin_client, idea, title="Typed title", program=program.pk)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The idea&#x27;s owner is not a member of that program." in html
    assert 'value="Typed title"' in html
    idea.refresh_from_db()
    assert (idea.title, idea.program_id) != ("Typed title", program.pk)
    assert audit_actions(since) == []


def test_ideas_are_not_added_and_their_owner_and_stage_are_read_only(
    admin_client, idea
):
    assert admin_client.get(reverse("admin:ideas_idea_add")).status_code == 403
    html = admin_client.get(change_url(idea)).content.decode()
    assert 'name="owner"' not in html
    assert 'name="stage"' not in html


def test_deleting_an_idea_writes_one_audit_row(admin_client, idea, people):
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])
    since = last_audit_pk()
    assert admin_client.get(delete_url(idea)).status_code == 200
    response = admin_client.post(delete_url(idea), {"post": "yes"})
    assert response.status_code == 302
    assert not Idea.objects.filter(pk=idea.pk).exists()
    assert audit_actions(since) == ["ideas.delete"]
    assert AuditEvent.objects.get(pk__gt=since).data["title"] == idea.title


def test_the_bulk_delete_action_goes_through_the_service(admin_client, team_idea):
    ideas = [team_idea(), team_idea()]
    since = last_audit_pk()
    response = bulk_delete(admin_client, Idea, ideas)
    assert response.status_code == 302
    assert not Idea.objects.filter(pk__in=[i.pk for i in ideas]).exists()
    assert audit_actions(since) == ["ideas.delete", "ideas.delete"]


@pytest.fixture
def group_only_client(client, make_user):
    """Someone in the "City staff" group whose role is not staff: Django lets
    them into the admin, the services refuse them."""
    person = admin_staff(make_user(role=Role.ENTREPRENEUR))
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    client.force_login(person)
    return client


def test_a_refused_delete_deletes_nothing_and_says_why(group_only_client, team_idea):
    ideas = [team_idea(), team_idea()]
    since = last_audit_pk()
    page = group_only_client.post(delete_url(ideas[0]), {"post": "yes"}, follow=True)
    assert "Only city staff can do this." in page.content.decode()
    page = bulk_delete(group_only_client, Idea, ideas)
    assert page.status_code == 302
    page = group_only_client.get(page["Location"])
    html = page.content.decode()
    assert "Only city staff can do this." in html
    assert "Successfully deleted" not in html
    assert Idea.objects.filter(pk__in=[i.pk for i in ideas]).count() == 2
    assert audit_actions(since) == []


def test_stage_history_is_not_deleted_on_its_own(admin_client, idea, people):
    change = services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])
    assert admin_client.post(delete_url(change), {"post": "yes"}).status_code == 403
    assert StageChange.objects.filter(pk=change.pk).exists()


# --- The team, inline on the idea and on its own --------------------------------------


def test_adding_a_member_inline_writes_one_audit_row(admin_client, idea, people):
    page = admin_client.get(change_url(idea))
    data = form_data(page)
    n = int(data["memberships-TOTAL_FORMS"])
    data.update({
        "memberships-TOTAL_FORMS": n + 1,
        f"memberships-{n}-user": people["outsider"].pk,
        f"memberships-{n}-role": TeamRole.VIEWER,
        f"memberships-{n}-idea": idea.pk,
    })  # fmt: skip
    since = last_audit_pk()
    response = admin_client.post(change_url(idea), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert idea.memberships.get(user=people["outsider"]).role == TeamRole.VIEWER
    assert audit_actions(since) == ["ideas.team_add"]
    assert (
        people["outsider"]
        .notifications.filter(kind=NotificationKind.TEAM_ADDED)
        .exists()
    )


def test_changing_a_role_inline_writes_one_audit_row(admin_client, idea, people):
    since = last_audit_pk()
    response = post_team_row(admin_client, idea, people["editor"], role=TeamRole.VIEWER)
    assert response.status_code == 302
    assert idea.memberships.get(user=people["editor"]).role == TeamRole.VIEWER
    assert audit_actions(since) == ["ideas.team_role"]
    event = AuditEvent.objects.get(pk__gt=since)
    assert event.data == {
        "user": people["editor"].pk, "previous": "editor", "role": "viewer",
    }  # fmt: skip


def test_removing_a_member_inline_writes_one_audit_row(admin_client, idea, people):
    since = last_audit_pk()
    response = post_team_row(admin_client, idea, people["editor"], DELETE="on")
    assert response.status_code == 302
    assert not idea.memberships.filter(user=people["editor"]).exists()
    assert audit_actions(since) == ["ideas.team_remove"]


def test_a_refused_inline_row_keeps_everything_and_says_why(admin_client, idea, people):
    page = admin_client.get(change_url(idea))
    data = form_data(page, title="Typed title")
    n = int(data["memberships-TOTAL_FORMS"])
    data.update({
        "memberships-TOTAL_FORMS": n + 1,
        f"memberships-{n}-user": people["owner"].pk,  # the owner: refused
        f"memberships-{n}-role": TeamRole.EDITOR,
        f"memberships-{n}-idea": idea.pk,
    })  # fmt: skip
    since = last_audit_pk()
    page = admin_client.post(change_url(idea), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The owner is already on the team." in html
    assert 'value="Typed title"' in html
    idea.refresh_from_db()
    assert idea.title != "Typed title"  # the idea's own change rolled back too
    assert audit_actions(since) == []


def test_the_membership_admin_adds_changes_and_deletes_through_services(
    admin_client, idea, people
):
    since = last_audit_pk()
    response = admin_client.post(
        reverse("admin:ideas_teammembership_add"),
        {"idea": idea.pk, "user": people["outsider"].pk, "role": TeamRole.EDITOR},
    )
    assert response.status_code == 302
    membership = idea.memberships.get(user=people["outsider"])
    assert membership.added_by == people["staff"]
    assert audit_actions(since) == ["ideas.team_add"]

    since = last_audit_pk()
    page = admin_client.get(change_url(membership))
    assert 'name="user"' not in page.content.decode()  # only the role changes
    response = post_change(admin_client, membership, role=TeamRole.VIEWER)
    assert response.status_code == 302
    assert audit_actions(since) == ["ideas.team_role"]

    since = last_audit_pk()
    assert admin_client.post(delete_url(membership), {"post": "yes"}).status_code == 302
    assert audit_actions(since) == ["ideas.team_remove"]

    since = last_audit_pk()
    rows = list(idea.memberships.all())
    assert bulk_delete(admin_client, TeamMembership, rows).status_code == 302
    assert not idea.memberships.exists()
    assert audit_actions(since) == ["ideas.team_remove"] * len(rows)


# --- Comments -------------------------------------------------------------------------


@pytest.fixture
def comment(team_idea, people):
    public = team_idea(visibility=Visibility.PUBLIC)
    return services.add_comment(public, author=people["editor"], body="Rude words")


def test_comments_are_hidden_or_deleted_never_rewritten(admin_client, comment):
    assert admin_client.get(reverse("admin:ideas_comment_add")).status_code == 403
    page = admin_client.get(change_url(comment))
    assert page.status_code == 200
    assert 'name="body"' not in page.content.decode()
    assert admin_client.post(change_url(comment), {"body": "x"}).status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "Rude words"


def test_hiding_comments_in_the_admin_writes_one_audit_row_each(
    admin_client, comment, people
):
    since = last_audit_pk()
    response = admin_client.post(
        changelist_url(Comment),
        {"action": "hide_comments", "_selected_action": [comment.pk]},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.removed_by == people["staff"]
    assert audit_actions(since) == ["ideas.comment_remove"]


def test_deleting_a_comment_in_the_admin_writes_one_audit_row(admin_client, comment):
    since = last_audit_pk()
    assert admin_client.post(delete_url(comment), {"post": "yes"}).status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert audit_actions(since) == ["ideas.comment_delete"]
    assert AuditEvent.objects.get(pk__gt=since).data["body"] == "Rude words"


# --- The services the admin needed ----------------------------------------------------


def test_the_owner_and_staff_set_team_roles(idea, people):
    membership = idea.memberships.get(user=people["editor"])
    with pytest.raises(services.NotAllowed):
        services.set_team_role(membership, TeamRole.VIEWER, actor=people["editor"])
    with pytest.raises(services.ServiceError):
        services.set_team_role(membership, "boss", actor=people["owner"])
    assert services.set_team_role(membership, TeamRole.VIEWER, actor=people["owner"])
    assert not services.set_team_role(
        membership, TeamRole.VIEWER, actor=people["staff"]
    )


@pytest.mark.parametrize("persona", ["owner", "editor", "reviewer"])
def test_only_staff_use_the_admin_services(idea, comment, people, persona):
    actor = people[persona]
    membership = idea.memberships.get(user=people["editor"])
    calls = [
        lambda: services.staff_update_idea(idea, actor=actor, fields={"title": "x"}),
        lambda: services.delete_idea(idea, actor=actor),
        lambda: services.staff_add_team_member(
            idea, actor=actor, person=people["outsider"], role=TeamRole.VIEWER
        ),
        lambda: services.staff_remove_team_member(membership, actor=actor),
        lambda: services.delete_comment(comment, actor=actor),
    ]
    since = last_audit_pk()
    for call in calls:
        with pytest.raises(services.NotAllowed):
            call()
    assert audit_actions(since) == []
    assert Idea.objects.filter(pk=idea.pk, title=idea.title).exists()
