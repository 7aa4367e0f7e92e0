"""The floor view: /healthz/ answers "ok" without touching the database."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "staff"])
def test_it_answers_ok_as_plain_text_with_no_query(
    client_for, persona, django_assert_num_queries
):
    client = client_for(persona)
    with django_assert_num_queries(0):  # no session, user or data read
        response = client.get(reverse("hub-health"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


def test_it_answers_head_and_refuses_post(client):
    assert client.head(reverse("hub-health")).status_code == 200
    assert client.post(reverse("hub-health")).status_code == 405
