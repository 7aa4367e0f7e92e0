"""Program pages: the list, the space, the management pages, program ideas."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from challenges.models import Challenge
from hub.core.models import AuditEvent, Role
from ideas.models import Idea, Visibility
from ideas.stages import Stage
from programs.models import Cohort, MemberRole, Program, ProgramMembership

pytestmark = pytest.mark.django_db


def _program(n: int, **fields) -> Program:
    return Program.objects.create(name=f"Program {n}", slug=f"program-{n}", **fields)


def _fill(program: Program, make_user, make_idea, size: int) -> None:
    """``size`` members (in cohorts, every role), program ideas, challenges."""
    roles = MemberRole.values
    for i in range(size):
        cohort = Cohort.objects.create(program=program, name=f"Cohort {i}")
        person = make_user(name=f"Member {i}")
        ProgramMembership.objects.create(
            program=program, user=person, role=roles[i % 3], cohort=cohort
        )
        make_idea(
            person, program=program, visibility=Visibility.PROGRAM, tags=["x", "y"]
        )
        Challenge.objects.create(
            title=f"How might we {i}?", slug=f"hmw-{program.pk}-{i}", program=program
        )


# --------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------


def test_the_list_shows_members_their_programs_and_staff_all(
    program, people, client_for
):
    other = _program(2)
    member_page = client_for("program_member").get("/programs/").content.decode()
    assert program.name in member_page
    assert other.name not in member_page
    staff_page = client_for("staff").get("/programs/").content.decode()
    assert program.name in staff_page and other.name in staff_page
    assert "New program" in staff_page and "New program" not in member_page
    outsider = client_for("outsider").get("/programs/").content.decode()
    assert program.name not in outsider
    assert "not in any program" in outsider


@pytest.mark.parametrize("size", [2, 8])
def test_the_list_runs_constant_queries(
    size, people, program, make_user, make_idea, client_for, django_assert_num_queries
):
    for n in range(size):
        extra = _program(100 + n)
        _fill(extra, make_user, make_idea, 2)
        ProgramMembership.objects.create(program=extra, user=people["program_member"])
    client = client_for("program_member")
    # session, user, the programs with their member counts, the bell's count
    with django_assert_num_queries(4):
        response = client.get("/programs/")
    assert response.content.decode().count('class="card"') == size + 1


# --------------------------------------------------------------------------------------
# The space
# --------------------------------------------------------------------------------------


def test_the_space_shows_cohorts_people_ideas_and_challenges(
    program, people, client_for, make_idea, make_user
):
    mentor = make_user(name="Mo Mentor")
    ProgramMembership.objects.create(
        program=program, user=mentor, role=MemberRole.MENTOR
    )
    shared = make_idea(
        mentor, title="Shared with the program", program=program,
        visibility=Visibility.PROGRAM,
    )  # fmt: skip
    hidden = make_idea(
        mentor, title="Kept in the team", program=program, visibility=Visibility.TEAM
    )
    elsewhere = make_idea(
        mentor, title="Another program's", program=_program(9),
        visibility=Visibility.PROGRAM,
    )  # fmt: skip
    Challenge.objects.create(
        title="How might we cool streets?", slug="c", program=program
    )
    body = client_for("program_member").get(program.get_absolute_url()).content.decode()
    assert "Twelve weeks with the city." in body
    assert "Spring" in body
    assert "Mo Mentor" in body and "Pia Programme" in body and "Sam Staff" in body
    assert shared.title in body
    assert hidden.title not in body
    assert elsewhere.title not in body
    assert "How might we cool streets?" in body
    assert "Manage members" not in body
    staff = client_for("staff").get(program.get_absolute_url()).content.decode()
    assert "Manage members" in staff


@pytest.mark.parametrize("size", [2, 8])
def test_the_space_runs_constant_queries(
    size, program, make_user, make_idea, client_for, django_assert_num_queries
):
    _fill(program, make_user, make_idea, size)
    client = client_for("program_member")
    # session, user, the program, its managers, memberships (+users, cohorts),
    # the ideas the viewer may see (+owners), challenges, cohorts, the bell
    with django_assert_num_queries(9):
        response = client.get(program.get_absolute_url())
    assert response.content.decode().count('class="card"') == size


@pytest.mark.parametrize("size", [2, 8])
def test_the_members_page_runs_constant_queries(
    size, program, make_user, make_idea, client_for, django_assert_num_queries
):
    _fill(program, make_user, make_idea, size)
    client = client_for("staff")
    # session, user, the program, cohorts (for every row's select),
    # memberships (+users, cohorts), the bell
    with django_assert_num_queries(6):
        response = client.get(f"/programs/{program.slug}/members/")
    assert response.content.decode().count('<th scope="row">') == size + 1


@pytest.mark.parametrize("size", [2, 8])
def test_the_invitations_page_runs_constant_queries(
    size, program, people, client_for, django_assert_num_queries
):
    from programs import services

    services.send_invitations(
        program,
        actor=people["staff"],
        text=" ".join(f"p{i}@example.org" for i in range(size)),
        role="resident",
        cohort=program.cohorts.get(),
        link_base="http://testserver/",
    )
    client = client_for("staff")
    # session, user, the program, invitations (+cohort, sender, acceptor), bell
    with django_assert_num_queries(5):
        response = client.get(f"/programs/{program.slug}/invitations/")
    assert response.content.decode().count('<th scope="row">') == size


# --------------------------------------------------------------------------------------
# Creating and editing (staff, managers)
# --------------------------------------------------------------------------------------


def test_staff_create_a_program_with_staff_managers(people, client_for, make_user):
    other_staff = make_user(role=Role.STAFF, name="Other Staff")
    response = client_for("staff").post(
        "/programs/new/",
        {
            "name": "Startup in Residence 2028",
            "slug": "",
            "description": "**Bold**",
            "starts_on": "2028-01-10",
            "ends_on": "2028-04-10",
            "managers": [other_staff.pk],
        },
    )
    program = Program.objects.get(name="Startup in Residence 2028")
    assert response["Location"] == program.get_absolute_url()
    assert program.slug == "startup-in-residence-2028"
    assert "<strong>Bold</strong>" in program.description_html
    assert list(program.managers.all()) == [other_staff]
    assert AuditEvent.objects.filter(action="programs.create").exists()


def test_the_program_form_refuses_bad_input_and_keeps_it(program, client_for, people):
    response = client_for("staff").post(
        "/programs/new/",
        {
            "name": "Kept name",
            "slug": program.slug,
            "starts_on": "2028-04-10",
            "ends_on": "2028-01-10",
            "managers": [people["outsider"].pk],
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Another program uses this web address." in body
    assert "The end date is before the start date." in body
    assert "Select a valid choice" in body  # not a staff account
    assert 'value="Kept name"' in body
    reserved = client_for("staff").post(
        "/programs/new/", {"name": "New", "slug": "new"}
    )
    assert "reserved" in reserved.content.decode()
    assert Program.objects.count() == 1


def test_a_manager_edits_but_only_staff_change_managers(program, people, make_user):
    from programs import services

    program.managers.add(people["program_member"])  # a manager without staff role
    with pytest.raises(services.NotAllowed):
        services.update_program(
            program,
            actor=people["program_member"],
            fields={"name": program.name},
            managers=[people["staff"]],
        )
    changed = services.update_program(
        program, actor=people["program_member"], fields={"name": "Renamed"}
    )
    assert changed == ["name"]
    client = Client()
    client.force_login(people["program_member"])
    page = client.get(f"/programs/{program.slug}/edit/").content.decode()
    assert 'name="managers"' not in page


# --------------------------------------------------------------------------------------
# Cohorts and members
# --------------------------------------------------------------------------------------


def test_cohorts_are_added_and_renamed_with_clear_errors(program, client_for):
    client = client_for("staff")
    url = f"/programs/{program.slug}/cohorts/new/"
    assert client.post(url, {"name": "Autumn"}).status_code == 302
    duplicate = client.post(url, {"name": "Spring"})
    assert "already has a cohort by that name" in duplicate.content.decode()
    autumn = Cohort.objects.get(name="Autumn")
    edit = f"/programs/{program.slug}/cohorts/{autumn.pk}/edit/"
    assert client.post(edit, {"name": "Fall"}).status_code == 302
    assert Cohort.objects.filter(program=program, name="Fall").exists()
    clash = client.post(edit, {"name": "Spring"})
    assert "already has a cohort by that name" in clash.content.decode()


def test_a_manager_changes_a_role_and_removes_a_member(
    program, people, client_for, make_idea
):
    membership = ProgramMembership.objects.get(user=people["program_member"])
    cohort = Cohort.objects.create(program=program, name="Autumn")
    client = client_for("staff")
    members = client.get(f"/programs/{program.slug}/members/")
    assert "Pia Programme" in members.content.decode()
    prefix = f"m{membership.pk}"
    response = client.post(
        f"/programs/{program.slug}/members/{membership.pk}/",
        {f"{prefix}-role": MemberRole.REVIEWER, f"{prefix}-cohort": cohort.pk},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.cohort) == (MemberRole.REVIEWER, cohort)
    other = Cohort.objects.create(program=_program(5), name="Foreign")
    refused = client.post(
        f"/programs/{program.slug}/members/{membership.pk}/",
        {f"{prefix}-role": "owner", f"{prefix}-cohort": other.pk},
    )
    assert refused.status_code == 400
    membership.refresh_from_db()
    assert membership.role == MemberRole.REVIEWER

    idea = make_idea(people["owner"], program=program, visibility=Visibility.PROGRAM)
    member = client_for("program_member")
    assert member.get(idea.get_absolute_url()).status_code == 200
    client.post(f"/programs/{program.slug}/members/{membership.pk}/remove/")
    assert not ProgramMembership.objects.filter(pk=membership.pk).exists()
    assert member.get(program.get_absolute_url()).status_code == 404
    assert member.get(idea.get_absolute_url()).status_code == 404


# --------------------------------------------------------------------------------------
# Ideas in a program
# --------------------------------------------------------------------------------------


def _idea_data(**extra) -> dict[str, str]:
    return {
        "title": "A program idea",
        "pitch": "Helps.",
        "problem": "P.",
        "solution": "S.",
        "description": "",
        "visibility": Visibility.PROGRAM,
        "tags": "",
        **extra,
    }


def test_the_idea_form_offers_only_the_authors_programs(program, client_for):
    other = _program(7)
    page = client_for("program_member").get("/ideas/new/").content.decode()
    assert f'value="{program.pk}"' in page
    assert f'value="{other.pk}"' not in page
    smuggled = client_for("program_member").post(
        "/ideas/new/", _idea_data(program=str(other.pk))
    )
    assert smuggled.status_code == 200
    assert "Select a valid choice" in smuggled.content.decode()
    outsider = client_for("outsider").post(
        "/ideas/new/", _idea_data(program=str(program.pk))
    )
    assert outsider.status_code == 200
    assert not Idea.objects.exists()


def test_program_visibility_needs_a_program(program, client_for):
    response = client_for("program_member").post("/ideas/new/", _idea_data(program=""))
    assert response.status_code == 200
    assert "Choose the program whose members may see the idea" in (
        response.content.decode()
    )
    assert 'value="A program idea"' in response.content.decode()  # kept
    created = client_for("program_member").post(
        "/ideas/new/", _idea_data(program=str(program.pk))
    )
    assert created.status_code == 302
    idea = Idea.objects.get()
    assert (idea.program, idea.visibility) == (program, Visibility.PROGRAM)


def test_the_service_refuses_a_program_the_author_is_not_in(program, people):
    from ideas import services

    with pytest.raises(services.NotAllowed):
        services.create_idea(
            owner=people["outsider"],
            fields={**_idea_data(), "program": program},
        )
    with pytest.raises(services.ServiceError):
        services.create_idea(
            owner=people["program_member"], fields={**_idea_data(), "program": None}
        )


def test_program_members_read_a_program_ideas_plan(
    program, people, client_for, make_idea
):
    idea = make_idea(
        people["owner"], program=program, visibility=Visibility.PROGRAM,
        stage=Stage.PROPOSED,
    )  # fmt: skip
    member = people["program_member"]
    assert member.has_perm("ideas.read_idea", idea)
    assert member.has_perm("ideas.read_plan", idea)
    assert not member.has_perm("ideas.edit_plan", idea)
    assert (
        client_for("program_member").get(f"/ideas/{idea.pk}/plan/").status_code == 200
    )
    assert client_for("outsider").get(f"/ideas/{idea.pk}/plan/").status_code == 404
    public = make_idea(people["owner"], program=program, visibility=Visibility.PUBLIC)
    assert not member.has_perm("ideas.read_plan", public)  # public: team's plan


def test_the_header_links_programs_for_members_and_staff(program, client_for):
    assert 'href="/programs/"' in client_for("program_member").get("/").content.decode()
    assert 'href="/programs/"' in client_for("staff").get("/").content.decode()
    assert 'href="/programs/"' not in client_for("outsider").get("/").content.decode()


@pytest.mark.parametrize("model", ["program", "programmembership", "invitation"])
def test_the_admin_lists_and_searches_programs(program, people, model):
    from programs import services

    services.send_invitations(
        program,
        actor=people["staff"],
        text="a@example.org",
        role="resident",
        cohort=None,
        link_base="http://testserver/",
    )
    admin_user = people["staff"]
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/programs/{model}/"
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "a"}).status_code == 200
    invitation = program.invitations.get()
    page = client.get(f"/admin/programs/invitation/{invitation.pk}/change/")
    assert page.status_code == 200  # view only
    assert invitation.token_hash not in page.content.decode()


def test_a_program_idea_says_which_program_sees_it(
    program, people, client_for, make_idea
):
    idea = make_idea(people["owner"], program=program, visibility=Visibility.PROGRAM)
    body = client_for("program_member").get(idea.get_absolute_url()).content.decode()
    assert (
        f'Members of <a href="{program.get_absolute_url()}">{program.name}</a>' in body
    )
    assert "Team only" not in body


def test_proposing_from_the_space_preselects_the_program(program, client_for):
    page = client_for("program_member").get(program.get_absolute_url()).content
    assert f'href="/ideas/new/?program={program.pk}"'.encode() in page
    form = client_for("program_member").get(f"/ideas/new/?program={program.pk}")
    body = form.content.decode()
    assert f'<option value="{program.pk}" selected>' in body
    radio = re.search(r'<input[^>]*name="visibility" value="program"[^>]*>', body)
    assert radio and "checked" in radio.group(0)
