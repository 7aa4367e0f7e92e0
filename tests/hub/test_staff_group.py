"""The "City staff" admin group grants the same rights across the app layout.

Permissions are granted by app label, so moving a model between apps (the
catalog out of ventures, the plans' documents out of realtime) could silently
take rights away from staff, or hand out new ones. The expected set is the one
the group had before the move, with the moved models under their new labels.
"""

from __future__ import annotations

import pytest

from hub.core.services import staff_group

pytestmark = pytest.mark.django_db

FULL = ("add", "change", "delete", "view")
EXPECTED = {
    ("hub", "auditevent"): ("view",),
    ("hub", "user"): ("view",),
    **{
        ("ideas", model): FULL
        for model in (
            "businessplan",
            "comment",
            "idea",
            "planversion",
            "stagechange",
            "teammembership",
        )
    },
    **{("taggit", model): FULL for model in ("tag", "taggeditem")},
    **{
        ("catalog", model): FULL
        for model in ("catalogsource", "dataset", "distribution")
    },
    **{
        ("ventures", model): FULL
        for model in (
            "datarequest",
            "datasetuse",
            "exchangerate",
            "externalreference",
            "fundingevent",
            "impactsnapshot",
            "venture",
            "venturemember",
        )
    },
}


def test_the_staff_group_grants_what_it_did_before_the_layout_moved_models():
    granted: dict[tuple[str, str], set[str]] = {}
    for perm in staff_group().permissions.select_related("content_type"):
        key = (perm.content_type.app_label, perm.content_type.model)
        granted.setdefault(key, set()).add(perm.codename.split("_", 1)[0])
    assert granted == {key: set(actions) for key, actions in EXPECTED.items()}
