"""Only safe links on venture pages and where venture URLs enter (issue 13).

The venture page (website), its funding section and the staff verify queue
(evidence URL) link none of the hostile corpus even for rows written past
every check; the venture form, the funding form and the API refuse what is
not an http(s) link; directory imports drop such websites and count them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hub.core.safelinks import safe_link
from tests.support.builders import make_venture
from tests.support.hostile_urls import HOSTILE, SAFE, STORABLE, bad_links
from ventures.directory.records import Directory, website_of
from ventures.forms import VentureForm
from ventures.funding.forms import FundingEventForm
from ventures.models import FundingEvent, Venture

pytestmark = pytest.mark.django_db


@pytest.fixture
def venture(people):
    return make_venture(founder=people["owner"])


@pytest.mark.parametrize("url", STORABLE)
def test_the_venture_page_links_no_hostile_website(client_for, venture, url):
    Venture.objects.filter(pk=venture.pk).update(website=url)
    FundingEvent.objects.create(
        venture=venture,
        kind="grant",
        amount=Decimal("10"),
        currency="EUR",
        date=datetime.date(2024, 1, 1),
        evidence_url=url,
    )
    for persona in ("anonymous", "owner", "staff"):
        page = client_for(persona).get(venture.get_absolute_url())
        assert page.status_code == 200
        assert bad_links(page.content.decode()) == [], persona
    queue = client_for("staff").get(reverse("funding-verify-queue"))
    assert queue.status_code == 200
    assert bad_links(queue.content.decode()) == []
    if url in SAFE:
        body = client_for("owner").get(venture.get_absolute_url()).content.decode()
        assert f'href="{safe_link(url).replace("&", "&amp;")}"' in body


@pytest.mark.parametrize("url", HOSTILE)
def test_the_forms_keep_no_hostile_url_as_a_link(url):
    form = VentureForm(data={"name": "V", "website": url})
    form.is_valid()
    if "website" not in form.errors:  # "//host" becomes https://host: a web link
        assert safe_link(form.cleaned_data["website"]), url
    evidence = FundingEventForm(
        data={
            "kind": "grant",
            "currency": "EUR",
            "date": "2024-01-01",
            "evidence_url": url,
        }
    )
    evidence.is_valid()
    if "evidence_url" not in evidence.errors:
        assert safe_link(evidence.cleaned_data["evidence_url"])


@pytest.mark.parametrize("url", HOSTILE)
def test_the_api_refuses_a_url_that_is_not_a_web_link(people, venture, url):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=people["staff"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/v1/ventures/", {"name": "X", "website": url}, format="json"
    )
    assert response.status_code == 400 and "website" in response.json(), url
    response = client.post(
        "/api/v1/funding-events/",
        {
            "venture": venture.pk,
            "kind": "grant",
            "currency": "EUR",
            "date": "2024-01-01",
            "evidence_url": url,
        },
        format="json",
    )
    assert response.status_code == 400 and "evidence_url" in response.json(), url
    assert not FundingEvent.objects.exists()


@pytest.mark.parametrize("url", HOSTILE)
def test_a_directory_drops_a_hostile_website_and_counts_it(url):
    directory = Directory(source="t", catalog_name="t", location="", snapshot_prefix="")
    assert directory.website(url) == "" or safe_link(directory.website(url))
    assert website_of(url) == "" or safe_link(website_of(url))
    for control in SAFE:
        assert directory.website(control) == control.strip()


def test_a_directory_counts_each_website_it_drops():
    directory = Directory(source="t", catalog_name="t", location="", snapshot_prefix="")
    kept = [directory.website(url) for url in [*HOSTILE, *SAFE, "", None]]
    assert directory.unlinked_urls == sum(1 for url in kept[: len(HOSTILE)] if not url)
    assert all(safe_link(url) for url in kept if url)
