"""The notifications page, the bell and marking notifications read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hub.core.models import Notification, NotificationKind
from hub.core.notifications import notify
from ideas import services
from ideas.stages import Stage
from tests.support.accessibility import audit

pytestmark = pytest.mark.django_db


def _notices(user, n, *, read=False, url="/ideas/"):
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=NotificationKind.COMMENT,
            text=f"Notice {i}",
            url=url,
            read_at=now if read else None,
        )
        for i in range(n)
    )
    # Spread them in time so "newest first" is observable.
    for i, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(
            created_at=now - timedelta(minutes=n - i)
        )
    return rows


def _bell_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "hub_notification" in q["sql"]]


# --- the list -------------------------------------------------------------------


def test_the_list_shows_ones_own_notifications_newest_first(people, client_for):
    _notices(people["owner"], 3)
    _notices(people["editor"], 2)
    response = client_for("owner").get(reverse("hub-notifications"))
    assert response.status_code == 200
    texts = [n.text for n in response.context["page"].object_list]
    assert texts == ["Notice 2", "Notice 1", "Notice 0"]
    assert "Notice" in response.content.decode()


def test_the_list_paginates(people, client_for):
    _notices(people["owner"], 25)
    client = client_for("owner")
    first = client.get(reverse("hub-notifications"))
    second = client.get(reverse("hub-notifications"), {"page": 2})
    assert len(first.context["page"].object_list) == 20
    assert [n.text for n in second.context["page"].object_list][-1] == "Notice 0"
    assert "?page=2" in first.content.decode()


def test_an_empty_list_says_so_and_offers_no_mark_all_button(client_for):
    body = client_for("owner").get(reverse("hub-notifications")).content.decode()
    assert "No notifications yet" in body
    assert "Mark all as read" not in body


@pytest.mark.parametrize("size", [5, 60])
def test_the_list_runs_a_constant_number_of_queries(
    size, people, client_for, django_assert_num_queries
):
    _notices(people["owner"], size)
    client = client_for("owner")
    # session, user, the bell's unread count, COUNT for the paginator, the page
    with django_assert_num_queries(5):
        response = client.get(reverse("hub-notifications"))
    assert response.context["page"].paginator.count == size


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("hub-notifications", "hub-notifications-badge"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- the bell -------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(people, client_for):
    _notices(people["owner"], 3)
    _notices(people["owner"], 2, read=True)
    body = client_for("owner").get(reverse("ideas-list")).content.decode()
    assert 'id="notification-bell"' in body
    assert 'data-live-url="/ws/notifications/"' in body
    assert '<span class="badge" aria-hidden="true">3</span>' in body
    assert '<span class="visually-hidden">, 3 unread</span>' in body


def test_the_bell_has_no_badge_without_unread_notifications(people, client_for):
    _notices(people["owner"], 2, read=True)
    body = client_for("owner").get(reverse("ideas-list")).content.decode()
    assert 'id="notification-bell"' in body
    assert 'class="badge"' not in body
    assert "unread</span>" not in body


def test_a_big_count_is_shortened(people, client_for):
    _notices(people["owner"], 120)
    body = client_for("owner").get(reverse("hub-landing")).content.decode()
    assert '<span class="badge" aria-hidden="true">99+</span>' in body
    assert "120 unread" in body


def test_anonymous_visitors_have_no_bell(client):
    body = client.get(reverse("ideas-list")).content.decode()
    assert "notification-bell" not in body
    assert "/ws/notifications/" not in body


@pytest.mark.parametrize("url_name", ["ideas-list", "hub-notifications"])
def test_the_bell_costs_exactly_one_query_per_page(people, client_for, url_name):
    _notices(people["owner"], 4)
    client = client_for("owner")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    counts = [sql for sql in _bell_queries(queries) if "COUNT(" in sql.upper()]
    expected = 2 if url_name == "hub-notifications" else 1  # + the paginator
    assert len(counts) == expected, counts


def test_the_badge_fragment_is_the_bell_alone(
    people, client_for, django_assert_num_queries
):
    _notices(people["owner"], 2)
    client = client_for("owner")
    with django_assert_num_queries(3):  # session, user, unread count
        response = client.get(reverse("hub-notifications-badge"))
    body = response.content.decode()
    assert body.lstrip().startswith('<span id="notification-bell"')
    assert "<html" not in body
    assert ", 2 unread" in body
    assert 'data-live-announce="2 unread notifications"' in body
    assert audit(body, fragment=True) == []


def test_services_ring_the_bell_of_the_right_people(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    services.add_comment(idea, author=people["editor"], body="Hello @Owen Owner")
    owner = client_for("owner").get(reverse("hub-notifications"))
    kinds = sorted(n.kind for n in owner.context["page"].object_list)
    assert kinds == [NotificationKind.COMMENT, NotificationKind.MENTION]
    editor = client_for("editor").get(reverse("hub-notifications"))
    assert list(editor.context["page"].object_list) == []  # the author


# --- marking read ---------------------------------------------------------------


def test_mark_all_as_read_touches_only_ones_own(people, client_for, monkeypatch):
    rung = []
    monkeypatch.setattr("hub.core.broadcast.events.notify", rung.append)
    _notices(people["owner"], 3)
    theirs = _notices(people["editor"], 2)
    response = client_for("owner").post(reverse("hub-notifications-read-all"))
    assert response.status_code == 302
    assert response["Location"] == reverse("hub-notifications")
    assert not Notification.objects.filter(
        recipient=people["owner"], read_at__isnull=True
    ).exists()
    assert (
        Notification.objects.filter(
            pk__in=[n.pk for n in theirs], read_at__isnull=True
        ).count()
        == 2
    )
    assert rung == [people["owner"].pk]  # the owner's other tabs update


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    people, team_idea, client_for
):
    idea = team_idea(stage=Stage.PROPOSED)
    notify(
        [people["owner"]],
        NotificationKind.STAGE_CHANGED,
        actor=people["staff"],
        text="Moved",
        url=idea.get_absolute_url(),
    )
    notice = Notification.objects.get(recipient=people["owner"])
    response = client_for("owner").post(
        reverse("hub-notifications-open", args=[notice.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_someone_elses_notification_is_not_found(people, client_for):
    [theirs] = _notices(people["editor"], 1)
    response = client_for("owner").post(
        reverse("hub-notifications-open", args=[theirs.pk])
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_is_a_post(people, client_for):
    [mine] = _notices(people["owner"], 1)
    path = reverse("hub-notifications-open", args=[mine.pk])
    assert client_for("owner").get(path).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_foreign_link_is_never_followed(people, client_for):
    [odd] = _notices(people["owner"], 1, url="https://evil.example/phish")
    response = client_for("owner").post(
        reverse("hub-notifications-open", args=[odd.pk])
    )
    assert response["Location"] == reverse("hub-notifications")


def test_opening_twice_keeps_the_first_read_time(people, client_for):
    [mine] = _notices(people["owner"], 1)
    client = client_for("owner")
    path = reverse("hub-notifications-open", args=[mine.pk])
    client.post(path)
    mine.refresh_from_db()
    first = mine.read_at
    client.post(path)
    mine.refresh_from_db()
    assert mine.read_at == first
