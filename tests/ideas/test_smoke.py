from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_public_list_renders_for_anonymous(client):
    response = client.get("/ideas/")
    assert response.status_code == 200
    assert b"<h1>Ideas</h1>" in response.content
