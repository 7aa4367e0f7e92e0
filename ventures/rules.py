"""Object permissions on ventures, as `rules` predicates.

Reading the directory and venture pages is public. The venture's team and the
city's staff record which datasets it uses and ask for new ones; only staff
create and edit ventures and triage data requests.
"""

from __future__ import annotations

from typing import Any

import rules

from hub.core.permissions import is_city_staff
from ventures.models import Venture


def is_member_of(user: Any, venture: Venture) -> bool:
    """Whether ``user`` is on the venture's team (active accounts only).

    Cached on the venture instance so one page asks the database once.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cache: dict[int, bool] = venture.__dict__.setdefault("_member_ids", {})
    if user.pk not in cache:
        cache[user.pk] = venture.members.filter(user_id=user.pk).exists()
    return cache[user.pk]


@rules.predicate
def is_venture_member(user: Any, venture: Venture) -> bool:
    return is_member_of(user, venture)


rules.add_perm("ventures.manage_venture", is_city_staff)
rules.add_perm("ventures.record_use", is_venture_member | is_city_staff)
rules.add_perm("ventures.request_data", is_venture_member | is_city_staff)
rules.add_perm("ventures.triage_requests", is_city_staff)
# Investment outcomes (ventures/funding/services.py): the team and staff record funding
# and impact; only staff verify funding and enter exchange rates. Verified
# funding is public; reported funding and notes stay with the team and staff.
rules.add_perm("ventures.record_funding", is_venture_member | is_city_staff)
rules.add_perm("ventures.see_reported_funding", is_venture_member | is_city_staff)
# The open-data return report's reported (unverified) totals add up several
# ventures' reported funding, so only staff see them; its verified totals are public.
rules.add_perm("ventures.see_reported_totals", is_city_staff)
rules.add_perm("ventures.verify_funding", is_city_staff)
rules.add_perm("ventures.record_impact", is_venture_member | is_city_staff)
rules.add_perm("ventures.set_exchange_rate", is_city_staff)
