"""The outcomes dashboard and its CSV downloads run a constant number of
queries, whatever the number of ventures, events, snapshots and requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.outcomes_views import CHARTS
from tests.reports.outcomes_world import RANGE, build_world, grow

pytestmark = pytest.mark.django_db

#: The page's queries:
#: 1. the session, 2. the user (authentication),
#: 3. the currencies present in funding events (the currency selector),
#: 4. funding per period, kind and status in the chosen currency (both
#:    investment charts), 5. jobs at every period's end (one aggregate),
#: 6. ventures per status, 7. the dataset leaderboards and 8. the publisher
#:    leaderboards (the open-data return report's rows, ranked by ventures and
#:    by verified investment, top rows only), 9. data requests per normalized
#:    title, 10. per-currency totals (what the chosen currency leaves out),
#:    11. the unread-notification count in the page header, and 12.-13. the
#:    data version the currencies and the figures are cached under
#:    (reports/figures.py).
PAGE_QUERIES = 13
#: Again, the figures from the cache: session, user, the data version twice,
#: the bell.
CACHED_PAGE_QUERIES = 5
#: A CSV: session, user, currencies and their data version, then its chart's
#: one query.
CSV_QUERIES = 5


@pytest.fixture(autouse=True)
def _base_currency(settings):
    settings.BASE_CURRENCY = "USD"


@pytest.mark.parametrize("extra", [0, 12])
def test_the_page_runs_a_constant_number_of_queries(
    client_for, django_assert_num_queries, extra
):
    build_world()
    grow(extra)
    staff = client_for("staff")
    with django_assert_num_queries(PAGE_QUERIES):
        response = staff.get(reverse("dashboards-outcomes"), RANGE)
    assert response.status_code == 200
    assert response.context["charts"]["jobs"].series[0].values[-1] == 21 + 2 * extra
    with django_assert_num_queries(CACHED_PAGE_QUERIES):
        again = staff.get(reverse("dashboards-outcomes"), RANGE)
    assert again.context["charts"]["jobs"].series[0].values[-1] == 21 + 2 * extra


@pytest.mark.parametrize("extra", [0, 12])
@pytest.mark.parametrize("slug", list(CHARTS))
def test_each_csv_runs_a_constant_number_of_queries(
    client_for, django_assert_num_queries, extra, slug
):
    build_world()
    grow(extra)
    staff = client_for("staff")
    with django_assert_num_queries(CSV_QUERIES):
        response = staff.get(reverse("dashboards-outcomes-csv", args=[slug]), RANGE)
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body.count(b"\n") > 1
