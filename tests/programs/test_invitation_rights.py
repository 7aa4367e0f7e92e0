"""Invitations follow their inviter's rights: when the person who sent them is
deactivated or may no longer invite into the program, their pending invitations
are revoked (audited, shown as revoked to the managers, the link says so), and
accepting re-checks the sender's rights in any case."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from hub.core import services as hub_services
from hub.core.models import AuditEvent, Role, User
from programs import services
from programs.models import Invitation, InvitationStatus, ProgramMembership
from tests.support.admin_forms import form_data

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_-]+/)")


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """invite(program, sender, address) -> the link path mailed to it."""

    def run(program, sender, address):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.send_invitations(
                program,
                actor=sender,
                text=address,
                role="resident",
                cohort=None,
                link_base="http://testserver/",
            )
        [message] = mail.outbox[before:]
        return LINK.search(message.body).group(1)

    return run


@pytest.fixture
def world(program, people, make_user, invite):
    """Two managers of the program ("staff" and Mia, both staff); Mia sent a
    pending invitation and one that was accepted, "staff" sent one."""
    mia = make_user("mia@city.example", role=Role.STAFF, name="Mia Manager")
    program.managers.add(mia)
    joined = make_user("joined@example.org")
    paths = {
        "mine": invite(program, mia, "nora@example.org"),
        "accepted": invite(program, mia, "joined@example.org"),
        "other": invite(program, people["staff"], "otto@example.org"),
    }
    services.accept_invitation(
        Invitation.objects.get(email="joined@example.org"), user=joined
    )
    return {"mia": mia, "paths": paths, "nora": make_user("nora@example.org")}


def _status(email: str) -> tuple[str, str]:
    invitation = Invitation.objects.get(email=email)
    return invitation.status, invitation.revoked_because


def _assert_mias_invitation_revoked(program, world, actor, client_for):
    assert _status("nora@example.org") == (InvitationStatus.REVOKED, "inviter")
    assert Invitation.objects.get(email="nora@example.org").revoked_at is not None
    # accepted invitations and other senders' invitations are untouched
    assert _status("joined@example.org") == (InvitationStatus.ACCEPTED, "")
    assert _status("otto@example.org") == (InvitationStatus.PENDING, "")
    [event] = AuditEvent.objects.filter(action="programs.invitation_revoke")
    assert event.actor == actor
    assert event.target_id == str(Invitation.objects.get(email="nora@example.org").pk)
    assert event.data["because"] == "inviter"
    assert event.data["inviter"] == world["mia"].pk
    # the link says so, signed out and signed in as the invited person
    for person in (None, world["nora"]):
        client = Client()
        if person is not None:
            client.force_login(person)
        response = client.get(world["paths"]["mine"])
        assert response.status_code == 410
        body = response.content.decode()
        assert "withdrawn" in body
        assert "can no longer invite to this program" in body
        assert "nora@example.org" not in body
    Client().post(world["paths"]["mine"])
    nora_client = Client()
    nora_client.force_login(world["nora"])
    assert nora_client.post(world["paths"]["mine"]).status_code == 410
    assert not ProgramMembership.objects.filter(user=world["nora"]).exists()
    # the managers' list shows it as revoked, and why
    page = client_for("staff").get(f"/programs/{program.slug}/invitations/")
    body = page.content.decode()
    row = re.search(r"nora@example.org</th>.*?</tr>", body, re.S).group(0)
    assert "<td>Revoked" in row
    assert "its sender can no longer invite to this program" in row
    assert "Resend" not in row
    other = re.search(r"otto@example.org</th>.*?</tr>", body, re.S).group(0)
    assert "<td>Pending" in other
    # the other sender's link still works
    otto = User.objects.create_user(email="otto@example.org", password="x" * 12)
    otto.emailaddress_set.create(email="otto@example.org", verified=True)
    services.accept_invitation(
        Invitation.objects.get(email="otto@example.org"), user=otto
    )


def test_deactivating_the_inviter_in_the_admin_revokes_their_pending_invitations(
    program, people, world, make_user, client_for
):
    root = make_user("root@city.example", role=Role.STAFF)
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    admin = Client()
    admin.force_login(root)
    url = f"/admin/hub/user/{world['mia'].pk}/change/"
    data = form_data(admin.get(url))
    data.pop("is_active")  # the checkbox unticked
    response = admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    world["mia"].refresh_from_db()
    assert not world["mia"].is_active
    _assert_mias_invitation_revoked(program, world, root, client_for)


def test_losing_the_staff_role_revokes_invitations_to_programs_one_does_not_manage(
    program, people, world, make_user, invite, client_for
):
    program.managers.remove(world["mia"])  # staff, not a manager: may still invite
    assert Invitation.objects.get(email="nora@example.org").status == "pending"
    hub_services.set_role(world["mia"], Role.ENTREPRENEUR, actor=people["staff"])
    _assert_mias_invitation_revoked(program, world, people["staff"], client_for)


def test_a_demoted_manager_keeps_the_invitations_of_a_program_they_still_manage(
    program, people, world
):
    hub_services.set_role(world["mia"], Role.ENTREPRENEUR, actor=people["staff"])
    assert _status("nora@example.org") == (InvitationStatus.PENDING, "")
    assert not AuditEvent.objects.filter(action="programs.invitation_revoke").exists()


def test_being_taken_off_the_managers_revokes_when_it_was_the_last_right(
    program, people, world, client_for
):
    hub_services.set_role(world["mia"], Role.ENTREPRENEUR, actor=people["staff"])
    services.update_program(
        program, actor=people["staff"], fields={}, managers=[people["staff"]]
    )
    _assert_mias_invitation_revoked(program, world, people["staff"], client_for)


def test_taking_a_manager_off_in_the_admin_revokes_too(
    program, people, world, make_user, client_for
):
    hub_services.set_role(world["mia"], Role.ENTREPRENEUR, actor=people["staff"])
    root = make_user("root@city.example", role=Role.STAFF)
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    admin = Client()
    admin.force_login(root)
    url = f"/admin/programs/program/{program.pk}/change/"
    data = form_data(admin.get(url), managers=[str(people["staff"].pk)])
    response = admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(program.managers.all()) == [people["staff"]]
    _assert_mias_invitation_revoked(program, world, root, client_for)


def test_accepting_rechecks_the_inviter_even_if_revoking_was_missed(
    program, people, world
):
    # deactivated behind the services' back: nothing was revoked
    User.objects.filter(pk=world["mia"].pk).update(is_active=False)
    assert _status("nora@example.org") == (InvitationStatus.PENDING, "")
    client = Client()
    client.force_login(world["nora"])
    for response in (
        client.get(world["paths"]["mine"]),
        client.post(world["paths"]["mine"]),
    ):
        assert response.status_code == 410
        assert "can no longer invite to this program" in response.content.decode()
    with pytest.raises(services.InvitationUnusable) as refusal:
        services.accept_invitation(
            Invitation.objects.get(email="nora@example.org"), user=world["nora"]
        )
    assert refusal.value.reason == "inviter"
    assert "can no longer invite" in str(refusal.value)
    assert not ProgramMembership.objects.filter(user=world["nora"]).exists()


def test_a_reactivated_inviter_does_not_revive_revoked_invitations(
    program, people, world
):
    mia = world["mia"]
    mia.is_active = False
    mia.save(update_fields=["is_active"])
    services.inviter_rights_changed(mia, None)
    mia.is_active = True
    mia.save(update_fields=["is_active"])
    services.inviter_rights_changed(mia, None)
    assert _status("nora@example.org") == (InvitationStatus.REVOKED, "inviter")
    [event] = AuditEvent.objects.filter(action="programs.invitation_revoke")
    assert event.actor is None
