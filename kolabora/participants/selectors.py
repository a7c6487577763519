"""Reads of participants, always through the access gate. Lists use keyset pagination on the id so a
deep page costs the same as the first at a million rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from .models import Business, Participant

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser


@dataclass(frozen=True)
class ParticipantFilters:
    region: str = ""
    stage: str = ""
    status: str = ""
    entry_track: str = ""
    sector: str = ""
    inactive_days: int | None = None
    q: str = ""


def participant_list(*, user: AnyUser, filters: ParticipantFilters) -> QuerySet[Participant]:
    """Participants the user may see, newest first, filtered.

    ``stage`` alone keeps those who reached it (in progress or completed); with ``status`` it keeps that
    stage status. ``status`` alone is the record's status (active or merged); by default merged records
    are left out.
    """
    qs = access.scope(user, Participant.objects.all(), Action.PARTICIPANT_VIEW)
    if filters.region:
        qs = qs.filter(access.participant_region_q([filters.region]))
    if filters.stage:
        wanted = [filters.status] if filters.status else [StageStatus.IN_PROGRESS, StageStatus.COMPLETED]
        qs = qs.filter(
            Exists(
                ParticipantStage.objects.filter(
                    participant=OuterRef("pk"), code=filters.stage, status__in=wanted
                )
            )
        )
        qs = qs.filter(status="active")
    elif filters.status:
        qs = qs.filter(status=filters.status)
    else:
        qs = qs.filter(status="active")
    if filters.entry_track:
        qs = qs.filter(entry_track=filters.entry_track)
    if filters.sector:
        qs = qs.filter(Exists(Business.objects.filter(participant=OuterRef("pk"), sector=filters.sector)))
    if filters.inactive_days is not None:
        qs = qs.filter(last_activity_at__lt=timezone.now() - dt.timedelta(days=filters.inactive_days))
    if filters.q:
        digits = filters.q.strip()
        qs = (
            qs.filter(nik=digits)
            if digits.isdigit() and len(digits) == 16
            else qs.filter(name_key__contains=" ".join(filters.q.upper().split()))
        )
    return qs.order_by("-id")


def page_after(
    qs: QuerySet[Participant], *, after: int | None, size: int
) -> tuple[list[Participant], int | None]:
    """One page of a ``-id`` ordered list after the cursor; returns the rows and the next cursor."""
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.select_related("kelurahan")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)


def likely_duplicates(*, user: AnyUser, limit: int = 100) -> list[list[Participant]]:
    """Groups of active participants with the same name, birth date and kelurahan under different NIKs."""
    from django.db.models import Count

    visible = access.scope(user, Participant.objects.filter(status="active"), Action.PARTICIPANT_MERGE)
    keys = (
        visible.values("name_key", "birth_date", "kelurahan_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name_key")[:limit]
    )
    groups = []
    for key in keys:
        groups.append(
            list(
                visible.filter(
                    name_key=key["name_key"], birth_date=key["birth_date"], kelurahan_id=key["kelurahan_id"]
                ).order_by("id")
            )
        )
    return groups
