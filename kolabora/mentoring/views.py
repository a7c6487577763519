"""Pages for mentoring (P3): the mentor's caseload ("Dampingan saya"), logging a session on a phone,
readiness and completion, the secretariat's board (mentors, caseloads, participants without a mentor,
targets) and the export for incentive payment.

Each view takes the same steps: the access gate (``kolabora.core.access``, composed in
``mentoring.selectors``), a form, one service call, a response. Rules stay in the services.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.core.timeutils import today
from kolabora.organisations.choices import DataCategory
from kolabora.participants.models import Participant
from kolabora.pathway.choices import StageStatus
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from . import selectors, services
from .choices import TargetMeasure, Urgency
from .forms import AssignForm, ExportForm, ReadinessForm, SessionForm, TargetForm
from .models import MentoringSession

UNMENTORED_SHOWN = 50
# The mentor home's filters, by their Indonesian query value.
FILTERS = {
    "berisiko": {Urgency.AT_RISK},
    "terlambat": {Urgency.OVERDUE},
    "belum": {Urgency.NOT_VISITED},
    "terjadwal": {Urgency.UPCOMING},
}


def _participant(request: AuthedHttpRequest, pk: int) -> Participant:
    participant = access.access_participant(request.user, pk, Action.PARTICIPANT_VIEW)
    if not selectors.can_see_mentoring(request.user, participant):
        raise PermissionDenied
    return participant


def _contact(user: User, participant: Participant) -> bool:
    return DataCategory.CONTACT in access.participant_data_categories(user, participant)


# --- the mentor's home ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def home(request: AuthedHttpRequest) -> HttpResponse:
    """A mentor's caseload, most urgent first; staff who manage mentors go to their kecamatan's board."""
    user = request.user
    if not selectors.is_mentor(user):
        kecamatan = selectors.manageable_kecamatan(user)
        if not kecamatan:
            raise PermissionDenied
        if len(kecamatan) == 1:
            return redirect("mentoring:board", code=kecamatan[0])
        regions = Region.objects.filter(code__in=kecamatan).select_related("parent").order_by("code")
        return TemplateResponse(request, "mentoring/kecamatan_list.html", {"regions": regions})
    rows = selectors.caseload(user=user)
    counts = {u: sum(1 for r in rows if r.urgency == u) for u in Urgency}
    shown = request.GET.get("tampil", "")
    wanted = FILTERS.get(shown)
    visible = [r for r in rows if wanted is None or r.urgency in wanted]
    for r in visible:
        r.contact = _contact(user, r.participant)
    year = today().year
    targets = selectors.targets_for(memberships=selectors.mentor_memberships(user), year=year)
    template = "mentoring/home.html"
    if is_htmx(request):
        template += "#caseload"
    return TemplateResponse(
        request,
        template,
        {
            "rows": visible,
            "total": len(rows),
            "counts": counts,
            "shown": shown if wanted else "",
            "filters": [
                ("", _("All"), len(rows)),
                ("berisiko", Urgency.AT_RISK.label, counts[Urgency.AT_RISK]),
                ("terlambat", Urgency.OVERDUE.label, counts[Urgency.OVERDUE]),
                ("belum", Urgency.NOT_VISITED.label, counts[Urgency.NOT_VISITED]),
                ("terjadwal", Urgency.UPCOMING.label, counts[Urgency.UPCOMING]),
            ],
            "target": targets[0] if targets else None,
            "year": year,
            "today": today(),
        },
    )


# --- one participant ---------------------------------------------------------------------------------------


def _participant_context(user: User, participant: Participant) -> dict[str, Any]:
    current = selectors.current_assignment(participant=participant)
    is_current = current is not None and current.mentor_id == user.pk
    status = selectors.p3_status(participant)
    return {
        "p": participant,
        "business": participant.businesses.order_by("created_at", "id").first(),
        "current": current,
        "is_current_mentor": is_current,
        "can_log": is_current or (current is None and selectors.candidate_for(user, participant) is not None),
        "can_manage": selectors.can_manage_mentors(user, participant),
        "p3_status": status,
        "p3_label": StageStatus(status).label,
        "p3_open": status in selectors.OPEN_P3 or status == StageStatus.DROPPED,
        "check": selectors.completion_check(participant=participant),
        "sessions": selectors.session_list(user=user).filter(participant=participant)[:50],
        "assessment": participant.readiness_assessments.order_by("-assessed_on", "-id").first(),
        "history": selectors.assignment_history(participant=participant),
        "contact": _contact(user, participant),
    }


@login_required
@require_http_methods(["GET"])
def participant_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A participant's mentoring record: mentor and history, sessions, readiness and what completion still
    needs. Opening it is audited as a view of personal data."""
    participant = _participant(request, pk)
    context = _participant_context(request.user, participant)
    audit_record(
        actor=request.user,
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=participant,
        organisation=access.acting_organisation(
            request.user, Action.PARTICIPANT_VIEW, participant.kelurahan_id
        ),
        after={"page": "mentoring"},
    )
    return TemplateResponse(request, "mentoring/participant.html", context)


def _session_input(data: dict[str, Any]) -> services.SessionInput:
    return services.SessionInput(
        held_on=data["held_on"],
        mode=data["mode"],
        topics=list(data["topics"]),
        notes=data.get("notes", ""),
        next_step=data.get("next_step", ""),
        next_step_due=data.get("next_step_due"),
        monthly_turnover=data.get("monthly_turnover"),
        photo=data.get("photo") or None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_log(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Log a session on one screen; back to the caseload after."""
    participant = _participant(request, pk)
    current = selectors.current_assignment(participant=participant)
    if current is None:
        if selectors.candidate_for(request.user, participant) is None:
            raise PermissionDenied
    elif current.mentor_id != request.user.pk:
        raise PermissionDenied
    form = SessionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.session_log(
                    participant=participant, actor=request.user, data=_session_input(form.cleaned_data)
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request, _("Session with %(name)s recorded.") % {"name": participant.full_name}
                )
                return redirect("mentoring:home")
    last = MentoringSession.objects.filter(participant=participant).order_by("-held_on", "-id").first()
    return TemplateResponse(
        request,
        "mentoring/session_form.html",
        {
            "form": form,
            "p": participant,
            "last": last,
            "business": participant.businesses.order_by("created_at", "id").first(),
            "contact": _contact(request.user, participant),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def readiness(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    current = selectors.current_assignment(participant=participant)
    if current is None or current.mentor_id != request.user.pk:
        raise PermissionDenied
    latest = participant.readiness_assessments.order_by("-assessed_on", "-id").first()
    initial = (
        {
            k: getattr(latest, k)
            for k in ("product", "customers", "price", "price_unit", "next_step", "notes", "ready")
        }
        if latest
        else None
    )
    form = ReadinessForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.readiness_assess(
                    participant=participant,
                    actor=request.user,
                    data=services.ReadinessInput(**form.cleaned_data),
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Readiness assessment saved."))
                return redirect("mentoring:participant", pk=participant.pk)
    return TemplateResponse(
        request, "mentoring/readiness_form.html", {"form": form, "p": participant}, status=status
    )


@login_required
@require_POST
def complete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Complete P3; a refusal lists what the programme's criteria still need."""
    participant = _participant(request, pk)
    try:
        services.p3_complete(participant=participant, actor=request.user)
    except ValidationError as exc:
        messages.error(
            request,
            _("Mentoring cannot be completed yet. Still needed: %(missing)s")
            % {"missing": " ".join(exc.messages)},
        )
    else:
        messages.success(
            request, _("Mentoring (P3) of %(name)s is complete.") % {"name": participant.full_name}
        )
    return redirect("mentoring:participant", pk=participant.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The secretariat chooses or changes a participant's mentor, or lets the lightest caseload take them."""
    participant = _participant(request, pk)
    if not selectors.can_manage_mentors(request.user, participant):
        raise PermissionDenied
    candidates = selectors.mentor_candidates(participant=participant)
    current = selectors.current_assignment(participant=participant)
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


@login_required
@require_http_methods(["GET"])
def session_photo(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """A session's photo, only to those who may read the session (uploads are never public)."""
    session = selectors.session_list(user=request.user).filter(pk=pk).first()
    if session is None:
        if MentoringSession.objects.filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    if not session.photo:
        raise Http404
    response = FileResponse(session.photo.open("rb"), filename=(session.photo.name or "").rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


# --- the secretariat ------------------------------------------------------------------------------------


def _kecamatan(request: AuthedHttpRequest, code: str) -> Region:
    region = Region.objects.filter(code=code, level=RegionLevel.KECAMATAN).first()
    if region is None:
        raise Http404
    if not access.can_in_region(request.user, Action.PARTICIPANT_EDIT, code):
        raise PermissionDenied
    return region


def _year(request: AuthedHttpRequest) -> int:
    raw = request.GET.get("tahun", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today().year


@login_required
@require_http_methods(["GET"])
def board(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """A kecamatan's mentors (caseload, overdue next steps, target progress) and the participants in P3
    still without a mentor."""
    region = _kecamatan(request, code)
    year = _year(request)
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
    initial: dict[str, Any] | None = None
    if request.method == "GET" and request.GET.get("mentor", "").isdigit():
        initial = {
            "mentor": int(request.GET["mentor"]),
            "year": _year(request),
            "target": 60,
            "measure": TargetMeasure.MENTORED,
        }
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
                StageStatus(r.p3_status).label if r.p3_status else "",
                StageStatus(r.p4_status).label if r.p4_status else "",
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
            sheet.write_row(i, 0, [str(c) if i == 0 else c for c in row], bold if i == 0 else None)
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
