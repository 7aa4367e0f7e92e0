"""The staff download of the full export."""

from __future__ import annotations

import tempfile
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.core import audit
from hub.core.models import User
from hub.core.permissions import require
from hub.export.writer import write_export

DOWNLOAD_ACTION = "hub.export_download"


@transaction.atomic
def record_download(actor: User) -> None:
    """Write who is downloading the export; only city staff may.

    Committed before the export is built, so even a download that fails or is
    abandoned is on record (and the export includes its own audit row).
    """
    require(
        actor,
        "hub.export_data",
        None,
        _("Only city staff can download the full export."),
    )
    audit.record(DOWNLOAD_ACTION, actor=actor)


def export_for_download(actor: User) -> tuple[IO[bytes], str]:
    """The full export in an anonymous temporary file (deleted when closed),
    rewound, and the file name to offer."""
    record_download(actor)
    # Not a context manager: the FileResponse closes (and so deletes) it.
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115
    try:
        write_export(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle, f"clusterhub-export-{timezone.now():%Y%m%d-%H%M%S}.zip"
