"""The API token page: create, see the key once, regenerate, revoke; and the
token then authenticating (or no longer authenticating) API calls."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api import services
from hub.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-token/"


def _ask(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.post("/api/v1/ventures/", {"name": "By token"}, format="json")


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_create_shows_the_key_once(client_for, people):
    client = client_for("staff")
    page = client.get(PAGE)
    assert "You have no API token." in page.content.decode()
    response = client.post(PAGE, {"action": "create"})
    assert response.status_code == 302 and response["Location"] == PAGE
    response = client.get(PAGE)
    token = Token.objects.get(user=people["staff"])
    body = response.content.decode()
    assert token.key in body
    assert f"Authorization: Token {token.key}" in body  # the curl example
    assert "no-store" in response["Cache-Control"]
    again = client.get(PAGE).content.decode()
    assert token.key not in again
    assert "You have a token" in again
    assert _ask(token.key).status_code == 201
    event = AuditEvent.objects.get(action="api.token_issue")
    assert event.data == {"replaced": False}
    assert token.key not in str(event.data)


def test_regenerating_stops_the_old_key(client_for, people):
    client = client_for("staff")
    client.post(PAGE, {"action": "create"})
    old = Token.objects.get(user=people["staff"]).key
    response = client.post(PAGE, {"action": "create"}, follow=True)
    new = Token.objects.get(user=people["staff"]).key
    assert new != old and new in response.content.decode()
    assert _ask(old).status_code == 401
    assert _ask(new).status_code == 201
    assert AuditEvent.objects.filter(
        action="api.token_issue", data__replaced=True
    ).exists()


def test_revoking_stops_the_key(client_for, people):
    client = client_for("owner")
    client.post(PAGE, {"action": "create"})
    key = Token.objects.get(user=people["owner"]).key
    response = client.post(PAGE, {"action": "revoke"}, follow=True)
    assert "Your API token is revoked." in response.content.decode()
    assert not Token.objects.filter(user=people["owner"]).exists()
    assert _ask(key).status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoke").count() == 1
    # Revoking again changes nothing and records nothing.
    client.post(PAGE, {"action": "revoke"})
    assert AuditEvent.objects.filter(action="api.token_revoke").count() == 1


def test_an_unknown_action_changes_nothing(client_for, people):
    response = client_for("owner").post(PAGE, {"action": "steal"}, follow=True)
    assert "Choose to create or to revoke the token." in response.content.decode()
    assert not Token.objects.exists()


def test_nobody_manages_someone_elses_token(people):
    with pytest.raises(PermissionDenied):
        services.issue_token(people["owner"], actor=people["outsider"])
    Token.objects.create(user=people["owner"])
    with pytest.raises(PermissionDenied):
        services.revoke_token(people["owner"], actor=people["staff"])
    assert Token.objects.filter(user=people["owner"]).exists()


def test_the_profile_links_the_token_page(client_for):
    assert PAGE in client_for("owner").get("/accounts/profile/").content.decode()


def test_the_page_with_a_new_key_passes_the_accessibility_audit(client_for):
    from tests.support.accessibility import audit

    client = client_for("owner")
    body = client.post(PAGE, {"action": "create"}, follow=True).content.decode()
    assert "Your new token" in body
    assert audit(body) == []


def test_the_admin_does_not_list_token_keys():
    from django.contrib import admin
    from rest_framework.authtoken.models import TokenProxy

    assert not admin.site.is_registered(TokenProxy)
