"""The mentor's caseload by urgency, and where a participant stands against the P3 criteria."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from kolabora.core.timeutils import today
from kolabora.participants.models import Business, Participant
from kolabora.pathway.models import ParticipantStage

from ..choices import Urgency
from ..models import MentorAssignment, MentoringCriteria, MentoringSession, ReadinessAssessment
from .mentors import criteria_get, open_p3, participant_programme, visible_participants

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.core.access import AnyUser


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
        .filter(open_p3())
        .filter(participant__in=visible_participants(user))
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
