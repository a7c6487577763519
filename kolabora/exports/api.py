"""Exports for partner systems and scripts: the same file as the export page, streamed.

``GET /api/v1/exports/participants?format=csv|xlsx&tables=…&region=…&stage=…&status=…&entry_track=…&sector=…
&registered_from=…&registered_to=…`` answers with the file (CSV: one table; xlsx: one sheet per table), scoped
by the access gate like the page, NIK masked unless the caller's role needs it, audited when the stream
ends. Filters that are not valid are refused with 422 and a message per field before anything is written.
``GET /api/v1/exports/tables`` lists the tables the caller may export and their columns.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action

from .forms import ExportForm, form_errors
from .registry import tables_for
from .services import ExportRequest, ExportStream
from .views import streaming_response

router = Router(tags=["exports"])


class ExportQuery(Schema):
    format: str = "xlsx"
    tables: str = ""
    region: str = ""
    stage: str = ""
    status: str = ""
    entry_track: str = ""
    sector: str = ""
    registered_from: str = ""
    registered_to: str = ""


class ColumnOut(Schema):
    name: str
    label: str
    kind: str


class TableOut(Schema):
    key: str
    title: str
    stage: str
    category: str
    columns: list[ColumnOut]


@router.get("/exports/tables", response={200: list[TableOut], **ERRORS})
def export_tables(request: HttpRequest) -> list[TableOut]:
    """The tables the caller may export, with each column's machine name, meaning and kind."""
    if not access.can(request.user, Action.PARTICIPANT_EXPORT):
        raise PermissionDenied
    return [
        TableOut(
            key=t.key,
            title=str(t.title),
            stage=t.stage,
            category=t.category,
            columns=[ColumnOut(name=c.name, label=str(c.label), kind=c.kind) for c in t.all_columns],
        )
        for t in tables_for(request.user)
    ]


@router.get("/exports/participants", response={200: None, **ERRORS})
def export_participants(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    """The participants the caller may export, with the chosen tables, as a streamed CSV or xlsx file.

    ``tables`` is a comma-separated list (or repeated); by default all tables in xlsx, ``participants`` in
    CSV. The audit row is written when the download ends, complete or not.
    """
    user = request.user
    if not access.can(user, Action.PARTICIPANT_EXPORT):
        raise PermissionDenied
    data = query.dict()
    data["tables"] = request.GET.getlist("tables")
    form = ExportForm(data, user=user)
    if not form.is_valid():
        raise ApiError(422, _("The export's filters are not valid."), form_errors(form))
    stream = ExportStream(
        ExportRequest(
            user=user,
            actor=user,  # type: ignore[arg-type]
            filters=form.filters(),
            tables=tuple(form.chosen_tables()),
            format=form.cleaned_data["format"],
            via="api",
        )
    )
    return streaming_response(stream)
