"""Import pages (namespace ``bulkdata``): upload a spreadsheet, choose its columns when it is not the
template, follow the import's progress, download the rejected rows.

Each view: method → access (``access.can_import`` for the pages, ``selectors.import_job_get`` for a job,
which only its owner and administrators open) → form → service → redirect or render. The job page serves
its progress fragment to htmx, which polls it while the import is queued or running.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx

from . import fields, selectors, services
from .choices import ImportStatus
from .forms import MappingForm, UploadForm
from .models import ColumnMapping, ImportJob
from .template import template_csv, template_xlsx

PAGE_SIZE = 20
MAIN_FIELDS = ("nik", "full_name", "phone", "kelurahan_code", "entry_track", "sector", "registered_on")
STAGE_FIELDS = (*fields.STAGES, "P2_level")
EXTRA_FIELDS = ("business_name", "email", "address")


def _require_import(request: AuthedHttpRequest) -> None:
    if not access.can_import(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def home(request: AuthedHttpRequest) -> HttpResponse:
    """The import page: the template, the upload form, saved mappings and the person's imports."""
    _require_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        programme = form.cleaned_data.get("programme")
        try:
            job = services.import_job_create(
                upload=form.cleaned_data["file"],
                actor=request.user,
                programme=programme.code if programme is not None else "",
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if job.status == ImportStatus.MAPPING:
                return redirect("bulkdata:columns", pk=job.pk)
            messages.success(request, _("The file has the template's columns; the import has started."))
            return redirect("bulkdata:job", pk=job.pk)
    page = Paginator(selectors.import_job_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "bulkdata/home.html",
        {
            "form": form,
            "page": page,
            "mappings": selectors.mapping_list(user=request.user),
            "header": ",".join(fields.TEMPLATE_HEADER),
            "area": services._area(access.import_region_codes(request.user)),
        },
    )


@login_required
@require_http_methods(["GET"])
def template(request: AuthedHttpRequest, fmt: str) -> HttpResponse:
    _require_import(request)
    if fmt == "xlsx":
        response = HttpResponse(
            template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="templat-impor-peserta.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def columns(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The column-mapping step: which column holds which field. A saved mapping fills the form in
    (``?mapping=<id>``, swapped in by htmx or loaded as a page without JavaScript)."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    _require_import(request)
    if job.status != ImportStatus.MAPPING:
        return redirect("bulkdata:job", pk=job.pk)
    samples = selectors.sample_rows(job)
    first = samples[0] if samples else []
    mappings = selectors.mapping_list(user=request.user)
    initial = MappingForm.initial_from(fields.guess_mapping(job.header))
    chosen: ColumnMapping | None = None
    wanted = request.GET.get("mapping", "")
    if wanted.isdigit():
        chosen = mappings.filter(pk=int(wanted)).first()
        if chosen is not None:
            try:
                initial = MappingForm.initial_from(services.mapping_resolve(job.header, chosen.columns))
            except ValidationError:
                index = {fields.norm(h): i for i, h in enumerate(job.header)}
                resolved = {
                    k: index[fields.norm(v)] for k, v in chosen.columns.items() if fields.norm(v) in index
                }
                initial = MappingForm.initial_from(resolved)
                messages.warning(
                    request,
                    _("Some columns of the mapping “%(name)s” are not in this file; choose them below.")
                    % {"name": chosen.name},
                )
    form = MappingForm(request.POST or None, header=job.header, samples=first, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_job_map(
                job=job, actor=request.user, mapping=form.mapping(), save_as=form.cleaned_data["save_as"]
            )
        except ValidationError as exc:
            errors = {f"col_{k}" if k in fields.FIELD_BY_NAME else k: v for k, v in exc.message_dict.items()}
            apply_validation_error(form, ValidationError(errors))
        else:
            if form.cleaned_data["save_as"]:
                messages.success(
                    request, _("Mapping “%(name)s” saved.") % {"name": form.cleaned_data["save_as"]}
                )
            return redirect("bulkdata:job", pk=job.pk)
    template_name = "bulkdata/columns.html"
    if is_htmx(request) and request.method == "GET":
        template_name += "#mapping-form"
    groups = {
        "main_fields": [f"col_{n}" for n in MAIN_FIELDS],
        "stage_fields": [f"col_{n}" for n in STAGE_FIELDS],
        "extra_fields": [f"col_{n}" for n in EXTRA_FIELDS],
    }
    chosen_now = {k for k, v in (form.data if form.is_bound else form.initial).items() if v}
    wrong = set(form.errors) if form.is_bound else set()
    return TemplateResponse(
        request,
        template_name,
        {
            "job": job,
            "form": form,
            "mappings": mappings,
            "chosen": chosen,
            "samples": samples,
            **groups,
            # A group opens when it holds a chosen column or a mistake.
            "stages_open": bool((chosen_now | wrong) & set(groups["stage_fields"])),
            "extras_open": bool((chosen_now | wrong) & set(groups["extra_fields"])),
        },
    )


@login_required
@require_http_methods(["GET"])
def job_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    if job.status == ImportStatus.MAPPING:
        return redirect("bulkdata:columns", pk=job.pk)
    template_name = "bulkdata/job.html"
    if is_htmx(request):
        template_name += "#progress"
    return TemplateResponse(
        request,
        template_name,
        {
            "job": job,
            "rejections": selectors.rejection_list(job=job, limit=20),
            "rate": round(job.rows_done / job.seconds) if job.seconds >= 1 else None,
        },
    )


@login_required
@require_http_methods(["GET"])
def report(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """The rejected rows as CSV: row, column, value, reason."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    response = StreamingHttpResponse(selectors.report_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="impor-{job.pk}-ditolak.csv"'
    return response


def _act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    service = {
        "pause": services.import_job_pause,
        "resume": services.import_job_resume,
        "cancel": services.import_job_cancel,
    }[action]
    try:
        service(job=job, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = {
            "pause": _("The import pauses after the rows it is writing now."),
            "resume": _("The import goes on after the %(done)s rows already done.") % {"done": job.rows_done},
            "cancel": _("The import is cancelled; the rows imported so far stay."),
        }
        messages.success(request, done[action])
    return redirect("bulkdata:job", pk=job.pk)


@login_required
@require_POST
def pause(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "pause")


@login_required
@require_POST
def resume(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "resume")


@login_required
@require_POST
def cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "cancel")


@login_required
@require_POST
def mapping_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    mapping = get_object_or_404(ColumnMapping, pk=pk)
    services.mapping_delete(mapping=mapping, actor=request.user)
    messages.success(request, _("Mapping “%(name)s” deleted.") % {"name": mapping.name})
    return redirect("bulkdata:home")


__all__ = ["ImportJob"]
