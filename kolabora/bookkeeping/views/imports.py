"""Importing an exported cash book: upload → columns → preview (with categories) → import → report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest

from .. import selectors, services
from ..choices import ImportStatus
from ..forms import CategoryMapForm, ImportUploadForm, MappingForm
from ..models import CashCategory, ImportBatch
from ..parsing import Mapping, Reject, cell_text, column_letter, reject_reason
from ..services.imports import batch_mapping, batch_table
from .common import book_context

PREVIEW_ROWS = 20
REJECTS_SHOWN = 200
RAW_ROWS = 8


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedHttpRequest, business_pk: int) -> HttpResponse:
    business = selectors.access_business(request.user, business_pk, keep=True)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = services.import_upload(
                    business=business, actor=request.user, upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("bookkeeping:import_mapping", pk=batch.pk)
        status = 422
    return TemplateResponse(
        request,
        "bookkeeping/import_upload.html",
        {
            **book_context(request, business, "import"),
            "form": form,
            "batches": list(ImportBatch.objects.filter(business=business).order_by("-created_at")[:10]),
        },
        status=status,
    )


def _raw_rows(table: Any, header_row: int) -> list[tuple[int, list[str]]]:
    """The header row and a few rows under it, as written (for choosing columns)."""
    start = max(0, header_row - 1)
    return [
        (i + 1, [cell_text(v) for v in table.rows[i]])
        for i in range(start, min(len(table.rows), header_row + RAW_ROWS))
    ]


def _mapping_initial(mapping: Mapping) -> dict[str, Any]:
    return {
        "sheet": mapping.sheet,
        "header_row": mapping.header_row + 1,
        "mode": mapping.mode,
        **{
            name: getattr(mapping, name)
            for name in ("date", "money_in", "money_out", "amount", "direction", "category", "note")
        },
    }


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Choose which column holds the date, the amounts, the category and the note."""
    batch = selectors.access_batch(request.user, pk)
    if batch.status == ImportStatus.DONE:
        return redirect("bookkeeping:import_result", pk=batch.pk)
    current = batch_mapping(batch)
    sheet = request.POST.get("sheet") or current.sheet if request.method == "POST" else current.sheet
    try:
        table = batch_table(batch, sheet=sheet or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bookkeeping:import_upload", business_pk=batch.business_id)
    header_row = current.header_row
    if request.method == "POST":
        try:
            header_row = max(0, int(request.POST.get("header_row", "1")) - 1)
        except ValueError:
            header_row = current.header_row
    form = MappingForm(
        request.POST or None, table=table, header_row=header_row, initial=_mapping_initial(current)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            chosen = Mapping(
                header_row=data["header_row"] - 1,
                date=data["date"],
                mode=data["mode"],
                money_in=data["money_in"],
                money_out=data["money_out"],
                amount=data["amount"],
                direction=data["direction"],
                category=data["category"],
                note=data["note"],
                sheet=data.get("sheet") or table.sheet,
            )
            try:
                services.import_map(batch=batch, actor=request.user, mapping=chosen)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("bookkeeping:import_preview", pk=batch.pk)
        status = 422
    return TemplateResponse(
        request,
        "bookkeeping/import_mapping.html",
        {
            **book_context(request, batch.business, "import"),
            "batch": batch,
            "form": form,
            "raw": _raw_rows(table, header_row),
            "letters": [column_letter(i) for i in range(table.width)],
            "header_row": header_row + 1,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """What the import would do; POST saves the categories chosen for the file's category values."""
    batch = selectors.access_batch(request.user, pk)
    if batch.status == ImportStatus.DONE:
        return redirect("bookkeeping:import_result", pk=batch.pk)
    if batch.status != ImportStatus.MAPPED:
        return redirect("bookkeeping:import_mapping", pk=batch.pk)
    try:
        result = services.import_preview(batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bookkeeping:import_mapping", pk=batch.pk)
    form = CategoryMapForm(request.POST or None, rows=result.categories)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.import_categories_set(batch=batch, actor=request.user, choices=form.chosen())
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Categories saved. Check the rows again below."))
                return redirect("bookkeeping:import_preview", pk=batch.pk)
        status = 422
    names = {c.code: c.name for c in CashCategory.objects.all()}
    return TemplateResponse(
        request,
        "bookkeeping/import_preview.html",
        {
            **book_context(request, batch.business, "import"),
            "batch": batch,
            "result": result,
            "form": form,
            "sample": [(r, names.get(r.category, r.category)) for r in result.new_rows[:PREVIEW_ROWS]],
            "rejects": [(r, r.reason) for r in result.parsed.rejects[:REJECTS_SHOWN]],
            "unrecognised": sum(1 for c in result.categories if not c.recognised),
        },
        status=status,
    )


@login_required
@require_POST
def run(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Import; categories chosen on the preview page (in the same form) are saved first."""
    batch = selectors.access_batch(request.user, pk)
    if batch.status == ImportStatus.MAPPED and any(k.startswith("cat_") for k in request.POST):
        try:
            shown = services.import_preview(batch=batch)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("bookkeeping:import_mapping", pk=batch.pk)
        form = CategoryMapForm(request.POST, rows=shown.categories)
        if not form.is_valid():
            messages.error(request, _("Choose a category for every name in the file."))
            return redirect("bookkeeping:import_preview", pk=batch.pk)
        chosen = form.chosen()
        if chosen != {c.key: c.code for c in shown.categories}:
            try:
                services.import_categories_set(batch=batch, actor=request.user, choices=chosen)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("bookkeeping:import_preview", pk=batch.pk)
            batch.refresh_from_db()
    try:
        done = services.import_run(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bookkeeping:import_preview", pk=batch.pk)
    messages.success(
        request,
        ngettext("%(n)d entry imported.", "%(n)d entries imported.", done.imported) % {"n": done.imported},
    )
    return redirect("bookkeeping:import_result", pk=done.pk)


@login_required
@require_http_methods(["GET"])
def result(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The import's report: how many rows came in, were already there, or were rejected and why."""
    batch = selectors.access_batch(request.user, pk)
    if batch.status != ImportStatus.DONE:
        return redirect("bookkeeping:import_mapping", pk=batch.pk)
    rejects = [Reject(r["row"], r["column"], r["code"], r.get("value", "")) for r in batch.rejects]
    return TemplateResponse(
        request,
        "bookkeeping/import_result.html",
        {
            **book_context(request, batch.business, "import"),
            "batch": batch,
            "rejects": [(r, reject_reason(r.code, r.value)) for r in rejects],
            "more": batch.rejected - len(rejects),
        },
    )
