"""Reads of assessment rounds: the questionnaire, response rates, and results per dimension, region and
period. Results are averages; a group with fewer than ``MIN_RESPONDENTS`` respondents is not shown, so no
one's answers can be read off a small group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from kolabora.core import access
from kolabora.core.access import region_q
from kolabora.regions.models import Region

from ..choices import RoundStatus
from ..models import Answer, AssessmentRound, Dimension, Invitation, Response

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

MIN_RESPONDENTS = 3


def rounds_visible(user: AnyUser) -> QuerySet[AssessmentRound]:
    """Rounds the user manages or reads results of, and rounds they are invited to answer."""
    invited = (
        Q(pk__in=Invitation.objects.filter(user_id=user.pk).values("round_id"))
        if user.is_authenticated
        else Q(pk__in=[])
    )
    return access.scope_assessment_rounds(
        user, AssessmentRound.objects.all(), invited_q=invited
    ).select_related("framework", "region")


def may_read_instruments(user: AnyUser) -> bool:
    """The questionnaires: for those who run or read assessments, and for members invited to answer one."""
    if not user.is_authenticated:
        return False
    return (
        access.can_manage_assessment(user)
        or access.can_view_governance(user)
        or Invitation.objects.filter(user_id=user.pk).exists()
    )


def invitation_for(user: AnyUser, rnd: AssessmentRound) -> Invitation | None:
    if not user.is_authenticated:
        return None
    return Invitation.objects.filter(round=rnd, user_id=user.pk).select_related("organisation").first()


@dataclass
class DimensionScore:
    id: int
    code: str
    label: str
    description: str
    total: int = 0
    answers: int = 0
    parts: list[DimensionScore] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return round(self.total / self.answers, 2) if self.answers else None


def _tree(framework_id: int) -> tuple[list[DimensionScore], dict[int, DimensionScore], dict[int, int]]:
    """Top-level dimensions with their parts, a lookup by id, and each dimension's top-level id."""
    dims = list(Dimension.objects.filter(framework_id=framework_id).order_by("order", "pk"))
    scores = {d.pk: DimensionScore(d.pk, d.code, d.label, d.description_label) for d in dims}
    top = [scores[d.pk] for d in dims if d.parent_id is None]
    for d in dims:
        if d.parent_id is not None and d.parent_id in scores:
            scores[d.parent_id].parts.append(scores[d.pk])
    return top, scores, {d.pk: d.parent_id or d.pk for d in dims}


def _fill(
    rows: Iterable[Mapping[str, Any]], scores: dict[int, DimensionScore], top_of: dict[int, int]
) -> None:
    for r in rows:
        leaf = scores.get(r["item__dimension_id"])
        if leaf is None:
            continue
        leaf.total += r["total"]
        leaf.answers += r["n"]
        parent = top_of[leaf.id]
        if parent != leaf.id:
            scores[parent].total += r["total"]
            scores[parent].answers += r["n"]


@dataclass
class RegionScores:
    code: str
    name: str
    respondents: int
    means: dict[str, float | None]

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_RESPONDENTS


@dataclass
class OrganisationRate:
    organisation_id: int
    name: str
    invited: int
    responded: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.responded / self.invited) if self.invited else None


@dataclass
class RoundResults:
    round: AssessmentRound
    codes: list[str] | None
    respondents: int
    dimensions: list[DimensionScore]
    regions: list[RegionScores]
    rates: list[OrganisationRate]
    invited: int
    previous: AssessmentRound | None = None
    previous_dimensions: list[DimensionScore] | None = None

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_RESPONDENTS

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.respondents / self.invited) if self.invited else None

    @property
    def overall(self) -> float | None:
        total = sum(d.total for d in self.dimensions)
        answers = sum(d.answers for d in self.dimensions)
        return round(total / answers, 2) if answers else None


def _responses(rnd: AssessmentRound, codes: list[str] | None) -> QuerySet[Response]:
    qs = Response.objects.filter(round=rnd)
    return qs if codes is None else qs.filter(region_q(codes, "organisation__region"))


def _scores(rnd: AssessmentRound, codes: list[str] | None) -> tuple[int, list[DimensionScore]]:
    responses = _responses(rnd, codes)
    respondents = responses.count()
    top, scores, top_of = _tree(rnd.framework_id)
    if respondents >= MIN_RESPONDENTS:
        rows = list(
            Answer.objects.filter(response__in=responses)
            .values("item__dimension_id")
            .annotate(total=Sum("score"), n=Count("pk"))
        )
        _fill(rows, scores, top_of)
    return respondents, top


def _regions(rnd: AssessmentRound, codes: list[str] | None) -> list[RegionScores]:
    """Scores per city (the first two levels of the respondent organisation's region)."""
    responses = _responses(rnd, codes)
    key = Substr("organisation__region_id", 1, 5)
    counts = {r["k"]: r["n"] for r in responses.annotate(k=key).values("k").annotate(n=Count("pk"))}
    top, scores, top_of = _tree(rnd.framework_id)
    codes_by_id = {s.id: s.code for s in scores.values()}
    sums: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    shown = [k for k, n in counts.items() if n >= MIN_RESPONDENTS]
    if shown:
        for r in (
            Answer.objects.filter(response__in=responses)
            .annotate(k=Substr("response__organisation__region_id", 1, 5))
            .filter(k__in=shown)
            .values("k", "item__dimension_id")
            .annotate(total=Sum("score"), n=Count("pk"))
        ):
            dim = codes_by_id[top_of[r["item__dimension_id"]]]
            sums[r["k"]][dim][0] += r["total"]
            sums[r["k"]][dim][1] += r["n"]
    names = dict(Region.objects.filter(code__in=list(counts)).values_list("code", "name"))
    result = []
    for k in sorted(counts):
        means = {
            d.code: (round(sums[k][d.code][0] / sums[k][d.code][1], 2) if sums[k][d.code][1] else None)
            for d in top
        }
        result.append(RegionScores(k, names.get(k, k), counts[k], means))
    return result


def organisation_rates(rnd: AssessmentRound, codes: list[str] | None) -> tuple[int, list[OrganisationRate]]:
    qs = Invitation.objects.filter(round=rnd)
    if codes is not None:
        qs = qs.filter(region_q(codes, "organisation__region"))
    rows = (
        qs.values("organisation_id", "organisation__name")
        .annotate(invited=Count("pk"), responded=Count("pk", filter=Q(responded_at__isnull=False)))
        .order_by("organisation__name")
    )
    rates = [
        OrganisationRate(r["organisation_id"], r["organisation__name"], r["invited"], r["responded"])
        for r in rows
    ]
    return sum(r.invited for r in rates), rates


def previous_round(rnd: AssessmentRound) -> AssessmentRound | None:
    """The latest earlier round of the same framework over the same region, for comparison."""
    return (
        AssessmentRound.objects.filter(
            framework_id=rnd.framework_id, region_id=rnd.region_id, period_end__lt=rnd.period_start
        )
        .exclude(status=RoundStatus.DRAFT)
        .order_by("-period_end", "-pk")
        .first()
    )


def round_results(rnd: AssessmentRound, codes: list[str] | None = None) -> RoundResults:
    """Results of the round over ``codes`` (None: all of it), with the previous round for comparison."""
    respondents, dimensions = _scores(rnd, codes)
    invited, rates = organisation_rates(rnd, codes)
    results = RoundResults(rnd, codes, respondents, dimensions, _regions(rnd, codes), rates, invited)
    prev = previous_round(rnd)
    if prev is not None:
        prev_respondents, prev_dimensions = _scores(prev, codes)
        if prev_respondents >= MIN_RESPONDENTS:
            results.previous, results.previous_dimensions = prev, prev_dimensions
    return results


def latest_results(user_codes: list[str] | None, rounds: QuerySet[AssessmentRound]) -> RoundResults | None:
    """Results of the latest closed round among ``rounds`` (for the report), or None."""
    rnd = rounds.filter(status=RoundStatus.CLOSED).order_by("-period_end", "-pk").first()
    return round_results(rnd, user_codes) if rnd is not None else None
