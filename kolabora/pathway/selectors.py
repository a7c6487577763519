"""Reads of the pathway."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.participants.models import Participant

from .choices import StageStatus
from .models import ParticipantStage, Programme

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser


@dataclass(frozen=True)
class StageView:
    code: str
    name: str
    status: str
    status_label: str
    level: int | None
    levels: int
    since: dt.datetime
    requirements: str
    prerequisites: list[str]
    rule_exception: bool
    blocked_by: list[str]


def pathway_get(*, participant: Participant) -> list[StageView]:
    """The participant's seven steps in order, each with what blocks it (unmet prerequisites)."""
    rows = list(
        ParticipantStage.objects.filter(participant=participant)
        .select_related("stage")
        .order_by("stage__order")
    )
    statuses = {r.code: r.status for r in rows}
    return [
        StageView(
            code=r.code,
            name=r.stage.name,
            status=r.status,
            status_label=str(StageStatus(r.status).label),
            level=r.level,
            levels=r.stage.levels,
            since=r.since,
            requirements=r.stage.requirements,
            prerequisites=list(r.stage.prerequisites),
            rule_exception=r.rule_exception,
            blocked_by=[p for p in r.stage.prerequisites if statuses.get(p) != StageStatus.COMPLETED],
        )
        for r in rows
    ]


def next_stage(stages: list[StageView]) -> StageView | None:
    """The first stage not yet completed or skipped whose prerequisites are met (or the first open one)."""
    for s in stages:
        if s.status == StageStatus.IN_PROGRESS:
            return s
    for s in stages:
        if s.status in (StageStatus.NOT_STARTED, StageStatus.DROPPED) and not s.blocked_by:
            return s
    return None


def at_risk_list(
    *, user: AnyUser, programme: Programme, now: dt.datetime | None = None
) -> QuerySet[Participant]:
    """Participants with an open stage and no activity for the programme's at-risk days, oldest first."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=programme.at_risk_days)
    open_stage = ParticipantStage.objects.filter(participant=OuterRef("pk"), status=StageStatus.IN_PROGRESS)
    return (
        access.scope(user, Participant.objects.all(), Action.PARTICIPANT_VIEW)
        .filter(last_activity_at__lt=cutoff, status="active")
        .filter(Exists(open_stage))
        .select_related("kelurahan")
        .order_by("last_activity_at", "id")
    )
