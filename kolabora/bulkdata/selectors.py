"""Reads for imports: a person's jobs, one job (authorised), the saved mappings they may use, the
rejection report, and a few sample rows of a file for the column-mapping step."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kolabora.core import access

from . import fields, sources
from .models import ColumnMapping, ImportJob, ImportRejection
from .sources import SourceInfo, SourceRefused


def import_job_list(*, user: Any) -> QuerySet[ImportJob]:
    return access.scope_imports(
        user, ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")
    )


def import_job_get(*, user: Any, pk: int) -> ImportJob:
    """The job, for its owner or an administrator (404 when absent, 403 when not allowed)."""
    job = ImportJob.objects.select_related("created_by", "programme").filter(pk=pk).first()
    if job is None:
        raise Http404
    if not access.can_view_import(user, job):
        raise access.PermissionDenied
    return job


def mapping_list(*, user: Any) -> QuerySet[ColumnMapping]:
    return access.scope_column_mappings(
        user, ColumnMapping.objects.select_related("organisation").order_by("name")
    )


def rejection_list(*, job: ImportJob, limit: int = 50) -> list[ImportRejection]:
    return list(job.rejections.order_by("row_number", "id")[:limit])


def report_header() -> list[str]:
    return [_("row"), _("column"), _("value"), _("reason")]


def report_lines(job: ImportJob) -> Iterator[str]:
    """The rejection report as CSV lines (UTF-8 with a byte-order mark so Excel reads it as such)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate(0)
        writer.writerow(values)
        return buffer.getvalue()

    yield "\ufeff" + line(report_header())
    rows = (
        ImportRejection.objects.filter(job=job)
        .order_by("row_number", "id")
        .values_list("row_number", "column", "value", "message")
    )
    for row in rows.iterator(chunk_size=2000):
        yield line(list(row))


def sample_rows(job: ImportJob, n: int = 3) -> list[list[str]]:
    """The first ``n`` data rows of the job's file as text (for the column-mapping step)."""
    from .services import _open_file

    info = SourceInfo(
        format=job.format,
        header=list(job.header),
        encoding=job.encoding,
        delimiter=job.delimiter,
        date1904=job.date1904,
    )
    out: list[list[str]] = []
    try:
        with _open_file(job) as stream:
            for row in sources.rows(stream, info):
                out.append([fields.text(c) for c in row.cells])
                if len(out) >= n:
                    break
    except SourceRefused:
        pass
    return out
