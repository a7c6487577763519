"""The secretariat's pages: choosing and changing mentors, the kecamatan board, mentors' targets and the
export for incentive payment."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.core.timeutils import today
from kolabora.pathway.choices import StageStatus
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .. import selectors, services
from ..forms import AssignForm, ExportForm, TargetForm
from .mentor import participant_for, year_param

UNMENTORED_SHOWN = 50


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The secretariat chooses or changes a participant's mentor, or lets the lightest caseload take them."""
    participant = participant_for(request, pk)
    if not selectors.can_manage_mentors(request.user, participant):
        raise PermissionDenied
    current = selectors.current_assignment(participant=participant)
    candidates = [
        c
        for c in selectors.mentor_candidates(participant=participant)
        if current is None or c.user.pk != current.mentor_id
    ]
    form = AssignForm(request.POST or None, candidates=candidates)
    status = 200
    if request.method == "POST":
        status = 422
        try:
            if "otomatis" in request.POST:
                assignment = services.mentor_assign_auto(participant=participant, actor=request.user)
            elif form.is_valid():
                assignment = services.mentor_assign(
                    participant=participant,
                    mentor=form.cleaned_data["mentor"].user,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            else:
                assignment = None
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if assignment is not None:
                messages.success(
                    request,
                    _("%(mentor)s now mentors %(name)s.")
                    % {
                        "mentor": assignment.mentor.get_full_name() or assignment.mentor.username,
                        "name": participant.full_name,
                    },
                )
                return redirect("mentoring:participant", pk=participant.pk)
    return TemplateResponse(
        request,
        "mentoring/assign_form.html",
        {
            "form": form,
            "p": participant,
            "current": current,
            "candidates": candidates,
            "history": selectors.assignment_history(participant=participant),
        },
        status=status,
    )


# --- the secretariat ------------------------------------------------------------------------------------


def _kecamatan(request: AuthedHttpRequest, code: str) -> Region:
    region = Region.objects.filter(code=code, level=RegionLevel.KECAMATAN).first()
    if region is None:
        raise Http404
    if not access.can_in_region(request.user, Action.PARTICIPANT_EDIT, code):
        raise PermissionDenied
    return region


@login_required
@require_http_methods(["GET"])
def board(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """A kecamatan's mentors (caseload, overdue next steps, target progress) and the participants in P3
    still without a mentor."""
    region = _kecamatan(request, code)
    year = year_param(request)
    waiting = selectors.unmentored(kecamatan_code=code)
    return TemplateResponse(
        request,
        "mentoring/board.html",
        {
            "region": region,
            "year": year,
            "rows": selectors.board(kecamatan_code=code, year=year),
            "waiting": list(waiting[:UNMENTORED_SHOWN]),
            "waiting_count": waiting.count(),
            "shown": UNMENTORED_SHOWN,
        },
    )


@login_required
@require_POST
def assign_unmentored(request: AuthedHttpRequest, code: str) -> HttpResponse:
    _kecamatan(request, code)
    done = services.mentors_assign_unmentored(kecamatan_code=code, actor=request.user)
    left = selectors.unmentored(kecamatan_code=code).count()
    if done:
        messages.success(request, _("%(n)s participants now have a mentor.") % {"n": done})
    if left:
        messages.warning(
            request,
            _("%(n)s participants still have no mentor: no mentor serves this kecamatan.") % {"n": left},
        )
    elif not done:
        messages.success(request, _("Every participant in mentoring has a mentor."))
    return redirect("mentoring:board", code=code)


@login_required
@require_http_methods(["GET", "POST"])
def target_set(request: AuthedHttpRequest) -> HttpResponse:
    """Set a mentor's yearly target (what counts: mentored, completed P3 or reached P4)."""
    if not access.can(request.user, Action.PARTICIPANT_EDIT):
        raise PermissionDenied
    memberships = selectors.managed_mentors(request.user)
    mentors = User.objects.filter(pk__in=memberships.values("user_id")).order_by(
        "first_name", "last_name", "id"
    )
    initial: dict[str, Any] = {"year": year_param(request)}
    if request.method == "GET" and request.GET.get("mentor", "").isdigit():
        # Prefilled with the mentor's current target for the year, or the programme's default.
        mentor_id = int(request.GET["mentor"])
        shown = selectors.targets_for(
            memberships=list(memberships.filter(user_id=mentor_id)), year=initial["year"]
        )
        initial["mentor"] = mentor_id
        if shown:
            initial |= {"target": shown[0].goal, "measure": shown[0].measure}
    form = TargetForm(request.POST or None, mentors=mentors, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            start, end = selectors.year_bounds(data["year"])
            try:
                services.mentor_target_set(
                    mentor=data["mentor"],
                    period_start=start,
                    period_end=end,
                    target=data["target"],
                    measure=data["measure"],
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Target saved."))
                kecamatan = selectors.manageable_kecamatan(request.user)
                membership = memberships.filter(user=data["mentor"]).first()
                code = membership.organisation.region_id if membership else ""
                if code in kecamatan:
                    return redirect("mentoring:board", code=code)
                return redirect("mentoring:home")
    return TemplateResponse(request, "mentoring/target_form.html", {"form": form}, status=status)


# --- export ------------------------------------------------------------------------------------------------


def _export_tables(user: User, year: int) -> tuple[list[list[Any]], list[list[Any]]]:
    memberships = list(selectors.managed_mentors(user))
    views = selectors.targets_for(memberships=memberships, year=year)
    summary: list[list[Any]] = [
        [
            _("Mentor"),
            _("Username"),
            _("Organisation"),
            _("Year"),
            _("What counts"),
            _("Target"),
            _("Achieved"),
            _("Achieved (%)"),
            _("Target met"),
            _("Sessions"),
            _("Participants mentored"),
            _("Completed P3"),
            _("Reached P4"),
        ]
    ]
    for v in views:
        summary.append(
            [
                v.mentor.get_full_name() or v.mentor.username,
                v.mentor.username,
                v.organisation.name,
                year,
                v.measure_label,
                v.goal,
                v.achieved,
                v.percent,
                _("yes") if v.met else _("no"),
                v.progress.sessions,
                v.progress.mentored,
                v.progress.p3_completed,
                v.progress.p4_reached,
            ]
        )
    detail: list[list[Any]] = [
        [
            _("Mentor"),
            _("Participant"),
            _("NIK"),
            _("Kelurahan"),
            _("Sessions"),
            _("First session"),
            _("Last session"),
            _("P3"),
            _("P4"),
        ]
    ]
    for r in selectors.export_participants(memberships=memberships, year=year):
        detail.append(
            [
                r.mentor,
                r.participant.full_name,
                r.participant.nik_masked,
                r.participant.kelurahan_id,
                r.sessions,
                r.first_held,
                r.last_held,
                str(StageStatus(r.p3_status).label) if r.p3_status else "",
                str(StageStatus(r.p4_status).label) if r.p4_status else "",
            ]
        )
    return summary, detail


def _xlsx(summary: list[list[Any]], detail: list[list[Any]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True, "bg_color": "#E3F2EC"})
    for title, rows in ((_("Summary"), summary), (_("Participants"), detail)):
        sheet = book.add_worksheet(str(title)[:31])
        for i, row in enumerate(rows):
            sheet.write_row(
                i,
                0,
                [str(c) if i == 0 or isinstance(c, Promise) else c for c in row],
                bold if i == 0 else None,
            )
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, max(len(rows[0]) - 1, 0), 18)
    book.close()
    return buffer.getvalue()


@login_required
@require_http_methods(["GET"])
def export(request: AuthedHttpRequest) -> HttpResponse:
    """Per mentor: target, achievement and the participants behind it, for incentive payment. CSV (the
    summary) or xlsx (summary and participants). Every export is audited as personal data leaving."""
    if not access.can(request.user, Action.PARTICIPANT_EDIT):
        raise PermissionDenied
    form = ExportForm(request.GET)
    form.is_valid()
    year = form.cleaned_data.get("tahun") or today().year
    fmt = form.cleaned_data.get("format") or "xlsx"
    summary, detail = _export_tables(request.user, year)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=AuditAction.PERSONAL_DATA_EXPORTED,
            organisation=access.acting_organisation(request.user, Action.PARTICIPANT_EDIT),
            object_type="mentoring.export",
            object_id=str(year),
            after={"format": fmt, "year": year, "mentors": len(summary) - 1, "participants": len(detail) - 1},
        )
    name = f"pendampingan-{year}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        for row in summary:
            writer.writerow([str(c) for c in row])
        response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            _xlsx(summary, detail),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
