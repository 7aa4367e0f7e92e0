"""The staff page that explains the full export and streams it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hub.core.http import AuthedRequest
from hub.core.models import AuditEvent
from hub.core.permissions import STAFF_ONLY, require
from hub.export import ExportError
from hub.export.services import DOWNLOAD_ACTION, export_for_download

#: How many past downloads the page lists.
RECENT_DOWNLOADS = 10


@login_required
@require_GET
def export_page(request: AuthedRequest) -> HttpResponseBase:
    """The explanation and the download button; ``?download=1`` streams the zip
    (a GET, so the browser saves it; the download is audited)."""
    require(request.user, "hub.export_data", None, STAFF_ONLY)
    if request.GET.get("download") == "1":
        try:
            handle, filename = export_for_download(request.user)
        except ExportError as exc:
            messages.error(
                request,
                _("The export could not be written: %(reason)s") % {"reason": exc},
            )
            return redirect("hub-export")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=filename,
            content_type="application/zip",
        )
    recent = list(
        AuditEvent.objects.filter(action=DOWNLOAD_ACTION)
        .select_related("actor")
        .order_by("-at", "-id")[:RECENT_DOWNLOADS]
    )
    return render(request, "hub/export.html", {"recent": recent})
