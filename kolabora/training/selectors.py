"""Reads for training. Lists are scoped by who may see a course; rosters show names only for the
participants the access gate lets the user see, and count the others without naming them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.organisations.models import Organisation
from kolabora.pathway.models import ParticipantStage

from . import permissions
from .choices import HOLDS_SEAT, OPEN, CourseStatus, EnrolmentStatus
from .models import Course, Enrolment, FollowUp, TrainingSession
from .services import visible_participant_ids

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser
    from kolabora.participants.models import Participant

MAX_OPEN_SESSIONS = 12


# --- fetch and authorise -------------------------------------------------------------------------


def access_course(user: AnyUser, pk: int) -> Course:
    """The course, when the user may see it (404 when absent, 403 when not allowed)."""
    course = Course.objects.select_related("provider", "provider__region").filter(pk=pk).first()
    if course is None:
        raise Http404
    if not permissions.can_see_course(user, course):
        raise PermissionDenied
    return course


def access_session(user: AnyUser, pk: int) -> TrainingSession:
    """The session, for its staff or for anyone who may see its (published) course."""
    session = (
        TrainingSession.objects.select_related(
            "course", "course__provider", "course__provider__region", "region"
        )
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    if not (permissions.can_view_session(user, session) or permissions.can_see_course(user, session.course)):
        raise PermissionDenied
    return session


# --- courses ---------------------------------------------------------------------------------------


def _managed_provider_q(user: AnyUser) -> Q:
    offering = [o.pk for o in permissions.offering_organisations(user)]
    overseen = access.scope(user, Organisation.objects.all(), Action.ORGANISATION_MANAGE).values("pk")
    return Q(provider_id__in=offering) | Q(provider__in=overseen)


def courses_visible(*, user: AnyUser) -> QuerySet[Course]:
    """Courses the user may see: published ones for every participant and staff member, drafts for
    those who offer or oversee them."""
    if access.is_system_admin(user):
        return Course.objects.all()
    if not permissions.is_programme_user(user):
        return Course.objects.none()
    return Course.objects.filter(Q(status=CourseStatus.PUBLISHED) | _managed_provider_q(user))


def course_list(
    *,
    user: AnyUser,
    q: str = "",
    level: int | None = None,
    topic: str = "",
    kind: str = "",
    track: str = "",
    mine: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Course]:
    """The courses the user may see, filtered. ``mine``: only those of organisations the user offers
    for or oversees. Each row carries ``upcoming`` (sessions still to start)."""
    qs = courses_visible(user=user)
    if mine:
        qs = qs.filter(_managed_provider_q(user))
    if q:
        qs = qs.filter(Q(title__icontains=q.strip()) | Q(provider__name__icontains=q.strip()))
    if level:
        qs = qs.filter(level=level)
    for name, value in (("topic", topic), ("kind", kind), ("track", track)):
        if value:
            qs = qs.filter(**{name: value})
    return (
        qs.select_related("provider")
        .annotate(upcoming=Count("sessions", filter=Q(sessions__starts_at__gte=now or timezone.now())))
        .order_by("level", "title", "id")
    )


def session_list(*, course: Course) -> QuerySet[TrainingSession]:
    """A course's sessions in date order, each with ``taken`` seats and ``waiting``."""
    return (
        course.sessions.select_related("region")
        .annotate(
            taken=Count("enrolments", filter=Q(enrolments__status__in=HOLDS_SEAT)),
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
            attended=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ATTENDED)),
        )
        .order_by("starts_at", "id")
    )


def session_seats(session: TrainingSession) -> tuple[int, int]:
    """(seats taken, people waiting)."""
    counts = Counter(
        Enrolment.objects.filter(session=session, status__in=OPEN).values_list("status", flat=True)
    )
    taken = sum(n for status, n in counts.items() if status in HOLDS_SEAT)
    return taken, counts.get(EnrolmentStatus.WAITLISTED, 0)


# --- the roster of a session -----------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    enrolment: Enrolment
    position: int | None  # on the waiting list
    follow_up: FollowUp | None


@dataclass
class Roster:
    """Who is in a session, as far as the user may know.

    ``seated`` and ``waiting`` hold the participants the user may see; ``hidden`` counts, by status, those
    the user may not see (e.g. a partner, for participants who did not consent to sharing with training
    partners): their kecamatan records them.
    """

    seated: list[RosterRow] = field(default_factory=list)
    waiting: list[RosterRow] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)
    taken: int = 0
    waitlisted: int = 0

    @property
    def hidden_total(self) -> int:
        return sum(self.hidden.values())

    @property
    def hidden_seated(self) -> int:
        return sum(n for s, n in self.hidden.items() if s != EnrolmentStatus.WAITLISTED)


def roster_get(*, session: TrainingSession, user: AnyUser) -> Roster:
    rows = list(
        Enrolment.objects.filter(session=session, status__in=OPEN)
        .select_related("participant", "participant__kelurahan", "follow_up")
        .order_by("id")
    )
    visible = (
        visible_participant_ids(user, {e.participant_id for e in rows}) if user.is_authenticated else set()
    )
    roster = Roster()
    position = 0
    for e in rows:
        if e.status == EnrolmentStatus.WAITLISTED:
            position += 1
            roster.waitlisted += 1
        else:
            roster.taken += 1
        if e.participant_id not in visible:
            roster.hidden[e.status] = roster.hidden.get(e.status, 0) + 1
            continue
        row = RosterRow(
            enrolment=e,
            position=position if e.status == EnrolmentStatus.WAITLISTED else None,
            follow_up=getattr(e, "follow_up", None),
        )
        (roster.waiting if e.status == EnrolmentStatus.WAITLISTED else roster.seated).append(row)
    return roster


# --- a participant's own training ----------------------------------------------------------------


@dataclass(frozen=True)
class MyEnrolment:
    enrolment: Enrolment
    session: TrainingSession
    position: int | None
    is_today: bool
    is_upcoming: bool


def my_enrolments(*, participant: Participant, now: dt.datetime | None = None) -> list[MyEnrolment]:
    """The participant's enrolments (not cancelled), newest session first, with waiting-list places."""
    at = now or timezone.now()
    today = timezone.localdate(at)
    line = (
        Enrolment.objects.filter(
            session=OuterRef("session"), status=EnrolmentStatus.WAITLISTED, id__lte=OuterRef("id")
        )
        .order_by()
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Enrolment.objects.filter(participant=participant, status__in=OPEN)
        .select_related("session", "session__course", "session__course__provider", "session__region")
        .annotate(place_in_line=Subquery(line, output_field=IntegerField()))
        .order_by("-session__starts_at", "-id")
    )
    out = []
    for e in rows:
        s = e.session
        out.append(
            MyEnrolment(
                enrolment=e,
                session=s,
                position=e.place_in_line if e.status == EnrolmentStatus.WAITLISTED else None,
                is_today=s.day == today,
                is_upcoming=s.starts_at > at,
            )
        )
    return out


def follow_ups_due(*, participant: Participant, now: dt.datetime | None = None) -> QuerySet[FollowUp]:
    """Unanswered follow-ups whose day has come."""
    return (
        FollowUp.objects.filter(
            enrolment__participant=participant,
            answered_at__isnull=True,
            due_on__lte=timezone.localdate(now or timezone.now()),
        )
        .select_related("enrolment__session__course")
        .order_by("due_on", "id")
    )


def next_level(*, participant: Participant) -> int:
    """The level worth taking next: one above the P2 level reached (T1 to start, at most T3)."""
    row = ParticipantStage.objects.filter(participant=participant, code="P2").only("level").first()
    return min(3, ((row.level if row else None) or 0) + 1)


def open_sessions(
    *, participant: Participant, now: dt.datetime | None = None, limit: int = MAX_OPEN_SESSIONS
) -> list[TrainingSession]:
    """Sessions the participant could join: published, not started, not already enrolled, in their
    city or online; the level worth taking next first, then by date."""
    at = now or timezone.now()
    mine = Enrolment.objects.filter(session=OuterRef("pk"), participant=participant, status__in=OPEN)
    wanted = next_level(participant=participant)
    rows = (
        TrainingSession.objects.filter(
            course__status=CourseStatus.PUBLISHED,
            starts_at__gt=at,
        )
        .filter(Q(region__code__startswith=participant.kota_code + ".") | Q(mode="online"))
        .exclude(Exists(mine))
        .select_related("course", "course__provider", "region")
        .annotate(
            taken=Count("enrolments", filter=Q(enrolments__status__in=HOLDS_SEAT)),
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
        )
        .order_by("starts_at", "id")[: limit * 3]
    )
    ordered: list[TrainingSession] = sorted(rows, key=lambda s: (s.course.level != wanted, s.starts_at))
    return ordered[:limit]


# --- background work -----------------------------------------------------------------------------


def sessions_to_remind(*, now: dt.datetime | None = None) -> list[int]:
    """Sessions that start tomorrow (Asia/Jakarta) and have not been reminded."""
    at = now or timezone.now()
    tomorrow = timezone.localdate(at) + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    return list(
        TrainingSession.objects.filter(
            starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1), reminded_at__isnull=True
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
