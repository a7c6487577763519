"""Progress against mentors' targets, the secretariat's board and the export behind incentive payment."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kolabora.core.timeutils import today
from kolabora.organisations.models import Membership, Organisation
from kolabora.participants.models import Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from ..choices import TargetMeasure
from ..models import MentorAssignment, MentoringSession, MentorTarget
from .mentors import caseload_counts, criteria_get, mentors_in, open_p3

if TYPE_CHECKING:
    from kolabora.accounts.models import User


# --- progress and targets -----------------------------------------------------------------------------


def _local_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


@dataclass
class Progress:
    sessions: int = 0
    mentored: int = 0
    p3_completed: int = 0
    p4_reached: int = 0

    def count(self, measure: str) -> int:
        return {
            TargetMeasure.MENTORED: self.mentored,
            TargetMeasure.P3_COMPLETED: self.p3_completed,
            TargetMeasure.P4_REACHED: self.p4_reached,
        }[TargetMeasure(measure)]


def progress_by_mentor(*, mentor_ids: list[int], start: dt.date, end: dt.date) -> dict[int, Progress]:
    """Per mentor, within the period: sessions held, distinct participants mentored (a session held),
    participants who completed P3 while the mentor was their mentor, and participants the mentor had
    mentored who then completed P4 (licensing). Four grouped queries for any number of mentors."""
    out = {mid: Progress() for mid in mentor_ids}
    if not mentor_ids:
        return out
    held = (
        MentoringSession.objects.filter(mentor_id__in=mentor_ids, held_on__gte=start, held_on__lte=end)
        .values("mentor_id")
        .annotate(sessions=Count("id"), people=Count("participant", distinct=True))
        .order_by()
    )
    for r in held:
        out[r["mentor_id"]].sessions = r["sessions"]
        out[r["mentor_id"]].mentored = r["people"]
    since, until = _local_bounds(start, end)
    for code, attr, while_current in (("P3", "p3_completed", True), ("P4", "p4_reached", False)):
        # One filter() call, so every condition reads the same stage row (one join).
        condition = Q(
            participant__stages__code=code,
            participant__stages__status=StageStatus.COMPLETED,
            participant__stages__completed_at__gte=since,
            participant__stages__completed_at__lt=until,
            started_at__lte=F("participant__stages__completed_at"),
        )
        if while_current:
            condition &= Q(ended_at__isnull=True) | Q(ended_at__gte=F("participant__stages__completed_at"))
        counted = (
            MentorAssignment.objects.filter(condition, mentor_id__in=mentor_ids)
            .values("mentor_id")
            .annotate(n=Count("participant", distinct=True))
            .order_by()
        )
        for c in counted:
            setattr(out[c["mentor_id"]], attr, c["n"])
    return out


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass
class TargetView:
    mentor: User
    organisation: Organisation
    target: MentorTarget | None
    goal: int
    measure: str
    progress: Progress

    @property
    def achieved(self) -> int:
        return self.progress.count(self.measure)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.achieved / self.goal)) if self.goal else 0

    @property
    def met(self) -> bool:
        return self.goal > 0 and self.achieved >= self.goal

    @property
    def measure_label(self) -> str:
        return str(TargetMeasure(self.measure).label)


def targets_for(*, memberships: list[Membership], year: int) -> list[TargetView]:
    """Each mentor's target for the year (their recorded one, or the programme's default) and progress."""
    from kolabora.pathway.services import programme_default

    start, end = year_bounds(year)
    criteria = criteria_get(programme=programme_default())
    ids = list(dict.fromkeys(m.user_id for m in memberships))
    targets = {
        t.mentor_id: t
        for t in MentorTarget.objects.filter(
            mentor_id__in=ids, period_start__lte=end, period_end__gte=start
        ).order_by("period_start")
    }
    progress = progress_by_mentor(mentor_ids=ids, start=start, end=end)
    seen: set[int] = set()
    out = []
    for m in memberships:
        if m.user_id in seen:
            continue
        seen.add(m.user_id)
        t = targets.get(m.user_id)
        out.append(
            TargetView(
                mentor=m.user,
                organisation=m.organisation,
                target=t,
                goal=t.target if t else criteria.default_target,
                measure=t.measure if t else criteria.default_target_measure,
                progress=progress[m.user_id],
            )
        )
    return out


# --- the secretariat's board ----------------------------------------------------------------------------


def unmentored(*, kecamatan_code: str) -> QuerySet[Participant]:
    """Active participants of the kecamatan with P3 in progress and no current mentor, longest waiting
    first."""
    started = ParticipantStage.objects.filter(participant=OuterRef("pk"), code="P3").values("started_at")[:1]
    return (
        Participant.objects.filter(kecamatan_code=kecamatan_code, status="active")
        .filter(
            Exists(
                ParticipantStage.objects.filter(
                    participant=OuterRef("pk"), code="P3", status=StageStatus.IN_PROGRESS
                )
            )
        )
        .exclude(Exists(MentorAssignment.objects.filter(participant=OuterRef("pk"), ended_at__isnull=True)))
        .annotate(p3_started=Subquery(started))
        .select_related("kelurahan")
        .order_by(F("p3_started").asc(nulls_first=True), "id")
    )


def unmentored_kecamatan() -> list[str]:
    """Kecamatan with at least one participant whose P3 is in progress without a mentor."""
    without = ParticipantStage.objects.filter(code="P3", status=StageStatus.IN_PROGRESS).exclude(
        Exists(MentorAssignment.objects.filter(participant=OuterRef("participant"), ended_at__isnull=True))
    )
    return sorted(
        set(
            Participant.objects.filter(status="active", pk__in=without.values("participant_id")).values_list(
                "kecamatan_code", flat=True
            )
        )
    )


@dataclass
class BoardRow:
    target: TargetView
    caseload: int
    overdue: int


def board(*, kecamatan_code: str, year: int) -> list[BoardRow]:
    """The kecamatan's mentors with their caseload, overdue next steps and target progress."""
    members = list(mentors_in([kecamatan_code]))
    views = targets_for(memberships=members, year=year)
    ids = [v.mentor.pk for v in views]
    loads = caseload_counts(ids)
    day = today()
    latest_due = Subquery(
        MentoringSession.objects.filter(participant=OuterRef("participant"))
        .order_by("-held_on", "-id")
        .values("next_step_due")[:1]
    )
    overdue = Counter(
        {
            r["mentor_id"]: r["n"]
            for r in MentorAssignment.objects.filter(mentor_id__in=ids, ended_at__isnull=True)
            .filter(open_p3())
            .annotate(due=latest_due)
            .filter(due__lt=day)
            .values("mentor_id")
            .annotate(n=Count("id"))
            .order_by()
        }
    )
    return [BoardRow(v, loads[v.mentor.pk], overdue[v.mentor.pk]) for v in views]


# --- export ---------------------------------------------------------------------------------------------


@dataclass
class ExportParticipantRow:
    mentor: str
    participant: Participant
    sessions: int
    first_held: dt.date | None
    last_held: dt.date | None
    p3_status: str
    p4_status: str


def export_participants(*, memberships: list[Membership], year: int) -> list[ExportParticipantRow]:
    """Per mentor, the participants they held a session with in the year (the evidence behind the
    counts), in name order."""
    start, end = year_bounds(year)
    ids = list(dict.fromkeys(m.user_id for m in memberships))
    names = {m.user_id: (m.user.get_full_name() or m.user.username) for m in memberships}
    rows = (
        MentoringSession.objects.filter(mentor_id__in=ids, held_on__gte=start, held_on__lte=end)
        .values("mentor_id", "participant_id")
        .annotate(n=Count("id"), first=Min("held_on"), last=Max("held_on"))
        .order_by()
    )
    found = list(rows)
    people = Participant.objects.in_bulk([r["participant_id"] for r in found])
    stages: dict[tuple[int, str], str] = {
        (s["participant_id"], s["code"]): s["status"]
        for s in ParticipantStage.objects.filter(
            participant_id__in=list(people), code__in=["P3", "P4"]
        ).values("participant_id", "code", "status")
    }
    out = [
        ExportParticipantRow(
            mentor=names[r["mentor_id"]],
            participant=people[r["participant_id"]],
            sessions=r["n"],
            first_held=r["first"],
            last_held=r["last"],
            p3_status=stages.get((r["participant_id"], "P3"), ""),
            p4_status=stages.get((r["participant_id"], "P4"), ""),
        )
        for r in found
    ]
    return sorted(out, key=lambda r: (r.mentor, r.participant.full_name, r.participant.pk))
