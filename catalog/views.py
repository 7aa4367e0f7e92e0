"""The open-data catalog pages: the public dataset list and detail, and, for
staff, the catalog sources and the import page with its progress fragment."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import uuid
from contextlib import ExitStack
from typing import IO, Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from catalog.detect import FORMATS, sniff
from catalog.fetch import FetchError, check, fetch
from catalog.importer import import_catalog
from catalog.models import CatalogSource, Dataset
from catalog.queries import json_list_has
from catalog.records import CatalogError
from hub.core.http import AuthedRequest
from hub.core.permissions import require_staff

log = logging.getLogger(__name__)

DATASETS_PER_PAGE = 25
JOB_TTL = 24 * 3600  # seconds a finished import's report stays readable
MAX_REPORTED_SKIPS = 500  # skipped reasons kept in the job record


# --------------------------------------------------------------------------------------
# Public dataset pages
# --------------------------------------------------------------------------------------


class DatasetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    source = forms.TypedChoiceField(
        label=_("Catalog"), required=False, coerce=int, empty_value=None
    )
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=300)
    theme = forms.CharField(label=_("Theme"), required=False, max_length=200)
    withdrawn = forms.BooleanField(label=_("Show withdrawn datasets"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = CatalogSource.objects.order_by("name").values_list("pk", "name")
        source = cast(forms.ChoiceField, self.fields["source"])
        source.choices = [("", _("All catalogs")), *sources]

    def filter(self, qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
        data = self.cleaned_data if self.is_valid() else {}
        if not data.get("withdrawn"):
            qs = qs.filter(withdrawn=False)
        if q := (data.get("q") or "").strip():
            qs = qs.filter(
                Q(title__icontains=q)
                | Q(publisher__icontains=q)
                | json_list_has(q, "keywords", exact=False)
            )
        if data.get("source"):
            qs = qs.filter(source_id=data["source"])
        if publisher := (data.get("publisher") or "").strip():
            qs = qs.filter(publisher__iexact=publisher)
        if theme := (data.get("theme") or "").strip():
            qs = qs.filter(json_list_has(theme, "themes", exact=True))
        return qs


@require_GET
def dataset_list(request: HttpRequest) -> HttpResponse:
    form = DatasetFilterForm(request.GET or None)
    qs = form.filter(Dataset.objects.select_related("source").order_by("title", "id"))
    page = Paginator(qs, DATASETS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/list.html",
        {"form": form, "page": page, "query": params.urlencode()},
    )


@require_GET
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.select_related("source"), pk=pk)
    paragraphs = [p.strip() for p in dataset.description.split("\n\n") if p.strip()]
    return render(
        request,
        "catalog/detail.html",
        {
            "dataset": dataset,
            "paragraphs": paragraphs,
            "distributions": list(dataset.distributions.all()),
            # The ventures using it, through the reverse relation that
            # ventures.DatasetUse declares (the catalog does not import ventures).
            "uses": list(dataset.uses.with_ventures()),
        },
    )


# --------------------------------------------------------------------------------------
# Staff: catalog sources
# --------------------------------------------------------------------------------------


@login_required
@require_GET
def source_list(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
    sources = CatalogSource.objects.annotate(
        dataset_count=Count("datasets"),
        withdrawn_count=Count("datasets", filter=Q(datasets__withdrawn=True)),
    ).order_by("name")
    return render(request, "catalog/sources.html", {"sources": sources})


# --------------------------------------------------------------------------------------
# Staff: import a catalog file or URL, with progress
# --------------------------------------------------------------------------------------


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=_("Catalog file"), required=False)
    url = forms.URLField(
        label=_("or catalog URL"),
        required=False,
        max_length=2000,
        assume_scheme="https",
    )
    source = forms.CharField(
        label=_("Catalog source name"),
        required=False,
        max_length=200,
        help_text=_("Defaults to the file name or the URL. Re-imports update it."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (f, _("Detect from the content") if f == "auto" else f) for f in FORMATS
        ],
        initial="auto",
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        limit: int = settings.CATALOG_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s."),
                params={"limit": filesizeformat(limit)},
            )
        try:
            sniff(upload)
        except CatalogError as exc:
            raise forms.ValidationError(
                _("This file is not a catalog we can read: %(reason)s."),
                params={"reason": exc},
            ) from exc
        return upload

    def clean_url(self) -> str:
        url: str = self.cleaned_data.get("url") or ""
        if url and not self.cleaned_data.get("file"):  # both: clean() says so
            try:
                check(url)
            except FetchError as exc:
                raise forms.ValidationError(
                    _("This URL cannot be imported: %(reason)s."),
                    params={"reason": exc},
                ) from exc
        return url

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Upload a file or give a URL (one of them)."))
        return data


def _job_key(job: str) -> str:
    return f"catalog-import:{job}"


def _set_job(job: str, **fields: Any) -> None:
    record = cache.get(_job_key(job)) or {}
    record.update(fields)
    cache.set(_job_key(job), record, JOB_TTL)


def _run_import(
    job: str, *, source: str, fmt: str, path: str | None, url: str | None, location: str
) -> None:
    """Run one import job and record its outcome in the cache. Never raises: a
    failure is the job's state, and the import's transaction kept nothing."""
    _set_job(job, state="running")
    try:
        with ExitStack() as stack:
            stream: IO[bytes]
            if url:
                stream = stack.enter_context(fetch(url))
            else:
                stream = stack.enter_context(open(path or "", "rb"))  # noqa: SIM115
            summary = import_catalog(
                source,
                stream,
                fmt,
                location=location,
                progress=lambda n: _set_job(job, processed=n),
            )
        _set_job(
            job,
            state="done",
            line=summary.line(),
            counts=summary.counts(),
            skipped=summary.skipped_reasons[:MAX_REPORTED_SKIPS],
        )
    except CatalogError as exc:
        _set_job(job, state="failed", error=str(exc))
    except Exception:
        log.exception("catalog import %s failed", job)
        _set_job(job, state="failed", error=str(_("an unexpected error; see the log")))
    finally:
        if path:
            os.unlink(path)


def _background(job: str, **kwargs: Any) -> None:
    try:
        _run_import(job, **kwargs)
    finally:
        connections.close_all()  # this thread's own connections


def start_import(
    *, source: str, fmt: str, path: str | None, url: str | None, location: str
) -> str:
    """Start an import job and return its id.

    The job runs in a thread of the web process (inline when
    ``CATALOG_IMPORT_IN_BACKGROUND`` is off). That is fine for the embedded
    setup this hub targets: no worker or broker to run, and imports are rare,
    staff-only and one transaction each. The cost: a restart mid-import loses
    the job (the transaction rolls back, so nothing half-done remains; staff
    start it again), and a big import holds a thread and some memory of the web
    process. The job's state and progress live in the Django cache, not in the
    thread, so with Redis any process can report them; with the local-memory
    cache only the process that started the job can.
    """
    job = uuid.uuid4().hex
    _set_job(job, state="queued", processed=0, source=source, error="", line="")
    kwargs: dict[str, Any] = {
        "source": source,
        "fmt": fmt,
        "path": path,
        "url": url,
        "location": location,
    }
    if settings.CATALOG_IMPORT_IN_BACKGROUND:
        threading.Thread(
            target=_background, args=(job,), kwargs=kwargs, daemon=True
        ).start()
    else:
        _run_import(job, **kwargs)
    return job


def _keep_upload(upload: Any) -> str:
    """Copy the upload somewhere that outlives the request; the job deletes it."""
    with tempfile.NamedTemporaryFile(
        prefix="catalog-", suffix=".upload", delete=False
    ) as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, 1024 * 1024)
        return copy.name


@login_required
@require_http_methods(["GET", "POST"])
def catalog_import(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
    if request.method == "POST":
        form = CatalogImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload, url = data["file"], data["url"]
            default_name = upload.name if upload else url.split("?")[0]
            job = start_import(
                source=(data["source"].strip() or default_name)[:200],
                fmt=data["format"] or "auto",
                path=_keep_upload(upload) if upload else None,
                url=url or None,
                location=upload.name if upload else url,
            )
            return redirect(f"{reverse('catalog-import')}?job={job}")
    else:
        form = CatalogImportForm()
    job = request.GET.get("job", "")
    status = cache.get(_job_key(job)) if job else None
    return render(
        request,
        "catalog/import.html",
        {"form": form, "job": job if status else "", "status": status},
    )


@login_required
@require_GET
def catalog_import_status(request: AuthedRequest, job: str) -> HttpResponse:
    require_staff(request.user)
    status = cache.get(_job_key(job))
    if status is None:
        raise Http404(_("No such import."))
    return render(
        request,
        "catalog/_import_status.html",
        {"job": job, "status": status},
    )
