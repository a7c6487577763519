"""Mentoring sessions and mentor assignments for partner systems (a mentor's own app, an agency's
dashboard), scoped by the access gate: a caller sees sessions of participants it may see, and a partner
reaching a participant through a relationship sees only what its own organisation recorded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.participants.models import Participant

from . import selectors, services
from .models import MentorAssignment, MentoringSession

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["mentoring"])
MAX_LIMIT = 200


class SessionIn(Schema):
    participant_id: int
    held_on: dt.date
    mode: str
    topics: list[str]
    notes: str = ""
    next_step: str = ""
    next_step_due: dt.date | None = None
    monthly_turnover: int | None = None


class SessionOut(Schema):
    id: int
    participant_id: int
    mentor: str
    organisation_id: int
    held_on: dt.date
    mode: str
    topics: list[str]
    notes: str
    next_step: str
    next_step_due: dt.date | None
    monthly_turnover: int | None
    has_photo: bool
    created_at: dt.datetime


class SessionFilters(Schema):
    participant_id: int | None = None
    mine: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    before_id: int | None = None
    limit: int = 50


class AssignmentOut(Schema):
    id: int
    participant_id: int
    participant_name: str
    mentor: str
    organisation_id: int
    method: str
    started_at: dt.datetime
    ended_at: dt.datetime | None


class AssignmentFilters(Schema):
    mine: bool = False
    participant_id: int | None = None
    include_ended: bool = False
    limit: int = 100


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _session_out(s: MentoringSession) -> SessionOut:
    return SessionOut(
        id=s.pk,
        participant_id=s.participant_id,
        mentor=_name(s.mentor),
        organisation_id=s.organisation_id,
        held_on=s.held_on,
        mode=s.mode,
        topics=list(s.topics),
        notes=s.notes,
        next_step=s.next_step,
        next_step_due=s.next_step_due,
        monthly_turnover=s.monthly_turnover,
        has_photo=bool(s.photo),
        created_at=s.created_at,
    )


def _assignment_out(a: MentorAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk,
        participant_id=a.participant_id,
        participant_name=a.participant.full_name,
        mentor=_name(a.mentor),
        organisation_id=a.organisation_id,
        method=a.method,
        started_at=a.started_at,
        ended_at=a.ended_at,
    )


def _limit(value: int, default: int) -> int:
    return min(max(value or default, 1), MAX_LIMIT)


@router.get("/mentoring-sessions", response={200: list[SessionOut], **ERRORS})
def list_mentoring_sessions(request: HttpRequest, filters: Query[SessionFilters]) -> list[SessionOut]:
    """Sessions the caller may read, newest first; page with ``before_id`` (the last id received)."""
    if not access.can(request.user, Action.PARTICIPANT_VIEW):
        raise PermissionDenied
    qs = selectors.session_list(user=request.user)
    if filters.participant_id is not None:
        qs = qs.filter(participant_id=filters.participant_id)
    if filters.mine:
        qs = qs.filter(mentor_id=request.user.pk)
    if filters.since is not None:
        qs = qs.filter(held_on__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(held_on__lte=filters.until)
    if filters.before_id is not None:
        qs = qs.filter(id__lt=filters.before_id)
    return [_session_out(s) for s in qs.order_by("-id")[: _limit(filters.limit, 50)]]


@router.post("/mentoring-sessions", response={201: SessionOut, **ERRORS})
def create_mentoring_session(request: HttpRequest, payload: SessionIn) -> Status[SessionOut]:
    """Log a session as the participant's mentor (a mentor of the area becomes the mentor of a participant
    who has none). Starts P3 when it has not started. Photos are added on the web page."""
    participant = Participant.objects.select_related("kelurahan").filter(pk=payload.participant_id).first()
    if participant is None or not access.can(request.user, Action.PARTICIPANT_VIEW, participant):
        raise ApiError(
            404, _("Not found."), [{"field": "participant_id", "message": _("No such participant.")}]
        )
    session = services.session_log(
        participant=participant,
        actor=cast("User", request.user),
        data=services.SessionInput(
            held_on=payload.held_on,
            mode=payload.mode,
            topics=payload.topics,
            notes=payload.notes,
            next_step=payload.next_step,
            next_step_due=payload.next_step_due,
            monthly_turnover=payload.monthly_turnover,
        ),
    )
    return Status(201, _session_out(session))


@router.get("/mentoring-assignments", response={200: list[AssignmentOut], **ERRORS})
def list_mentoring_assignments(
    request: HttpRequest, filters: Query[AssignmentFilters]
) -> list[AssignmentOut]:
    """Mentor assignments the caller may read (current ones unless ``include_ended``), newest first."""
    if not access.can(request.user, Action.PARTICIPANT_VIEW):
        raise PermissionDenied
    qs = selectors.assignment_list(user=request.user, current=not filters.include_ended)
    if filters.mine:
        qs = qs.filter(mentor_id=request.user.pk)
    if filters.participant_id is not None:
        qs = qs.filter(participant_id=filters.participant_id)
    return [_assignment_out(a) for a in qs[: _limit(filters.limit, 100)]]
