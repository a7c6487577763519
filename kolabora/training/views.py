"""Training pages: courses and sessions for staff and participants, the session's roster and attendance,
and the participant's own training ("Pelatihan saya"), attendance code and follow-up.

Each view: ``require_http_methods`` → fetch and authorise (``selectors.access_*`` and ``permissions``, which
compose the access gate) → form → service → render or redirect. The participant is always
``request.user.participant``, never an id from the URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.organisations.models import Organisation
from kolabora.participants.models import Participant

from . import permissions, selectors, services
from .choices import OPEN, EnrolmentStatus
from .forms import (
    AttendanceCodeForm,
    AttendanceForm,
    CourseFilterForm,
    CourseForm,
    EnrolOtherForm,
    FollowUpForm,
    SessionForm,
)
from .models import Enrolment, FollowUp, TrainingSession

PAGE_SIZE = 25


def _me(request: AuthedHttpRequest) -> Participant:
    """The logged-in person's active participant record; anyone else is refused."""
    participant: Participant | None = getattr(request.user, "participant", None)
    if participant is None or participant.status != "active":
        raise PermissionDenied
    return participant


def _next(request: AuthedHttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _error(request: AuthedHttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- courses ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def course_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    if not (permissions.is_programme_user(user) or access.is_system_admin(user)):
        raise PermissionDenied
    form = CourseFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.course_list(
        user=user, q=f.get("q", ""), level=f.get("level"), topic=f.get("topic", ""), mine=bool(f.get("mine"))
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    offering = [(org, permissions.serves_training(org)) for org in permissions.offering_organisations(user)]
    template = "training/course_list.html"
    if is_htmx(request):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "form": form,
            "page": page,
            "offering": offering,
            "is_participant": getattr(user, "participant", None) is not None,
        },
    )


@login_required
@require_http_methods(["GET"])
def course_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    course = selectors.access_course(request.user, pk)
    user = request.user
    participant = getattr(user, "participant", None)
    sessions = list(selectors.session_list(course=course))
    mine: dict[int, Enrolment] = {}
    if participant is not None:
        mine = {
            e.session_id: e
            for e in Enrolment.objects.filter(
                participant=participant, session__course=course, status__in=OPEN
            )
        }
    now = timezone.now()
    can_manage = permissions.can_offer(user, course.provider)
    return TemplateResponse(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "upcoming": [(s, mine.get(s.pk)) for s in sessions if s.starts_at > now],
            "past": [(s, mine.get(s.pk)) for s in sessions if s.starts_at <= now][::-1],
            "can_manage": can_manage,
            "serves": permissions.serves_training(course.provider),
            "can_see_results": permissions.can_see_results(user, course),
            "staff_view": {s.pk for s in sessions if permissions.can_view_session(user, s)},
            "is_participant": participant is not None,
        },
    )


def _offer_or_403(request: AuthedHttpRequest, organisation: Organisation) -> None:
    if not permissions.can_offer(request.user, organisation):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: AuthedHttpRequest, org_pk: int) -> HttpResponse:
    provider = get_object_or_404(Organisation, pk=org_pk)
    _offer_or_403(request, provider)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(provider=provider, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("The course “%(title)s” was saved as a draft. Add its sessions, then publish it.")
                % {"title": course.title},
            )
            return redirect("training:course_detail", pk=course.pk)
    return TemplateResponse(
        request,
        "training/course_form.html",
        {"form": form, "course": None, "provider": provider, "serves": permissions.serves_training(provider)},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    course = selectors.access_course(request.user, pk)
    _offer_or_403(request, course.provider)
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(course=course, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("training:course_detail", pk=course.pk)
    return TemplateResponse(
        request,
        "training/course_form.html",
        {
            "form": form,
            "course": course,
            "provider": course.provider,
            "serves": permissions.serves_training(course.provider),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def course_publish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    course = selectors.access_course(request.user, pk)
    _offer_or_403(request, course.provider)
    try:
        services.course_publish(course=course, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The course is published: participants can now enrol in its sessions."))
    return redirect("training:course_detail", pk=course.pk)


# --- sessions --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    course = selectors.access_course(request.user, pk)
    _offer_or_403(request, course.provider)
    form = SessionForm(request.POST or None, provider=course.provider)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(course=course, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The session was added."))
            return redirect("training:session_detail", pk=session.pk)
    return TemplateResponse(
        request,
        "training/session_form.html",
        {"form": form, "course": course, "session": None},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    _offer_or_403(request, session.course.provider)
    form = SessionForm(
        request.POST or None, provider=session.course.provider, initial=SessionForm.initial_from(session)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("training:session_detail", pk=session.pk)
    return TemplateResponse(
        request,
        "training/session_form.html",
        {"form": form, "course": session.course, "session": session},
        status=422 if form.errors else 200,
    )


def _session_context(request: AuthedHttpRequest, session: TrainingSession) -> dict[str, object]:
    user = request.user
    participant = getattr(user, "participant", None)
    staff = permissions.can_view_session(user, session)
    can_run = permissions.can_run(user, session)
    now = timezone.now()
    context: dict[str, object] = {
        "session": session,
        "course": session.course,
        "staff": staff,
        "can_run": can_run,
        "can_manage": permissions.can_offer(user, session.course.provider),
        "started": session.has_started(now),
        "attendance_open": timezone.localdate(now) >= session.day,
        "is_today": timezone.localdate(now) == session.day,
    }
    if staff:
        roster = selectors.roster_get(session=session, user=user)
        context |= {
            "roster": roster,
            "taken": roster.taken,
            "waiting": roster.waitlisted,
            "enrol_form": EnrolOtherForm() if can_run and not session.has_started(now) else None,
            "can_answer": {
                row.enrolment.pk
                for row in roster.seated
                if permissions.can_answer_follow_up(user, row.enrolment.participant)
            },
        }
    else:
        taken, waiting = selectors.session_seats(session)
        context |= {"taken": taken, "waiting": waiting}
    if participant is not None:
        mine = (
            Enrolment.objects.filter(session=session, participant=participant)
            .exclude(status=EnrolmentStatus.CANCELLED)
            .first()
        )
        position = None
        if mine is not None and mine.status == EnrolmentStatus.WAITLISTED:
            position = Enrolment.objects.filter(
                session=session, status=EnrolmentStatus.WAITLISTED, id__lte=mine.pk
            ).count()
        context |= {"mine": mine, "position": position, "is_participant": True}
    return context


@login_required
@require_http_methods(["GET"])
def session_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    return TemplateResponse(request, "training/session_detail.html", _session_context(request, session))


@login_required
@require_POST
def session_enrol(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The participant enrols themselves."""
    participant = _me(request)
    session = selectors.access_session(request.user, pk)
    try:
        e = services.enrolment_create(session=session, participant=participant, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        if e.status == EnrolmentStatus.ENROLLED:
            messages.success(request, _("You are enrolled. We will remind you the day before."))
        else:
            messages.warning(
                request,
                _("The session is full, so you are on the waiting list. If a seat frees, it is yours."),
            )
    return redirect(_next(request, _my_url()))


def _my_url() -> str:
    return reverse("training:my_training")


@login_required
@require_POST
def session_enrol_other(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Staff who run the session enrol a participant they may see, by NIK."""
    session = selectors.access_session(request.user, pk)
    if not permissions.can_run(request.user, session):
        raise PermissionDenied
    form = EnrolOtherForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["nik"]))
        return redirect("training:session_detail", pk=session.pk)
    nik = form.cleaned_data["nik"].strip()
    participant = (
        access.scope(request.user, Participant.objects.filter(nik=nik), Action.PARTICIPANT_VIEW)
        .filter(Q(status="active"))
        .first()
    )
    if participant is None:
        messages.error(request, _("No participant you may see has this NIK."))
        return redirect("training:session_detail", pk=session.pk)
    try:
        e = services.enrolment_create(session=session, participant=participant, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        label = EnrolmentStatus(e.status).label
        messages.success(
            request, _("%(name)s: %(status)s.") % {"name": participant.full_name, "status": label}
        )
    return redirect("training:session_detail", pk=session.pk)


@login_required
@require_POST
def enrolment_cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.select_related("participant", "session"), pk=pk)
    own = access.is_self(request.user, enrolment.participant)
    try:
        services.enrolment_cancel(enrolment=enrolment, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The enrolment was cancelled."))
    if own:
        return redirect(_next(request, _my_url()))
    return redirect("training:session_detail", pk=enrolment.session_id)


@login_required
@require_POST
def attendance_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    if not permissions.can_run(request.user, session):
        raise PermissionDenied
    ids = list(Enrolment.objects.filter(session=session).values_list("pk", flat=True))
    form = AttendanceForm(request.POST, enrolment_ids=ids)
    if not form.is_valid():
        messages.error(request, _("The attendance list could not be read; please try again."))
        return redirect("training:session_detail", pk=session.pk)
    try:
        changes = services.attendance_record(
            session=session,
            actor=request.user,
            roster=form.cleaned_data["roster"],
            present=form.cleaned_data["present"],
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("Attendance saved (%(n)s changed).") % {"n": len(changes)},
        )
    return redirect("training:session_detail", pk=session.pk)


# --- the participant's own training ----------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def my_training(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    enrolments = selectors.my_enrolments(participant=participant)
    return TemplateResponse(
        request,
        "training/my_training.html",
        {
            "participant": participant,
            "today": [m for m in enrolments if m.is_today and m.enrolment.status == EnrolmentStatus.ENROLLED],
            "done_today": [
                m for m in enrolments if m.is_today and m.enrolment.status == EnrolmentStatus.ATTENDED
            ],
            "upcoming": [m for m in enrolments if m.is_upcoming][::-1],
            "past": [m for m in enrolments if not m.is_upcoming],
            "follow_ups": list(selectors.follow_ups_due(participant=participant)),
            "open_sessions": selectors.open_sessions(participant=participant),
            "next_level": selectors.next_level(participant=participant),
            "tab": "training",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance_code(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    form = AttendanceCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            e = services.attendance_check_in(
                participant=participant, code=form.cleaned_data["code"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Welcome! Your attendance at “%(course)s” is recorded.")
                % {"course": e.session.course.title},
            )
            return redirect("training:my_training")
    return TemplateResponse(
        request,
        "training/attendance_code.html",
        {"form": form, "tab": "training"},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    f = get_object_or_404(
        FollowUp.objects.select_related("enrolment__participant", "enrolment__session__course__provider"),
        pk=pk,
    )
    participant = f.enrolment.participant
    if not permissions.can_answer_follow_up(request.user, participant):
        raise PermissionDenied
    own = access.is_self(request.user, participant)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_answer(follow_up=f, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Thank you! Your answers help the programme improve its training."))
            if own:
                return redirect("training:my_training")
            return redirect("training:session_detail", pk=f.enrolment.session_id)
    return TemplateResponse(
        request,
        "training/follow_up.html",
        {
            "follow_up": f,
            "course": f.enrolment.session.course,
            "session": f.enrolment.session,
            "participant": participant,
            "own": own,
            "is_open": timezone.localdate() >= f.due_on,
            "form": form,
            "tab": "training",
        },
        status=422 if form.errors else 200,
    )
