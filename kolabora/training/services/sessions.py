"""Sessions: the dated runs of a course, with their seats and their attendance code."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record, changed, snapshot
from kolabora.core.choices import AuditAction
from kolabora.regions.choices import RegionLevel

from .. import permissions
from ..choices import HOLDS_SEAT, SessionMode
from ..models import Course, Enrolment, TrainingSession
from ._common import lock_session
from .courses import require_offer
from .enrolments import waitlist_promote

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation
    from kolabora.regions.models import Region

SESSION_FIELDS = (
    "starts_at",
    "ends_at",
    "mode",
    "place",
    "online_link",
    "capacity",
    "trainer_name",
    "region",
)


def attendance_code_new() -> str:
    """Six digits: quick to type on a phone keypad, read aloud or written on a board."""
    return f"{secrets.randbelow(10**6):06d}"


def _region_errors(provider: Organisation, region: Region) -> dict[str, str]:
    """A session takes place in a kecamatan the provider serves: a government office's own region, a
    partner's agreement region."""
    if region.level != RegionLevel.KECAMATAN:
        return {"region": _("Choose the kecamatan where the session takes place.")}
    if permissions.is_government(provider):
        if not access.region_covers([provider.region_id], region.code):
            return {"region": _("%(org)s offers training only inside %(region)s.") % {
                "org": provider.name, "region": provider.region.name}}  # fmt: skip
        return {}
    areas = [a.region_id for a in access.agreements_in_force(provider, stage="P2")]
    if not access.region_covers(areas, region.code):
        return {
            "region": _("The agreement of %(org)s does not cover this kecamatan.") % {"org": provider.name}
        }
    return {}


def _shape_errors(
    *, starts_at: dt.datetime, ends_at: dt.datetime, mode: str, place: str, online_link: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("The session must end after it starts.")
    if mode == SessionMode.IN_PERSON and not place.strip():
        errors["place"] = _("Say where the session takes place.")
    if mode == SessionMode.ONLINE and not online_link.strip():
        errors["online_link"] = _("Give the link participants use to join online.")
    return errors


def session_create(
    *,
    course: Course,
    actor: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    trainer_name: str,
    region: Region,
    mode: str = SessionMode.IN_PERSON,
    place: str = "",
    online_link: str = "",
) -> TrainingSession:
    """Schedule a session of ``course`` in a kecamatan the provider serves, with a fresh attendance code."""
    require_offer(actor, course.provider)
    errors = _shape_errors(
        starts_at=starts_at, ends_at=ends_at, mode=mode, place=place, online_link=online_link
    ) | _region_errors(course.provider, region)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = TrainingSession(
            course=course,
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            place=place.strip(),
            online_link=online_link.strip(),
            capacity=capacity,
            trainer_name=trainer_name.strip(),
            region=region,
            attendance_code=attendance_code_new(),
            created_by=actor,
        )
        session.full_clean()
        session.save()
        audit_record(
            actor=actor,
            action=AuditAction.SESSION_CREATED,
            obj=session,
            organisation=course.provider,
            after={"course": course.pk, **snapshot(session, SESSION_FIELDS)},
        )
    return session


def session_update(
    *,
    session: TrainingSession,
    actor: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    trainer_name: str,
    region: Region,
    mode: str = SessionMode.IN_PERSON,
    place: str = "",
    online_link: str = "",
) -> TrainingSession:
    """Change a session. Seats cannot drop below those already taken; added seats go to the waiting
    list in order, at once. A new date means a new reminder."""
    errors = _shape_errors(
        starts_at=starts_at, ends_at=ends_at, mode=mode, place=place, online_link=online_link
    )
    with transaction.atomic():
        s = lock_session(session)
        require_offer(actor, s.course.provider)
        errors |= _region_errors(s.course.provider, region)
        taken = Enrolment.objects.filter(session=s, status__in=HOLDS_SEAT).count()
        if capacity < taken:
            errors["capacity"] = _(
                "%(n)s people already hold a seat; the session needs at least that many."
            ) % {"n": taken}
        if errors:
            raise ValidationError(errors)
        before = snapshot(s, SESSION_FIELDS)
        if starts_at != s.starts_at:
            s.reminded_at = None
        s.starts_at, s.ends_at, s.mode, s.capacity = starts_at, ends_at, mode, capacity
        s.place, s.online_link, s.trainer_name, s.region = (
            place.strip(),
            online_link.strip(),
            trainer_name.strip(),
            region,
        )
        s.full_clean()
        old, new = changed(before, snapshot(s, SESSION_FIELDS))
        if new:
            s.save()
            audit_record(
                actor=actor,
                action=AuditAction.SESSION_UPDATED,
                obj=s,
                organisation=s.course.provider,
                before=old,
                after=new,
            )
            waitlist_promote(session=s, reason=_("More seats were added."))
    return s
