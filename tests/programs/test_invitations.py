"""Invitations: sending, the preview, the link's every state, sign-up and
sign-in through it, and the tricks people try with it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from hub.core.models import AuditEvent, Notification, NotificationKind, User
from programs import services
from programs.models import (
    Invitation,
    InvitationStatus,
    MemberRole,
    ProgramMembership,
)
from programs.services import AddressFlag

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/invitations/([A-Za-z0-9_-]+)/)")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()  # allauth's sign-up rate limit lives in the cache
    yield
    cache.clear()


def _links(since: int) -> dict[str, str]:
    """{address: link path} from the mails sent after ``since``."""
    links = {}
    for message in mail.outbox[since:]:
        match = LINK.search(message.body)
        assert match, message.body
        links[message.to[0]] = match.group(1)
    return links


@pytest.fixture
def send(program, people, django_capture_on_commit_callbacks):
    """send(text, ...) -> {address: link path}, as "staff" (a manager)."""

    def run(text, role=MemberRole.RESIDENT, cohort=None):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            sent = services.send_invitations(
                program,
                actor=people["staff"],
                text=text,
                role=role,
                cohort=cohort,
                link_base="http://testserver/",
            )
        assert sent
        return _links(before)

    return run


def _signup(client: Client, email: str):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "display_name": "Nora Newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _is_member(program, user) -> bool:
    return ProgramMembership.objects.filter(program=program, user=user).exists()


# --------------------------------------------------------------------------------------
# The token
# --------------------------------------------------------------------------------------


def test_only_a_hash_of_the_token_is_stored(send):
    path = send("nora@example.org")["nora@example.org"]
    token = path.split("/")[2]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    invitation = Invitation.objects.get()
    assert invitation.token_hash == services.hash_token(token)
    assert token not in invitation.token_hash
    stored = " ".join(
        str(v) for v in Invitation.objects.values_list().get()
    ) + " ".join(str(e.data) for e in AuditEvent.objects.all())
    assert token not in stored


def test_the_mail_names_the_program_role_and_expiry(send, program, settings):
    send("nora@example.org", role=MemberRole.MENTOR)
    message = mail.outbox[-1]
    assert message.to == ["nora@example.org"]
    assert program.name in message.subject
    assert "Mentor" in message.body
    invitation = Invitation.objects.get()
    expected = invitation.sent_at + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    assert invitation.expires_at == expected
    assert settings.INVITATION_EXPIRY_DAYS == 14


def test_the_expiry_follows_the_setting(program, people, settings):
    settings.INVITATION_EXPIRY_DAYS = 3
    services.send_invitations(
        program,
        actor=people["staff"],
        text="a@example.org",
        role=MemberRole.RESIDENT,
        cohort=None,
        link_base="http://testserver/",
    )
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.sent_at == timedelta(days=3)


# --------------------------------------------------------------------------------------
# Accepting with an existing account
# --------------------------------------------------------------------------------------


def test_a_verified_account_accepts_once_and_is_notified(
    send, program, make_user, people, django_capture_on_commit_callbacks
):
    nora = make_user("nora@example.org")
    cohort = program.cohorts.get()
    path = send("nora@example.org", role=MemberRole.MENTOR, cohort=cohort)[
        "nora@example.org"
    ]
    client = Client()
    client.force_login(nora)
    page = client.get(path)
    assert page.status_code == 200
    assert not _is_member(program, nora)  # GET grants nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == program.get_absolute_url()
    membership = ProgramMembership.objects.get(program=program, user=nora)
    assert (membership.role, membership.cohort) == (MemberRole.MENTOR, cohort)
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == nora
    assert AuditEvent.objects.filter(action="programs.invitation_accept").count() == 1
    note = Notification.objects.get(
        recipient=nora, kind=NotificationKind.PROGRAM_JOINED
    )
    assert note.kind == NotificationKind.PROGRAM_JOINED
    assert program.name in note.text
    assert any(
        people["staff"].email in m.to and "Nora" not in m.subject for m in mail.outbox
    )
    assert client.get(program.get_absolute_url()).status_code == 200

    # Reuse: the same link again, by the same person, is "already used".
    again = client.post(path)
    assert again.status_code == 410
    assert b"already been used" in again.content
    assert ProgramMembership.objects.filter(program=program, user=nora).count() == 1


def test_a_used_link_grants_nothing_to_anyone_else(send, program, make_user):
    nora = make_user("nora@example.org")
    path = send("nora@example.org")["nora@example.org"]
    client = Client()
    client.force_login(nora)
    client.post(path)
    for person in (None, make_user("other@example.org")):
        other = Client()
        if person is not None:
            other.force_login(person)
        response = other.post(path)
        assert response.status_code in (302, 410)
        response = other.get(path)
        assert response.status_code == 410
        assert b"nora@example.org" not in response.content
    assert ProgramMembership.objects.filter(program=program).count() == 2


def test_another_account_cannot_use_the_link(send, program, make_user):
    path = send("nora@example.org")["nora@example.org"]
    mallory = make_user("mallory@example.org")
    client = Client()
    client.force_login(mallory)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        assert b"sent to another address" in response.content
        assert b"nora@example.org" not in response.content
    assert not _is_member(program, mallory)
    assert Invitation.objects.get().status == InvitationStatus.PENDING


@pytest.mark.parametrize(
    ("invited", "account"),
    [
        ("Alice@X.org", "alice@x.org"),
        ("alice@x.org", "ALICE@X.ORG"),
        ("  Alice@X.Org ", "alice@X.org"),
    ],
)
def test_the_address_matches_whatever_its_case(
    program, people, make_user, invited, account
):
    alice = make_user(account)
    invitation = services.send_invitations(
        program,
        actor=people["staff"],
        text=invited,
        role=MemberRole.RESIDENT,
        cohort=None,
        link_base="http://testserver/",
    )[0]
    assert invitation.email == invited.strip().lower()
    services.accept_invitation(invitation, user=alice)
    assert _is_member(program, alice)


@pytest.mark.parametrize(
    "account",
    [
        "alice@x.org.evil.com",
        "alice@x.org.",
        "evil-alice@x.org",
        "alice+x@x.org",
        "alice@x.or",
    ],
)
def test_a_lookalike_address_is_refused(send, program, make_user, account):
    path = send("Alice@X.org")["alice@x.org"]
    person = make_user(account)
    client = Client()
    client.force_login(person)
    assert client.post(path).status_code == 403
    assert not _is_member(program, person)


def test_an_unverified_matching_address_is_refused(send, program, make_user):
    path = send("alice@x.org")["alice@x.org"]
    person = make_user("someone@example.org")
    # alice@x.org added to the account but never confirmed.
    EmailAddress.objects.create(user=person, email="alice@x.org", verified=False)
    client = Client()
    client.force_login(person)
    assert client.post(path).status_code == 403
    assert not _is_member(program, person)
    EmailAddress.objects.filter(email="alice@x.org").update(verified=True)
    assert client.post(path).status_code == 302
    assert _is_member(program, person)


def test_a_second_verified_address_may_accept(send, program, make_user):
    person = make_user("work@example.org")
    EmailAddress.objects.create(user=person, email="home@example.org", verified=True)
    path = send("HOME@example.org")["home@example.org"]
    client = Client()
    client.force_login(person)
    assert client.post(path).status_code == 302
    assert _is_member(program, person)


def test_a_signed_out_existing_member_signs_in_and_comes_back(send, program, make_user):
    nora = make_user("nora@example.org")
    path = send("nora@example.org")["nora@example.org"]
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert f"/accounts/login/?next={path}".encode() in page.content
    refused = client.post(path)  # not signed in: to the login page, nothing granted
    assert refused.status_code == 302
    assert refused["Location"].startswith("/accounts/login/?next=")
    assert not _is_member(program, nora)
    response = client.post(
        f"/accounts/login/?next={path}",
        {"login": "nora@example.org", "password": "a-long-test-password"},
    )
    assert response.status_code == 302
    assert response["Location"] == path
    assert client.post(path).status_code == 302
    assert _is_member(program, nora)


# --------------------------------------------------------------------------------------
# Expired, revoked, resent, tampered
# --------------------------------------------------------------------------------------


def test_an_expired_link_grants_nothing(send, program, make_user):
    nora = make_user("nora@example.org")
    path = send("nora@example.org")["nora@example.org"]
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    client.force_login(nora)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert b"expired" in response.content
    assert not _is_member(program, nora)
    assert Invitation.objects.get().state == InvitationStatus.EXPIRED
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(Invitation.objects.get(), user=nora)


def test_a_revoked_link_grants_nothing_and_hides_the_address(
    send, program, make_user, people
):
    nora = make_user("nora@example.org")
    path = send("nora@example.org")["nora@example.org"]
    services.revoke_invitation(Invitation.objects.get(), actor=people["staff"])
    for person in (None, nora):
        client = Client()
        if person is not None:
            client.force_login(person)
        response = client.get(path)
        assert response.status_code == 410
        assert b"withdrawn" in response.content
        assert b"nora@example.org" not in response.content
        assert program.name.encode() not in response.content
    client.post(path)
    assert not _is_member(program, nora)
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.revoked_at is not None) == (
        InvitationStatus.REVOKED,
        True,
    )


def test_resending_kills_the_old_link(
    send, program, make_user, people, django_capture_on_commit_callbacks
):
    nora = make_user("nora@example.org")
    old = send("nora@example.org")["nora@example.org"]
    invitation = Invitation.objects.get()
    Invitation.objects.update(expires_at=timezone.now() + timedelta(hours=1))
    client = Client()
    client.force_login(people["staff"])
    with_mail = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/programs/{program.slug}/invitations/{invitation.pk}/resend/"
        )
    assert response.status_code == 302
    assert len(mail.outbox) == with_mail + 1
    new = LINK.search(mail.outbox[-1].body).group(1)
    assert new != old
    renewed = Invitation.objects.get()
    assert renewed.expires_at > timezone.now() + timedelta(days=13)
    member = Client()
    member.force_login(nora)
    assert member.get(old).status_code == 404
    assert member.post(old).status_code == 404
    assert not _is_member(program, nora)
    assert member.post(new).status_code == 302
    assert _is_member(program, nora)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.upper(),
        lambda t: "x" * 43,
        lambda t: "%00" + t,
        lambda t: "a" * 300,
    ],
)
def test_a_tampered_or_unknown_token_is_one_invalid_page(
    send, program, make_user, mangle
):
    nora = make_user("nora@example.org")
    path = send("nora@example.org")["nora@example.org"]
    token = path.split("/")[2]
    bad = f"/invitations/{mangle(token)}/"
    for person in (None, nora):
        client = Client()
        if person is not None:
            client.force_login(person)
        response = client.get(bad)
        assert response.status_code == 404
        assert b"not valid" in response.content
        assert b"nora@example.org" not in response.content
        assert program.name.encode() not in response.content
        assert client.post(bad).status_code == 404
    assert not _is_member(program, nora)


def test_two_simultaneous_accepts_make_one_member(send, program, make_user):
    nora = make_user("nora@example.org")
    send("nora@example.org")
    invitation = Invitation.objects.get()
    services.accept_invitation(invitation, user=nora)
    with pytest.raises(services.InvitationUnusable) as refusal:
        services.accept_invitation(invitation, user=nora)  # the stale copy
    assert refusal.value.reason == "used"
    assert ProgramMembership.objects.filter(program=program, user=nora).count() == 1


# --------------------------------------------------------------------------------------
# Sign-up through the link (allauth)
# --------------------------------------------------------------------------------------


def test_a_new_person_signs_up_through_the_link_verified_and_in_the_program(
    send, program
):
    path = send("Nora@Example.org")["nora@example.org"]
    client = Client()
    landing = client.get(path)
    assert landing.status_code == 200
    assert b"nora@example.org" in landing.content
    signup = client.get("/accounts/signup/")
    assert b'value="nora@example.org"' in signup.content  # prefilled
    mails_before = len(mail.outbox)
    response = _signup(client, "nora@example.org")
    assert response.status_code == 302
    assert response["Location"] == program.get_absolute_url()
    nora = User.objects.get(email="nora@example.org")
    address = EmailAddress.objects.get(user=nora)
    assert (address.email, address.verified, address.primary) == (
        "nora@example.org",
        True,
        True,
    )
    assert _is_member(program, nora)
    # No confirmation mail: the invitation link proved the address.
    assert not any("confirm" in m.body for m in mail.outbox[mails_before:])
    assert client.get(program.get_absolute_url()).status_code == 200
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    # The link is used up.
    assert Client().get(path).status_code == 410


def test_signing_up_with_another_address_verifies_nothing_and_grants_nothing(
    send, program
):
    path = send("nora@example.org")["nora@example.org"]
    client = Client()
    client.get(path)
    response = _signup(client, "someone-else@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    person = User.objects.get(email="someone-else@example.org")
    assert list(EmailAddress.objects.filter(user=person).values_list("verified")) == [
        (False,)
    ]
    assert not EmailAddress.objects.filter(email="nora@example.org").exists()
    assert not _is_member(program, person)
    assert Invitation.objects.get().status == InvitationStatus.PENDING


@pytest.mark.parametrize("what", ["expired", "revoked", "resent"])
def test_a_link_that_died_after_opening_verifies_nothing_at_sign_up(
    send, program, people, what
):
    path = send("nora@example.org")["nora@example.org"]
    client = Client()
    client.get(path)  # remembered in the session
    invitation = Invitation.objects.get()
    if what == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif what == "revoked":
        services.revoke_invitation(invitation, actor=people["staff"])
    else:
        services.resend_invitation(
            invitation, actor=people["staff"], link_base="http://testserver/"
        )
    response = _signup(client, "nora@example.org")
    assert response["Location"] == "/accounts/confirm-email/"
    nora = User.objects.get(email="nora@example.org")
    assert not EmailAddress.objects.get(user=nora).verified
    assert not _is_member(program, nora)


def test_signing_up_without_a_link_still_needs_verification(program):
    response = _signup(Client(), "nora@example.org")
    assert response["Location"] == "/accounts/confirm-email/"
    assert not EmailAddress.objects.get(email="nora@example.org").verified


# --------------------------------------------------------------------------------------
# The paste, its preview, the rate limit
# --------------------------------------------------------------------------------------


def test_the_preview_flags_each_address(program, people, make_user):
    services.send_invitations(
        program,
        actor=people["staff"],
        text="pending@example.org, old@example.org",
        role=MemberRole.RESIDENT,
        cohort=None,
        link_base="http://testserver/",
    )
    Invitation.objects.filter(email="old@example.org").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    member = people["program_member"]
    EmailAddress.objects.create(user=member, email="pia@home.example", verified=True)
    text = (
        "new@example.org; NEW@example.org\n"
        "not-an-address, Pending@example.org\n"
        f"{member.email.upper()} pia@home.example\n"
        "Old Friend <old@example.org>;;, a@b"
    )
    preview = services.preview_invitations(program, text)
    flags = [(line.given, line.email, line.flag) for line in preview.lines]
    assert flags == [
        ("new@example.org", "new@example.org", AddressFlag.VALID),
        ("NEW@example.org", "new@example.org", AddressFlag.DUPLICATE),
        ("not-an-address", "not-an-address", AddressFlag.INVALID),
        ("Pending@example.org", "pending@example.org", AddressFlag.PENDING),
        (member.email.upper(), member.email.lower(), AddressFlag.MEMBER),
        ("pia@home.example", "pia@home.example", AddressFlag.MEMBER),
        ("old@example.org", "old@example.org", AddressFlag.RENEW),
        ("a@b", "a@b", AddressFlag.INVALID),
    ]
    assert preview.to_send == ["new@example.org", "old@example.org"]


def test_the_invite_page_previews_then_sends(program, people, client_for):
    client = client_for("staff")
    url = f"/programs/{program.slug}/invitations/new/"
    data = {
        "addresses": "a@example.org, A@example.org, nope",
        "role": MemberRole.REVIEWER,
        "cohort": "",
    }
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Already earlier in the list" in body
    assert "Not a valid e-mail address" in body
    assert 'name="send"' in body
    assert Invitation.objects.count() == 0
    assert len(mail.outbox) == 0
    response = client.post(url, {**data, "send": "1"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("a@example.org", "reviewer")


def test_a_paste_with_nothing_new_is_a_clear_error(program, people, client_for):
    client = client_for("staff")
    url = f"/programs/{program.slug}/invitations/new/"
    response = client.post(
        url,
        {
            "addresses": people["program_member"].email,
            "role": MemberRole.RESIDENT,
            "send": "1",
        },
    )
    assert response.status_code == 200
    assert b"no new address" in response.content
    assert people["program_member"].email.encode() in response.content  # kept
    empty = client.post(url, {"addresses": " ,; ", "role": "resident"})
    assert b"Paste at least one" in empty.content


def test_a_cohort_of_another_program_is_refused(program, people):
    from programs.models import Cohort, Program

    other = Program.objects.create(name="Other", slug="other")
    foreign = Cohort.objects.create(program=other, name="Elsewhere")
    with pytest.raises(services.ServiceError):
        services.send_invitations(
            program,
            actor=people["staff"],
            text="a@example.org",
            role=MemberRole.RESIDENT,
            cohort=foreign,
            link_base="http://testserver/",
        )
    assert Invitation.objects.count() == 0


def test_sending_is_rate_limited_per_sender(program, people, settings, client_for):
    settings.INVITATION_RATE_LIMIT = 3
    staff = people["staff"]
    sent = services.send_invitations(
        program,
        actor=staff,
        text="a@example.org b@example.org",
        role=MemberRole.RESIDENT,
        cohort=None,
        link_base="http://testserver/",
    )
    with pytest.raises(services.RateLimited) as refusal:
        services.send_invitations(
            program,
            actor=staff,
            text="c@example.org d@example.org",
            role=MemberRole.RESIDENT,
            cohort=None,
            link_base="http://testserver/",
        )
    assert "have 1 left" in str(refusal.value)
    assert Invitation.objects.count() == 2  # all or nothing
    services.resend_invitation(sent[0], actor=staff, link_base="http://t/")
    with pytest.raises(services.RateLimited):  # resends count too
        services.resend_invitation(sent[1], actor=staff, link_base="http://t/")
    # The page says so and keeps the paste.
    response = client_for("staff").post(
        f"/programs/{program.slug}/invitations/new/",
        {"addresses": "e@example.org", "role": "resident", "send": "1"},
    )
    assert response.status_code == 200
    assert b"invitations per hour" in response.content
    assert b"e@example.org" in response.content
    # An hour later the budget is back; another manager has their own.
    AuditEvent.objects.filter(action__startswith="programs.invit").update(
        at=timezone.now() - timedelta(hours=1, seconds=1)
    )
    assert services.sent_in_last_hour(staff) == 0


def test_only_managers_and_staff_send(program, people):
    with pytest.raises(services.NotAllowed):
        services.send_invitations(
            program,
            actor=people["program_member"],
            text="a@example.org",
            role=MemberRole.RESIDENT,
            cohort=None,
            link_base="http://testserver/",
        )


def test_managers_see_each_status(program, people, client_for, make_user):
    staff = people["staff"]
    sent = services.send_invitations(
        program,
        actor=staff,
        text="p@example.org a@example.org e@example.org r@example.org",
        role=MemberRole.RESIDENT,
        cohort=None,
        link_base="http://testserver/",
    )
    by_email = {i.email: i for i in sent}
    services.accept_invitation(
        by_email["a@example.org"], user=make_user("a@example.org")
    )
    Invitation.objects.filter(email="e@example.org").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    services.revoke_invitation(by_email["r@example.org"], actor=staff)
    page = client_for("staff").get(f"/programs/{program.slug}/invitations/")
    body = page.content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>.*?</tr>", body, re.S)
    assert sorted(rows) == sorted(by_email)
    for email, status in [
        ("p@example.org", "Pending"),
        ("a@example.org", "Accepted"),
        ("e@example.org", "Expired"),
        ("r@example.org", "Revoked"),
    ]:
        row = re.search(rf"{re.escape(email)}</th>.*?</tr>", body, re.S).group(0)
        assert f"<td>{status}" in row, row
        assert ("Resend" in row) == (status in ("Pending", "Expired"))


def test_an_existing_verified_account_is_also_told_in_the_app(send, make_user):
    known = make_user("Known@City.example", name="Known Person")  # verified
    unverified = make_user("half@city.example", name="Half")
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    links = send("KNOWN@city.example\nhalf@city.example\nnew@city.example")
    assert len(links) == 3  # everyone gets the e-mail with the link
    notices = Notification.objects.filter(kind=NotificationKind.PROGRAM_INVITED)
    [notice] = notices  # only the verified existing account, in the app
    assert notice.recipient == known
    assert "known@city.example" in notice.text
    assert "/invitations/" not in notice.text + notice.url  # no token in the app
