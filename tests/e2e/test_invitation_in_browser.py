"""An invitation from paste to membership, in a browser: the manager previews
and sends; the invitee opens the mailed link signed out, signs up with the
prefilled address and lands in the program, verified."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import expect

from hub.core.models import User
from programs.models import Invitation, ProgramMembership

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_pasted_invitation_is_accepted_through_sign_up(
    page_for, live_server, program
):
    manager = page_for("staff")
    manager.goto(f"{live_server.url}/programs/{program.slug}/invitations/new/")
    manager.fill("#id_addresses", "Nora@Example.org\nnora@example.org, broken@")
    manager.select_option("#id_role", "mentor")
    manager.get_by_role("button", name="Preview").click()
    preview = manager.locator("table")
    expect(preview).to_contain_text("Already earlier in the list")
    expect(preview).to_contain_text("Not a valid e-mail address")
    manager.get_by_role("button", name="Send invitations").click()
    expect(manager.locator(".message-success")).to_contain_text("1 invitation sent")
    expect(manager.locator("table")).to_contain_text("nora@example.org")
    assert Invitation.objects.get().email == "nora@example.org"

    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    path = link[link.index("/invitations/") :]
    invitee = page_for("anonymous")
    invitee.goto(f"{live_server.url}{path}")
    expect(invitee.locator("h1")).to_contain_text(program.name)
    invitee.get_by_role("link", name="Create an account").click()
    expect(invitee.locator("#id_email")).to_have_value("nora@example.org")
    invitee.fill("#id_display_name", "Nora Newcomer")
    invitee.fill("#id_password1", "correct horse battery")
    invitee.fill("#id_password2", "correct horse battery")
    invitee.locator("#id_password2").press("Enter")
    expect(invitee.locator("h1")).to_have_text(program.name)
    expect(invitee.locator(".message-success").first).to_contain_text("Welcome")
    nora = User.objects.get(email="nora@example.org")
    assert EmailAddress.objects.get(user=nora).verified
    assert ProgramMembership.objects.get(program=program, user=nora).role == "mentor"
