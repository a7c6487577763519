"""Reads of feedback: what a participant may rate, the feedback a user may see, and its summary
(ratings, response times against the service level, themes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from kolabora.core import access

from ..choices import FeedbackStatus
from ..feedback_kinds import ReceivedService, services_received
from ..models import Feedback
from ..themes import THEMES
from .common import Scope, pct

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser
    from kolabora.participants.models import Participant

# Themes and response times are read from the latest rows of the selection (a bounded sample), so the page
# stays quick whatever the volume; counts, averages and shares are computed by the database over all rows.
SAMPLE = 5000


def access_feedback(user: AnyUser, pk: int) -> Feedback:
    fb = (
        Feedback.objects.select_related(
            "participant", "participant__kelurahan", "organisation", "handoff", "answered_by"
        )
        .filter(pk=pk)
        .first()
    )
    if fb is None:
        raise Http404
    if not access.can_view_feedback(user, fb):
        raise PermissionDenied
    return fb


@dataclass(frozen=True)
class Rateable:
    service: ReceivedService
    feedback: Feedback | None


def rateable_services(participant: Participant) -> list[Rateable]:
    """Every service the participant received, with the feedback they gave on it (if any)."""
    given = {(f.subject_type, f.subject_id): f for f in Feedback.objects.filter(participant=participant)}
    return [Rateable(s, given.get((s.subject_type, s.subject_id))) for s in services_received(participant)]


def feedback_visible(
    user: AnyUser,
    scope: Scope,
    *,
    status: str = "",
    organisation_id: int | None = None,
    theme: str = "",
    kind: str = "",
) -> QuerySet[Feedback]:
    """Feedback the user may see, in the scope's period (and, for region-wide readers, its regions)."""
    qs = access.scope_feedback(user, Feedback.objects.all()).filter(scope.since_q("created_at"))
    if scope.codes is not None and not access.is_system_admin(user):
        own = access.member_organisation_ids(user)
        qs = qs.filter(scope.area_q() | Q(organisation_id__in=own))
    elif scope.codes is not None:
        qs = qs.filter(scope.area_q())
    if status:
        qs = qs.filter(status=status)
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if kind:
        qs = qs.filter(kind=kind)
    if theme:
        # JSON containment is not portable (SQLite); theme codes are short words stored as a JSON list.
        qs = qs.filter(themes__icontains=f'"{theme}"')
    return qs.select_related("organisation", "participant", "handoff")


@dataclass
class ThemeCount:
    code: str
    label: str
    keywords: tuple[str, ...]
    count: int = 0
    rating_total: int = 0

    @property
    def rating(self) -> float | None:
        return round(self.rating_total / self.count, 1) if self.count else None


@dataclass
class OrganisationFeedback:
    organisation_id: int
    name: str
    count: int
    rating: float | None
    answered: int
    within: int
    open_overdue: int

    @property
    def within_share(self) -> float | None:
        return pct(self.within, self.answered + self.open_overdue)


@dataclass
class FeedbackSummary:
    count: int = 0
    rating: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)
    answered: int = 0
    within: int = 0
    open: int = 0
    open_overdue: int = 0
    median_days: float | None = None
    themes: list[ThemeCount] = field(default_factory=list)
    untagged: int = 0
    organisations: list[OrganisationFeedback] = field(default_factory=list)

    @property
    def within_share(self) -> float | None:
        """Answered within the service level, of those answered or overdue."""
        return pct(self.within, self.answered + self.open_overdue)


def feedback_summary(qs: QuerySet[Feedback], scope: Scope) -> FeedbackSummary:
    overdue = Q(status=FeedbackStatus.OPEN, handoff__due_on__lt=scope.on)
    totals = qs.aggregate(
        n=Count("pk"),
        rating=Avg("rating"),
        answered=Count("pk", filter=Q(status=FeedbackStatus.ANSWERED)),
        within=Count("pk", filter=Q(status=FeedbackStatus.ANSWERED, handoff__within_service_level=True)),
        open=Count("pk", filter=Q(status=FeedbackStatus.OPEN)),
        overdue=Count("pk", filter=overdue),
    )
    summary = FeedbackSummary(
        count=totals["n"],
        rating=round(float(totals["rating"]), 1) if totals["rating"] is not None else None,
        answered=totals["answered"],
        within=totals["within"],
        open=totals["open"],
        open_overdue=totals["overdue"],
    )
    summary.distribution = {
        r["rating"]: r["n"] for r in qs.order_by().values("rating").annotate(n=Count("pk")).order_by("rating")
    }
    spans = [
        (answered - created).total_seconds() / 86400
        for created, answered in qs.filter(status=FeedbackStatus.ANSWERED)
        .order_by("-answered_at")
        .values_list("created_at", "answered_at")[:SAMPLE]
        if answered is not None
    ]
    summary.median_days = round(median(spans), 1) if spans else None
    counts = {t.code: ThemeCount(t.code, str(t.label), t.keywords) for t in THEMES}
    for themes, rating in qs.order_by("-created_at").values_list("themes", "rating")[:SAMPLE]:
        if not themes:
            summary.untagged += 1
        for code in themes or []:
            if code in counts:
                counts[code].count += 1
                counts[code].rating_total += rating
    summary.themes = sorted(counts.values(), key=lambda t: (-t.count, t.label))
    summary.organisations = [
        OrganisationFeedback(
            r["organisation_id"],
            r["organisation__name"],
            r["n"],
            round(float(r["rating"]), 1) if r["rating"] is not None else None,
            r["answered"],
            r["within"],
            r["overdue"],
        )
        for r in qs.order_by()
        .values("organisation_id", "organisation__name")
        .annotate(
            n=Count("pk"),
            rating=Avg("rating"),
            answered=Count("pk", filter=Q(status=FeedbackStatus.ANSWERED)),
            within=Count("pk", filter=Q(status=FeedbackStatus.ANSWERED, handoff__within_service_level=True)),
            overdue=Count("pk", filter=overdue),
        )
        .order_by("-n", "organisation__name")
    ]
    return summary
