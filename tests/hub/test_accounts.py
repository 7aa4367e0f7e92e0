"""Accounts through allauth: sign-up with mandatory verification, e-mail login,
logout, password reset, rate limits, TOTP MFA, profiles and staff-granted roles."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import Client

from hub.core.models import AuditEvent, Role, User
from tests.support.personas import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()  # allauth's rate limits live in the cache
    yield
    cache.clear()


def _signup(client: Client, email: str = "new@example.org", **extra):
    data = {
        "email": email,
        "display_name": "New Person",
        "password1": "correct horse battery",
        "password2": "correct horse battery",
        **extra,
    }
    return client.post("/accounts/signup/", data)


def _confirmation_link() -> str:
    match = re.search(
        r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body
    )
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_sign_up_requires_e_mail_verification_before_login():
    client = Client()
    response = _signup(client, role="staff", is_staff="on")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="new@example.org")
    assert user.display_name == "New Person"
    assert (user.role, user.is_staff, user.is_superuser) == (
        Role.ENTREPRENEUR,
        False,
        False,
    )
    assert len(mail.outbox) == 1

    # Unverified: logging in leads back to the verification notice, not in.
    login = Client().post(
        "/accounts/login/",
        {"login": "new@example.org", "password": "correct horse battery"},
    )
    assert login["Location"] == "/accounts/confirm-email/"

    link = _confirmation_link()
    verifier = Client()
    assert verifier.get(link).status_code == 200
    assert verifier.post(link).status_code == 302
    assert user.emailaddress_set.get().verified

    logged_in = Client()
    response = logged_in.post(
        "/accounts/login/",
        {"login": "NEW@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/ideas/mine/"
    assert logged_in.get("/ideas/mine/").status_code == 200


def test_the_sign_up_form_offers_no_role_and_needs_a_display_name():
    client = Client()
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="display_name"' in page
    assert 'name="role"' not in page
    response = _signup(client, display_name="  ")
    assert response.status_code == 200
    assert not User.objects.exists()


def test_sign_up_with_an_existing_address_in_another_case_creates_no_account(make_user):
    make_user("taken@example.org")
    _signup(Client(), email="TAKEN@example.org")
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


def test_login_rotates_the_session_and_logout_ends_it(make_user):
    make_user("someone@example.org")
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.post(
        "/accounts/login/", {"login": "someone@example.org", "password": PASSWORD}
    )
    after = client.session.session_key
    assert after and after != before
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/ideas/mine/").status_code == 302  # back to login


def test_password_reset_mails_known_addresses_without_revealing_unknown_ones(make_user):
    make_user("known@example.org")
    known = Client().post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown = Client().post("/accounts/password/reset/", {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert any("known@example.org" in m.to for m in mail.outbox)
    assert all(
        "ghost@example.org" not in m.to for m in mail.outbox if "reset" in m.body
    )


def test_failed_logins_are_rate_limited(make_user):
    make_user("target@example.org")
    too_many = "Too many failed login attempts"
    pages = [
        Client()
        .post("/accounts/login/", {"login": "target@example.org", "password": "wrong"})
        .content.decode()
        for _ in range(5)
    ]
    assert not any(too_many in page for page in pages)
    # The sixth try is refused even with the right password (5 per 5 minutes per key).
    client = Client()
    page = client.post(
        "/accounts/login/", {"login": "target@example.org", "password": PASSWORD}
    )
    assert too_many in page.content.decode()
    assert "_auth_user_id" not in client.session


def _current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_a_person_turns_on_totp_and_then_needs_it_to_log_in(make_user):
    user = make_user("mfa@example.org")
    client = Client()
    client.post("/accounts/login/", {"login": "mfa@example.org", "password": PASSWORD})
    # A security change asks for the password again (reauthentication).
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()  # the QR code
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(
        "/accounts/2fa/totp/activate/", {"code": _current_code(secret)}
    )
    assert response.status_code == 302
    assert Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()

    fresh = Client()
    response = fresh.post(
        "/accounts/login/", {"login": "mfa@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert fresh.get("/ideas/mine/").status_code == 302  # not in yet
    bad = fresh.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert bad.status_code == 200
    assert "_auth_user_id" not in fresh.session


def test_the_profile_keeps_display_name_organisation_bio_and_skills(people, client_for):
    client = client_for("outsider")
    response = client.post(
        "/accounts/profile/",
        {
            "display_name": "Olga O.",
            "organisation": "Harbour Labs",
            "bio": "Builds things.",
            "skills": "python, Urban Design",
            "role": "staff",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=people["outsider"].pk)
    assert (user.display_name, user.organisation, user.bio) == (
        "Olga O.",
        "Harbour Labs",
        "Builds things.",
    )
    assert sorted(user.skills.names()) == ["Urban Design", "python"]
    assert user.role == Role.ENTREPRENEUR
    page = client.get("/accounts/profile/").content.decode()
    assert "Urban Design" in page


def test_an_overlong_bio_is_a_form_error(client_for):
    response = client_for("outsider").post(
        "/accounts/profile/", {"display_name": "O", "bio": "x" * 601}
    )
    assert response.status_code == 200
    assert "at most 600 characters" in response.content.decode()


def test_staff_grant_roles_in_the_app_and_it_is_audited(people, client_for):
    target = people["outsider"]
    client = client_for("staff")
    assert client.get("/people/").status_code == 200
    client.post(f"/people/{target.pk}/role/", {f"p{target.pk}-role": "reviewer"})
    target.refresh_from_db()
    assert target.role == Role.REVIEWER
    client.post(f"/people/{target.pk}/role/", {f"p{target.pk}-role": "staff"})
    target.refresh_from_db()
    assert target.role == Role.STAFF and target.is_staff
    assert target.groups.filter(name="City staff").exists()
    assert (
        Group.objects.get(name="City staff")
        .permissions.filter(codename="change_idea")
        .exists()
    )
    actions = list(
        AuditEvent.objects.filter(action="hub.set_role").values_list("data", flat=True)
    )
    assert [a["role"] for a in actions] == ["staff", "reviewer"]


def test_non_staff_cannot_grant_roles(people, client_for):
    target = people["outsider"]
    for persona in ("reviewer", "owner"):
        response = client_for(persona).post(
            f"/people/{target.pk}/role/", {f"p{target.pk}-role": "staff"}
        )
        assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.ENTREPRENEUR


def test_an_unknown_role_is_refused_with_a_message(people, client_for):
    target = people["outsider"]
    page = client_for("staff").post(
        f"/people/{target.pk}/role/", {f"p{target.pk}-role": "emperor"}, follow=True
    )
    assert "Choose one of the listed roles" in page.content.decode()
    target.refresh_from_db()
    assert target.role == Role.ENTREPRENEUR


def test_staff_grant_roles_with_the_admin_action(people, client_for):
    admin_client = client_for("staff")
    staff = people["staff"]
    staff.is_superuser = True  # the admin's changelist needs model permissions
    staff.save(update_fields=["is_superuser"])
    response = admin_client.post(
        "/admin/hub/user/",
        {"action": "make_reviewer", "_selected_action": [people["outsider"].pk]},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=people["outsider"].pk).role == Role.REVIEWER
