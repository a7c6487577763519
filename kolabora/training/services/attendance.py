"""Attendance, by the trainer's list or by the participant's code; attending finishes the course, which
feeds P2 through the pathway engine and schedules the follow-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.participants.models import Participant

from .. import permissions
from ..choices import ON_ROSTER, AttendanceMethod, EnrolmentStatus
from ..models import Enrolment, FollowUp, TrainingSession
from ._common import acting_organisation, lock_session, p2_advance

if TYPE_CHECKING:
    from kolabora.accounts.models import User

# Wrong codes a participant may type in one day before being sent to the trainer's list.
CODE_ATTEMPTS = 10


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _mark(
    *,
    enrolment: Enrolment,
    session: TrainingSession,
    to: EnrolmentStatus,
    method: AttendanceMethod,
    actor: User,
    at: dt.datetime,
) -> None:
    """Write one attendance change; attending opens the follow-up and moves P2."""
    before = enrolment.status
    enrolment.status = to
    enrolment.attendance_method = method
    enrolment.attendance_recorded_at = at
    enrolment.attendance_recorded_by = actor
    enrolment.save(
        update_fields=[
            "status",
            "attendance_method",
            "attendance_recorded_at",
            "attendance_recorded_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.ATTENDANCE_RECORDED,
        obj=enrolment,
        organisation=acting_organisation(actor, session),
        before={"status": before},
        after={"status": to, "method": method, "session": session.pk},
    )
    course = session.course
    if to == EnrolmentStatus.ATTENDED:
        FollowUp.objects.get_or_create(
            enrolment=enrolment,
            defaults={"due_on": session.day + dt.timedelta(weeks=course.follow_up_weeks)},
        )
        p2_advance(
            participant=enrolment.participant,
            course=course,
            reason=_("Attended “%(course)s” (%(level)s) on %(date)s")
            % {"course": course.title, "level": course.level_code, "date": session.day.strftime("%d-%m-%Y")},
        )
    else:
        # A correction (marked present by mistake): no questions about a course not attended. The
        # pathway keeps what it recorded; levels never go down.
        FollowUp.objects.filter(enrolment=enrolment, answered_at__isnull=True).delete()


def visible_participant_ids(user: User, participant_ids: Iterable[int]) -> set[int]:
    """Which of these participants the user may see (the access gate decides, consent included)."""
    return set(
        access.scope(
            user, Participant.objects.filter(pk__in=list(participant_ids)), Action.PARTICIPANT_VIEW
        ).values_list("pk", flat=True)
    )


def attendance_record(
    *,
    session: TrainingSession,
    actor: User,
    roster: Iterable[int],
    present: Iterable[int],
    now: dt.datetime | None = None,
) -> list[Enrolment]:
    """The trainer's list: each enrolment on ``roster`` is marked attended if in ``present``, else absent.

    Taken on the session's day or later, by those who run the session, and only for participants they
    may see: a training partner never records (or learns of) a participant who did not consent to
    sharing with training partners; the kecamatan records them. Returns the enrolments that changed.
    """
    at = now or timezone.now()
    roster_ids, present_ids = set(roster), set(present)
    if present_ids - roster_ids:
        raise ValidationError(_("Someone marked present is not on the list."))
    with transaction.atomic():
        s = lock_session(session)
        if not permissions.can_run(actor, s):
            raise PermissionDenied
        if timezone.localdate(at) < s.day:
            raise ValidationError(_("Attendance is taken on the day of the session or after."))
        rows = list(
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("participant")
            .filter(session=s, pk__in=roster_ids)
            .order_by("id")
        )
        if len(rows) != len(roster_ids):
            raise ValidationError(_("The list names an enrolment that is not in this session."))
        visible = visible_participant_ids(actor, [e.participant_id for e in rows])
        if any(e.participant_id not in visible for e in rows):
            raise PermissionDenied
        if any(e.status not in ON_ROSTER for e in rows):
            raise ValidationError(_("Only enrolled participants can be marked present or absent."))
        changes = []
        for e in rows:
            to = EnrolmentStatus.ATTENDED if e.pk in present_ids else EnrolmentStatus.ABSENT
            if e.status != to:
                _mark(enrolment=e, session=s, to=to, method=AttendanceMethod.LIST, actor=actor, at=at)
                changes.append(e)
    return changes


def _attempts_key(participant: Participant, day: dt.date) -> str:
    return f"training:code-attempts:{participant.pk}:{day.isoformat()}"


def attendance_check_in(
    *, participant: Participant, code: str, actor: User, now: dt.datetime | None = None
) -> Enrolment:
    """The participant types the session's code on their phone, on the session's day.

    The code must belong to a session the participant holds a seat in today. Typing the code again
    changes nothing. After ``CODE_ATTEMPTS`` wrong codes in a day the participant is sent to the trainer.
    """
    if not access.is_self(actor, participant):
        raise PermissionDenied
    at = now or timezone.now()
    day = timezone.localdate(at)
    key = _attempts_key(participant, day)
    if int(cache.get(key, 0)) >= CODE_ATTEMPTS:
        raise ValidationError(
            {
                "code": _(
                    "Too many wrong codes today. Ask the trainer to tick your name on the attendance list."
                )
            }
        )
    code = "".join(ch for ch in code if ch.isdigit())
    start, end = _day_bounds(day)
    found = list(
        Enrolment.objects.filter(
            participant=participant,
            session__attendance_code=code,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            status__in=[*ON_ROSTER, EnrolmentStatus.WAITLISTED],
        ).order_by("id")
    )
    if not found or len(code) != 6:
        cache.set(key, int(cache.get(key, 0)) + 1, timeout=60 * 60 * 24)
        raise ValidationError({"code": _("This code does not match any session you are enrolled in today.")})
    enrolment = next((e for e in found if e.status != EnrolmentStatus.WAITLISTED), found[0])
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        raise ValidationError(
            {
                "code": _(
                    "You are on the waiting list for this session. Ask the trainer whether a seat is free."
                )
            }
        )
    with transaction.atomic():
        s = lock_session(enrolment.session)
        e = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("participant")
            .get(pk=enrolment.pk)
        )
        if e.status != EnrolmentStatus.ATTENDED:
            _mark(
                enrolment=e,
                session=s,
                to=EnrolmentStatus.ATTENDED,
                method=AttendanceMethod.CODE,
                actor=actor,
                at=at,
            )
    return e
