"""The mentor's pages: the caseload ("Dampingan saya"), a participant's mentoring record, logging a
session on one phone screen, readiness, completion and session photos."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
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
from kolabora.regions.models import Region

from .. import selectors, services
from ..choices import Urgency
from ..forms import ReadinessForm, SessionForm
from ..models import MentoringSession

# The mentor home's filters, by their Indonesian query value.
FILTERS = {
    "berisiko": {Urgency.AT_RISK},
    "terlambat": {Urgency.OVERDUE},
    "belum": {Urgency.NOT_VISITED},
    "terjadwal": {Urgency.UPCOMING},
}


def participant_for(request: AuthedHttpRequest, pk: int) -> Participant:
    participant = access.access_participant(request.user, pk, Action.PARTICIPANT_VIEW)
    if not selectors.can_see_mentoring(request.user, participant):
        raise PermissionDenied
    return participant


def contact_allowed(user: User, participant: Participant) -> bool:
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
        r.contact = contact_allowed(user, r.participant)
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
        "contact": contact_allowed(user, participant),
    }


@login_required
@require_http_methods(["GET"])
def participant_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A participant's mentoring record: mentor and history, sessions, readiness and what completion still
    needs. Opening it is audited as a view of personal data."""
    participant = participant_for(request, pk)
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
    participant = participant_for(request, pk)
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
            "contact": contact_allowed(request.user, participant),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def readiness(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    participant = participant_for(request, pk)
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
    participant = participant_for(request, pk)
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


def year_param(request: AuthedHttpRequest) -> int:
    raw = request.GET.get("tahun", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today().year
