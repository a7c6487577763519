"""Reads for mentoring, always through the access gate (``kolabora.core.access``); nothing here writes.

A mentor is a user with an active membership in the mentor role. Which mentors may take a participant
is decided here from the gate's own facts: a government office (the kecamatan secretariat) whose region
covers the participant, or a community organisation covering them while an agreement in force covers
P3 (``access.organisation_serves_stage``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.timeutils import today
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Membership, Organisation
from kolabora.participants.choices import CONSENT_FOR_RELATIONSHIP, RelationshipKind
from kolabora.participants.models import Business, Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage, Programme

from .choices import TargetMeasure, Urgency
from .models import MentorAssignment, MentoringCriteria, MentoringSession, MentorTarget, ReadinessAssessment

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.core.access import AnyUser

# P3 statuses in which a participant still needs their mentor (the caseload).
OPEN_P3 = (StageStatus.NOT_STARTED, StageStatus.IN_PROGRESS)
# P3 statuses in which a mentor can no longer be assigned.
CLOSED_P3 = (StageStatus.COMPLETED, StageStatus.SKIPPED)


# --- programme rules ------------------------------------------------------------------------------------


def criteria_get(*, programme: Programme) -> MentoringCriteria:
    """The programme's completion criteria; an unsaved row with the defaults when none is recorded."""
    found = MentoringCriteria.objects.filter(programme=programme).first()
    return found or MentoringCriteria(programme=programme)


def participant_programme(participant: Participant) -> Programme:
    """The programme whose P3 the participant is in."""
    row = (
        ParticipantStage.objects.filter(participant=participant, code="P3")
        .select_related("stage__programme")
        .first()
    )
    if row is not None:
        return row.stage.programme
    from kolabora.pathway.services import programme_default

    return programme_default()


def p3_status(participant: Participant) -> str:
    return (
        ParticipantStage.objects.filter(participant=participant, code="P3")
        .values_list("status", flat=True)
        .first()
        or StageStatus.NOT_STARTED
    )


def _open_p3() -> Exists:
    return Exists(
        ParticipantStage.objects.filter(participant=OuterRef("participant"), code="P3", status__in=OPEN_P3)
    )


# --- mentors ---------------------------------------------------------------------------------------------


def mentor_memberships(user: AnyUser) -> list[Membership]:
    """The user's active memberships in the mentor role (from the gate's per-request cache)."""
    return [m for m in access.memberships(user) if m.role == Role.MENTOR]


def is_mentor(user: AnyUser) -> bool:
    return bool(mentor_memberships(user))


def _is_government(org: Organisation) -> bool:
    return org.type in access.GOVERNMENT_TYPES


def _ancestors(kelurahan_code: str) -> list[str]:
    parts = kelurahan_code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@dataclass(frozen=True)
class Candidate:
    """A mentor who may take a participant, through one organisation, with their current caseload."""

    user: User
    organisation: Organisation
    caseload: int

    @property
    def is_community(self) -> bool:
        return not _is_government(self.organisation)


def caseload_counts(mentor_ids: list[int]) -> Counter[int]:
    """Participants each mentor currently mentors whose P3 is still open."""
    rows = (
        MentorAssignment.objects.filter(mentor_id__in=mentor_ids, ended_at__isnull=True)
        .filter(_open_p3())
        .values("mentor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({r["mentor_id"]: r["n"] for r in rows})


def _mentor_memberships_covering(code: str, *, kecamatan_only: bool) -> QuerySet[Membership]:
    regions = _ancestors(code)
    if kecamatan_only:
        regions = [c for c in regions if c.count(".") >= 2]
    return (
        Membership.objects.filter(
            role=Role.MENTOR,
            is_active=True,
            organisation__is_active=True,
            user__is_active=True,
            organisation__region_id__in=regions,
        )
        .select_related("user", "organisation")
        .order_by("user_id", "organisation_id")
    )


def mentor_candidates(
    *, participant: Participant, kecamatan_only: bool = False, on: dt.date | None = None
) -> list[Candidate]:
    """Mentors who may take this participant, lightest caseload first.

    Ties go to government mentors before community ones, then to the lowest user id, so the same data
    always gives the same choice. ``kecamatan_only`` keeps the mentors of the participant's kecamatan (or
    kelurahan), as automatic assignment does. A community organisation counts only while an agreement
    in force covers P3 and the participant consents to the sharing mentoring needs.
    """
    consent = CONSENT_FOR_RELATIONSHIP[RelationshipKind.MENTORING]
    consented: bool | None = None
    serves: dict[int, bool] = {}
    chosen: dict[int, Membership] = {}
    for m in _mentor_memberships_covering(participant.kelurahan_id, kecamatan_only=kecamatan_only):
        org = m.organisation
        if not _is_government(org):
            if org.pk not in serves:
                serves[org.pk] = access.organisation_serves_stage(org, "P3", on=on)
            if not serves[org.pk]:
                continue
            if consented is None:
                consented = access.consent_is_open(participant, consent)
            if not consented:
                continue
        held = chosen.get(m.user_id)
        if held is None or (not _is_government(held.organisation) and _is_government(org)):
            chosen[m.user_id] = m
    loads = caseload_counts(list(chosen))
    found = [Candidate(m.user, m.organisation, loads[uid]) for uid, m in chosen.items()]
    return sorted(found, key=lambda c: (c.caseload, c.is_community, c.user.pk, c.organisation.pk))


def candidate_for(user: AnyUser, participant: Participant) -> Candidate | None:
    """The user as a possible mentor of this participant, or None."""
    if not is_mentor(user):
        return None
    return next((c for c in mentor_candidates(participant=participant) if c.user.pk == user.pk), None)


def community_refusal(user: User, participant: Participant) -> Organisation | None:
    """A community organisation through which ``user`` would mentor this participant but for a missing
    P3 agreement (for saying why an assignment is refused)."""
    for m in _mentor_memberships_covering(participant.kelurahan_id, kecamatan_only=False).filter(user=user):
        if not _is_government(m.organisation) and not access.organisation_serves_stage(m.organisation, "P3"):
            return m.organisation
    return None


# --- assignments ------------------------------------------------------------------------------------------


def current_assignment(*, participant: Participant) -> MentorAssignment | None:
    return (
        MentorAssignment.objects.filter(participant=participant, ended_at__isnull=True)
        .select_related("mentor", "organisation")
        .first()
    )


def assignment_history(*, participant: Participant) -> QuerySet[MentorAssignment]:
    return (
        MentorAssignment.objects.filter(participant=participant)
        .select_related("mentor", "organisation", "assigned_by")
        .order_by("-started_at", "-id")
    )


def _visible_participants(user: AnyUser) -> QuerySet[Participant]:
    return access.scope(user, Participant.objects.all(), Action.PARTICIPANT_VIEW)


def _own_rows_q(user: AnyUser) -> Q:
    """Mentoring rows the user may read among participants they see: all of them in a region the user
    covers, or those of their own organisation (a partner reaching the participant by a relationship sees
    what it wrote, not other organisations' notes), or the participant's own."""
    regional = Participant.objects.filter(
        access.participant_region_q(access.region_codes(user, Action.PARTICIPANT_VIEW))
    )
    return (
        Q(participant__in=regional)
        | Q(organisation_id__in=access.member_organisation_ids(user))
        | Q(participant__user_id=user.pk)
    )


def session_list(*, user: AnyUser) -> QuerySet[MentoringSession]:
    """Sessions the user may read, newest first."""
    qs = MentoringSession.objects.filter(participant__in=_visible_participants(user))
    if not access.is_system_admin(user):
        qs = qs.filter(_own_rows_q(user))
    return qs.select_related("participant", "mentor", "organisation").order_by("-held_on", "-id")


def assignment_list(*, user: AnyUser, current: bool = True) -> QuerySet[MentorAssignment]:
    """Assignments the user may read (current ones by default), newest first."""
    qs = MentorAssignment.objects.filter(participant__in=_visible_participants(user))
    if current:
        qs = qs.filter(ended_at__isnull=True)
    if not access.is_system_admin(user):
        qs = qs.filter(_own_rows_q(user))
    return qs.select_related("participant", "mentor", "organisation").order_by("-started_at", "-id")


def can_see_mentoring(user: AnyUser, participant: Participant) -> bool:
    """Staff who may see the participant see their mentoring record; the participant's own account does
    not use these staff pages."""
    if not access.can(user, Action.PARTICIPANT_VIEW, participant):
        return False
    return access.is_system_admin(user) or bool(access.member_organisation_ids(user))


def can_manage_mentors(user: AnyUser, participant: Participant) -> bool:
    """The secretariat (and programme managers) of the participant's area assign and change mentors."""
    return access.can(user, Action.PARTICIPANT_EDIT, participant)


def manageable_kecamatan(user: AnyUser) -> list[str]:
    """Kecamatan codes whose mentors the user manages (a secretariat's own, or those inside a city or
    province the user covers)."""
    from kolabora.regions.choices import RegionLevel
    from kolabora.regions.models import Region

    qs = Region.objects.filter(level=RegionLevel.KECAMATAN)
    if not access.is_system_admin(user):
        codes = access.region_codes(user, Action.PARTICIPANT_EDIT)
        qs = qs.filter(access.region_q(codes, "code")) if codes else qs.none()
    return list(qs.order_by("code").values_list("code", flat=True))


# --- the mentor's caseload -------------------------------------------------------------------------------


@dataclass
class CaseloadRow:
    assignment: MentorAssignment
    participant: Participant
    business_name: str
    sessions: int
    last_held: dt.date | None
    next_step: str
    next_due: dt.date | None
    p3_status: str
    days_inactive: int
    at_risk: bool
    overdue: bool
    urgency: Urgency = Urgency.ON_TRACK
    # Whether the viewer may see the participant's phone (set by the view from the data categories).
    contact: bool = False

    @property
    def urgency_label(self) -> str:
        return str(self.urgency.label)

    @property
    def days_overdue(self) -> int:
        return (today() - self.next_due).days if self.next_due else 0

    @property
    def days_to_due(self) -> int:
        return (self.next_due - today()).days if self.next_due else 0


def _latest(field_name: str) -> Subquery:
    return Subquery(
        MentoringSession.objects.filter(participant=OuterRef("participant"))
        .order_by("-held_on", "-id")
        .values(field_name)[:1]
    )


def caseload(
    *, user: AnyUser, mentor: User | None = None, now: dt.datetime | None = None
) -> list[CaseloadRow]:
    """The mentor's participants whose P3 is open, most urgent first: at risk (no activity for the
    programme's at-risk days, longest silence first), next step overdue (longest overdue first), no
    session yet (longest waiting first), next step planned (soonest first), then the rest (longest since
    the last session first). Four queries whatever the caseload's size."""
    from kolabora.pathway.services import programme_default

    now = now or timezone.now()
    day = timezone.localdate(now)
    mentor = mentor or user  # type: ignore[assignment]
    assert mentor is not None
    at_risk_days = programme_default().at_risk_days
    cutoff = now - dt.timedelta(days=at_risk_days)
    sessions = (
        MentoringSession.objects.filter(participant=OuterRef("participant"))
        .order_by()
        .values("participant")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        MentorAssignment.objects.filter(mentor=mentor, ended_at__isnull=True)
        .filter(_open_p3())
        .filter(participant__in=_visible_participants(user))
        .select_related("participant", "participant__kelurahan", "organisation")
        .annotate(
            last_held=_latest("held_on"),
            latest_step=_latest("next_step"),
            next_due=_latest("next_step_due"),
            n_sessions=Subquery(sessions),
            business_name=Subquery(
                Business.objects.filter(participant=OuterRef("participant"))
                .order_by("created_at", "id")
                .values("name")[:1]
            ),
            p3=Subquery(
                ParticipantStage.objects.filter(participant=OuterRef("participant"), code="P3").values(
                    "status"
                )[:1]
            ),
        )
    )
    out: list[CaseloadRow] = []
    for a in rows:
        p = a.participant
        at_risk = p.last_activity_at < cutoff
        overdue = a.next_due is not None and a.next_due < day
        row = CaseloadRow(
            assignment=a,
            participant=p,
            business_name=a.business_name or "",
            sessions=a.n_sessions or 0,
            last_held=a.last_held,
            next_step=a.latest_step or "",
            next_due=a.next_due,
            p3_status=a.p3,
            days_inactive=(now - p.last_activity_at).days,
            at_risk=at_risk,
            overdue=overdue,
        )
        if at_risk:
            row.urgency = Urgency.AT_RISK
        elif overdue:
            row.urgency = Urgency.OVERDUE
        elif a.last_held is None:
            row.urgency = Urgency.NOT_VISITED
        elif a.next_due is not None:
            row.urgency = Urgency.UPCOMING
        out.append(row)

    def key(r: CaseloadRow) -> tuple[int, float, int]:
        if r.urgency == Urgency.AT_RISK:
            k = r.participant.last_activity_at.timestamp()
        elif r.urgency in (Urgency.OVERDUE, Urgency.UPCOMING):
            assert r.next_due is not None
            k = float(r.next_due.toordinal())
        elif r.urgency == Urgency.NOT_VISITED:
            k = r.assignment.started_at.timestamp()
        else:
            k = float(r.last_held.toordinal()) if r.last_held else 0.0
        return (int(r.urgency), k, r.participant.pk)

    return sorted(out, key=key)


# --- completion ------------------------------------------------------------------------------------------


@dataclass
class CompletionCheck:
    """Where a participant stands against their programme's P3 criteria; ``missing`` says what is left, in
    words."""

    criteria: MentoringCriteria
    sessions: int
    assessment: ReadinessAssessment | None
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def sessions_met(self) -> bool:
        return self.sessions >= self.criteria.min_sessions

    @property
    def readiness_met(self) -> bool:
        return not self.criteria.readiness_required or bool(self.assessment and self.assessment.ready)

    @property
    def plan_met(self) -> bool:
        if not self.criteria.business_plan_required:
            return True
        return self.assessment is not None and not self.assessment.plan_missing()


def completion_check(*, participant: Participant) -> CompletionCheck:
    """The programme's P3 criteria against what has been recorded."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    criteria = criteria_get(programme=participant_programme(participant))
    sessions = MentoringSession.objects.filter(participant=participant).count()
    assessment = (
        ReadinessAssessment.objects.filter(participant=participant).order_by("-assessed_on", "-id").first()
    )
    check = CompletionCheck(criteria=criteria, sessions=sessions, assessment=assessment)
    if not check.sessions_met:
        left = criteria.min_sessions - sessions
        check.missing.append(
            ngettext(
                "%(left)d more mentoring session (%(done)d of %(needed)d held).",
                "%(left)d more mentoring sessions (%(done)d of %(needed)d held).",
                left,
            )
            % {"left": left, "done": sessions, "needed": criteria.min_sessions}
        )
    if criteria.readiness_required and assessment is None:
        check.missing.append(_("A readiness assessment."))
    elif criteria.readiness_required and assessment is not None and not assessment.ready:
        check.missing.append(_("The latest readiness assessment does not yet judge the business ready."))
    if criteria.business_plan_required and assessment is not None:
        names = {
            "product": _("product"),
            "customers": _("customers"),
            "price": _("price"),
            "next_step": _("next step"),
        }
        lacking = [str(names[n]) for n in assessment.plan_missing()]
        if lacking:
            check.missing.append(_("The business plan lacks: %(parts)s.") % {"parts": ", ".join(lacking)})
    elif criteria.business_plan_required and not criteria.readiness_required and assessment is None:
        check.missing.append(_("A short business plan (product, customers, price, next step)."))
    return check


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


def mentors_in(codes: list[str] | None) -> QuerySet[Membership]:
    """Active mentor memberships in organisations inside these regions (everywhere when None)."""
    qs = Membership.objects.filter(
        role=Role.MENTOR, is_active=True, organisation__is_active=True, user__is_active=True
    )
    if codes is not None:
        qs = qs.filter(access.region_q(codes, "organisation__region"))
    return qs.select_related("user", "organisation").order_by(
        "organisation__name", "user__first_name", "user__last_name", "user_id"
    )


def managed_mentors(user: AnyUser) -> QuerySet[Membership]:
    """Mentors whose targets and caseloads the user manages (those of organisations inside the regions
    where the user may edit participants)."""
    if access.is_system_admin(user):
        return mentors_in(None)
    return mentors_in(access.region_codes(user, Action.PARTICIPANT_EDIT))


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
            .filter(_open_p3())
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
