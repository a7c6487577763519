"""Training (P2) for partner systems: courses, sessions with their enrolments and attendance.

Scoped by the access gate: a course is visible as on the web (published ones to every participant and
staff member, drafts to those who offer or oversee them); a session's roster names only the participants
the caller may see (for a training partner: those who consented to sharing with training partners) and
counts the others by status.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action

from . import permissions, selectors, services
from .choices import HOLDS_SEAT, EnrolmentStatus
from .models import Course, Enrolment, TrainingSession

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["training"])
MAX_LIMIT = 200


class CourseResultsOut(Schema):
    follow_ups_answered: int
    application_rate: int | None
    bookkeeping_rate: int | None
    selling_online_rate: int | None


class CourseOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    track: str
    level: int
    topic: str
    provider_id: int
    provider_name: str
    status: str
    follow_up_weeks: int
    results: CourseResultsOut | None


class CoursePage(Schema):
    count: int
    results: list[CourseOut]


class CourseFilters(Schema):
    q: str = ""
    level: int | None = None
    topic: str = ""
    mine: bool = False
    limit: int = 50
    offset: int = 0


class TrainingSessionOut(Schema):
    id: int
    course_id: int
    course_title: str
    level: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str
    place: str
    online_link: str
    region: str
    trainer_name: str
    capacity: int
    seats_taken: int
    waiting: int


class TrainingSessionPage(Schema):
    count: int
    results: list[TrainingSessionOut]


class TrainingSessionFilters(Schema):
    course_id: int | None = None
    region: str = ""
    starts_from: dt.date | None = None
    starts_until: dt.date | None = None
    limit: int = 50
    offset: int = 0


class TrainingEnrolmentOut(Schema):
    id: int
    session_id: int
    participant_id: int
    participant_name: str
    status: str
    waiting_position: int | None
    attendance_method: str
    attendance_recorded_at: dt.datetime | None
    follow_up_due_on: dt.date | None
    follow_up_applied: bool | None


class TrainingSessionDetailOut(TrainingSessionOut):
    attendance_code: str | None
    enrolments: list[TrainingEnrolmentOut]
    not_shown: dict[str, int]


class TrainingEnrolIn(Schema):
    participant_id: int


class TrainingAttendanceIn(Schema):
    present: list[int] = []
    absent: list[int] = []


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _window(limit: int, offset: int) -> tuple[int, int]:
    return max(0, offset), min(max(1, limit), MAX_LIMIT)


def _course_out(user: object, c: Course) -> CourseOut:
    results = None
    if permissions.can_see_results(cast("User", user), c):
        results = CourseResultsOut(
            follow_ups_answered=c.follow_ups_answered,
            application_rate=c.application_rate,
            bookkeeping_rate=c.rate(c.follow_ups_bookkeeping),
            selling_online_rate=c.rate(c.follow_ups_selling_online),
        )
    return CourseOut(
        id=c.pk,
        title=c.title,
        description=c.description,
        kind=c.kind,
        track=c.track,
        level=c.level,
        topic=c.topic,
        provider_id=c.provider_id,
        provider_name=c.provider.name,
        status=c.status,
        follow_up_weeks=c.follow_up_weeks,
        results=results,
    )


def _session_fields(s: TrainingSession, taken: int, waiting: int) -> dict[str, Any]:
    return {
        "id": s.pk,
        "course_id": s.course_id,
        "course_title": s.course.title,
        "level": s.course.level,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "mode": s.mode,
        "place": s.place,
        "online_link": s.online_link,
        "region": s.region_id,
        "trainer_name": s.trainer_name,
        "capacity": s.capacity,
        "seats_taken": taken,
        "waiting": waiting,
    }


def _enrolment_out(e: Enrolment, position: int | None) -> TrainingEnrolmentOut:
    f = getattr(e, "follow_up", None)
    return TrainingEnrolmentOut(
        id=e.pk,
        session_id=e.session_id,
        participant_id=e.participant_id,
        participant_name=e.participant.full_name,
        status=e.status,
        waiting_position=position,
        attendance_method=e.attendance_method,
        attendance_recorded_at=e.attendance_recorded_at,
        follow_up_due_on=f.due_on if f else None,
        follow_up_applied=f.applied if f else None,
    )


def _session_detail(request: HttpRequest, s: TrainingSession) -> TrainingSessionDetailOut:
    user = request.user
    if permissions.can_view_session(user, s):
        roster = selectors.roster_get(session=s, user=user)
        rows = [_enrolment_out(r.enrolment, r.position) for r in (*roster.seated, *roster.waiting)]
        return TrainingSessionDetailOut(
            **_session_fields(s, roster.taken, roster.waitlisted),
            attendance_code=s.attendance_code if permissions.can_run(user, s) else None,
            enrolments=rows,
            not_shown=roster.hidden,
        )
    taken, waiting = selectors.session_seats(s)
    own = [
        _enrolment_out(e, None)
        for e in Enrolment.objects.filter(session=s, participant__user_id=user.pk or 0)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("participant", "follow_up")
    ]
    return TrainingSessionDetailOut(
        **_session_fields(s, taken, waiting),
        attendance_code=None,
        enrolments=own,
        not_shown={},
    )


def _require_programme_user(request: HttpRequest) -> None:
    if not (permissions.is_programme_user(request.user) or access.is_system_admin(request.user)):
        raise PermissionDenied


@router.get("/courses", response={200: CoursePage, **ERRORS})
def list_courses(request: HttpRequest, filters: Query[CourseFilters]) -> CoursePage:
    """Courses the caller may see; ``results`` (the follow-up answers) only for the provider and the
    programme managers over it."""
    _require_programme_user(request)
    qs = selectors.course_list(
        user=request.user, q=filters.q, level=filters.level, topic=filters.topic, mine=filters.mine
    )
    start, size = _window(filters.limit, filters.offset)
    return CoursePage(
        count=qs.count(), results=[_course_out(request.user, c) for c in qs[start : start + size]]
    )


@router.get("/courses/{course_id}", response={200: CourseOut, **ERRORS})
def get_course(request: HttpRequest, course_id: int) -> CourseOut:
    return _course_out(request.user, selectors.access_course(request.user, course_id))


@router.get("/sessions", response={200: TrainingSessionPage, **ERRORS})
def list_training_sessions(
    request: HttpRequest, filters: Query[TrainingSessionFilters]
) -> TrainingSessionPage:
    """Sessions of the courses the caller may see, in date order, with seats taken and people waiting."""
    _require_programme_user(request)
    courses = selectors.courses_visible(user=request.user).values("pk")
    qs = TrainingSession.objects.filter(course__in=courses)
    if filters.course_id:
        qs = qs.filter(course_id=filters.course_id)
    if filters.region:
        qs = qs.filter(Q(region_id=filters.region) | Q(region__code__startswith=filters.region + "."))
    if filters.starts_from:
        qs = qs.filter(starts_at__date__gte=filters.starts_from)
    if filters.starts_until:
        qs = qs.filter(starts_at__date__lte=filters.starts_until)
    qs = (
        qs.select_related("course")
        .annotate(
            taken=Count("enrolments", filter=Q(enrolments__status__in=HOLDS_SEAT)),
            waiting_n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
        )
        .order_by("starts_at", "id")
    )
    start, size = _window(filters.limit, filters.offset)
    return TrainingSessionPage(
        count=qs.count(),
        results=[
            TrainingSessionOut(**_session_fields(s, s.taken, s.waiting_n)) for s in qs[start : start + size]
        ],
    )


@router.get("/sessions/{session_id}", response={200: TrainingSessionDetailOut, **ERRORS})
def get_training_session(request: HttpRequest, session_id: int) -> TrainingSessionDetailOut:
    """One session. Its staff get the roster (names only of the participants they may see, the others
    counted in ``not_shown``) and the attendance code; a participant gets their own enrolment."""
    return _session_detail(request, selectors.access_session(request.user, session_id))


@router.post("/sessions/{session_id}/enrolments", response={201: TrainingEnrolmentOut, **ERRORS})
def enrol_in_training_session(
    request: HttpRequest, session_id: int, payload: TrainingEnrolIn
) -> Status[TrainingEnrolmentOut]:
    """Enrol a participant: a seat when one is free, else the waiting list (``status`` says which)."""
    session = selectors.access_session(request.user, session_id)
    participant = access.access_participant(request.user, payload.participant_id, Action.PARTICIPANT_VIEW)
    e = services.enrolment_create(session=session, participant=participant, actor=_actor(request))
    position = (
        Enrolment.objects.filter(session=session, status=EnrolmentStatus.WAITLISTED, id__lte=e.pk).count()
        if e.status == EnrolmentStatus.WAITLISTED
        else None
    )
    return Status(201, _enrolment_out(e, position))


@router.post(
    "/sessions/{session_id}/enrolments/{enrolment_id}/cancel", response={200: TrainingEnrolmentOut, **ERRORS}
)
def cancel_training_enrolment(
    request: HttpRequest, session_id: int, enrolment_id: int
) -> TrainingEnrolmentOut:
    """Cancel before the session starts; the first on the waiting list takes the seat at once."""
    session = selectors.access_session(request.user, session_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("participant"), pk=enrolment_id, session=session
    )
    return _enrolment_out(services.enrolment_cancel(enrolment=enrolment, actor=_actor(request)), None)


@router.post("/sessions/{session_id}/attendance", response={200: TrainingSessionDetailOut, **ERRORS})
def record_training_attendance(
    request: HttpRequest, session_id: int, payload: TrainingAttendanceIn
) -> TrainingSessionDetailOut:
    """The trainer's list: enrolment ids ``present`` and ``absent``; on the session's day or after."""
    session = selectors.access_session(request.user, session_id)
    if not permissions.can_run(request.user, session):
        raise PermissionDenied
    both = set(payload.present) & set(payload.absent)
    if both:
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": "present", "message": _("An enrolment cannot be both present and absent.")}],
        )
    services.attendance_record(
        session=session,
        actor=_actor(request),
        roster=[*payload.present, *payload.absent],
        present=payload.present,
    )
    return _session_detail(request, session)
