"""Templated mail: one-line subjects, absolute links, sent only on commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from hub.core.mail import absolute_url, render_mail, send_templated_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_paths_become_links_on_the_site_url(settings):
    settings.SITE_URL = "https://hub.city.example/"
    assert absolute_url("/ideas/3/") == "https://hub.city.example/ideas/3/"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert absolute_url("//evil.example/x") == "//evil.example/x"  # not a path


def test_a_reminder_mail_carries_an_absolute_link(settings):
    settings.SITE_URL = "https://hub.city.example"
    subject, body = render_mail(
        "challenges/mail/review_assigned",
        {
            "reviewer": None,
            "idea": type("I", (), {"title": "Bus stops\nthat talk"})(),
            "url": "/reviews/7/",
        },
    )
    assert "\n" not in subject
    assert "https://hub.city.example/reviews/7/" in body


def test_mail_leaves_only_when_the_transaction_commits():
    context = {"idea": type("I", (), {"title": "T"})(), "url": "/x/"}
    with transaction.atomic():
        send_templated_mail(
            "challenges/mail/review_assigned", ["a@x.org", "b@x.org"], context
        )
        assert mail.outbox == []
    assert sorted(m.to[0] for m in mail.outbox) == ["a@x.org", "b@x.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others

    with pytest.raises(RuntimeError), transaction.atomic():
        send_templated_mail("challenges/mail/review_assigned", ["c@x.org"], context)
        raise RuntimeError("rolled back")
    assert len(mail.outbox) == 2
