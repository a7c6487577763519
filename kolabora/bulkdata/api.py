"""Imports for partner systems: upload a file (multipart) to start one, follow it, fetch its report."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from kolabora.api.schemas import ERRORS
from kolabora.core import access

from . import selectors, services
from .choices import ImportStatus
from .models import ImportJob

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["imports"])


class ProgressOut(Schema):
    rows_done: int
    rows_total: int | None
    percent: int


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    flagged: int


class ImportOut(Schema):
    id: int
    status: str
    status_label: str
    file_name: str
    format: str
    dry_run: bool
    progress: ProgressOut
    counts: CountsOut
    error: str
    report_url: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _out(request: HttpRequest, job: ImportJob) -> ImportOut:
    return ImportOut(
        id=job.pk,
        status=job.status,
        status_label=str(ImportStatus(job.status).label),
        file_name=job.file_name,
        format=job.format,
        dry_run=job.dry_run,
        progress=ProgressOut(rows_done=job.rows_done, rows_total=job.rows_total, percent=job.percent),
        counts=CountsOut(
            created=job.created_count,
            updated=job.updated_count,
            unchanged=job.unchanged_count,
            rejected=job.rejected_count,
            flagged=job.flagged_count,
        ),
        error=job.error,
        report_url=request.build_absolute_uri(reverse("api:get_import_report", args=[job.pk]))
        if job.rejected_count
        else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


@router.post("/imports", response={202: ImportOut, **ERRORS})
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    mapping: Form[str] = "",
    mapping_name: Form[str] = "",
    programme: Form[str] = "",
    dry_run: Form[bool] = False,
) -> Status[ImportOut]:
    """Start importing participants from an xlsx or CSV file (multipart ``file``).

    A file with the template's header is imported as it is; any other needs ``mapping``, a JSON object
    of field → column name (``{"nik": "NIK", "full_name": "Nama Lengkap", …}``), or ``mapping_name``, a
    mapping saved on the import page. ``dry_run`` checks without saving. Answers 202 with the job; follow
    it at ``GET /imports/{id}``.
    """
    user = _user(request)
    if not access.can_import(user):
        raise PermissionDenied
    columns: dict[str, str] | None = None
    if mapping:
        try:
            parsed = json.loads(mapping)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ValidationError({"mapping": _("Send the mapping as a JSON object of field → column name.")})
        columns = {str(k): str(v) for k, v in parsed.items()}
    elif mapping_name:
        saved = selectors.mapping_list(user=user).filter(name=mapping_name).first()
        if saved is None:
            raise ValidationError(
                {"mapping_name": _("There is no saved mapping named “%(name)s”.") % {"name": mapping_name}}
            )
        columns = dict(saved.columns)
    job = services.import_job_create(
        upload=file,
        actor=user,
        programme=programme,
        dry_run=dry_run,
        columns=columns,
        channel="api",
        mapping_step=False,
    )
    return Status(202, _out(request, job))


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS})
def get_import(request: HttpRequest, import_id: int) -> ImportOut:
    """An import's status, progress, counts and, when rows were rejected, where its report is."""
    return _out(request, selectors.import_job_get(user=request.user, pk=import_id))


@router.get("/imports/{import_id}/report", response={200: None, **ERRORS})
def get_import_report(request: HttpRequest, import_id: int) -> StreamingHttpResponse:
    """The rejected rows as CSV (row, column, value, reason), for whoever started the import."""
    job = selectors.import_job_get(user=request.user, pk=import_id)
    response = StreamingHttpResponse(selectors.report_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="impor-{job.pk}-ditolak.csv"'
    return response
