"""Governance for partner systems: indicators, the network, accountability per organisation, assessment
results, and feedback (a participant gives it; the responsible organisation answers it).

Scoped like the pages: region-wide figures need ``ANALYTICS_VIEW`` over the region asked (``region``, a
Kemendagri code, defaults to all of the caller's regions); an organisation's members always read their own
accountability; feedback is visible to the participant who gave it, the organisation it was sent to and
``FEEDBACK_VIEW`` holders over the participant's area. ``since`` (YYYY-MM-DD) starts the period; without
it, all time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.organisations.models import Organisation
from kolabora.participants.models import Participant
from kolabora.regions.models import Region

from . import indicators as registry
from . import services
from .feedback_kinds import KINDS, kind_label
from .models import AssessmentRound, Feedback
from .selectors import assessments as assessment_selectors
from .selectors import feedback as feedback_selectors
from .selectors.accountability import AccountabilityRow, accountability, organisation_steps
from .selectors.common import Scope
from .selectors.network import network
from .themes import theme_label

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["governance"])
MAX_LIMIT = 200


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _scope(
    request: HttpRequest, region: str, since: dt.date | None, action: Action = Action.ANALYTICS_VIEW
) -> Scope:
    codes = access.governance_codes(request.user, action)
    if codes == []:
        raise PermissionDenied
    if region:
        if not Region.objects.filter(code=region).exists():
            raise ApiError(
                422,
                _("The request has invalid fields."),
                [{"field": "region", "message": _("Unknown region code.")}],
            )
        if codes is not None and not access.region_covers(codes, region):
            raise ApiError(403, _("You may not read figures for region %(code)s.") % {"code": region})
        return Scope(codes=(region,), since=since)
    return Scope(codes=None if codes is None else tuple(codes), since=since)


# --- indicators and network ----------------------------------------------------------------------------


class DetailOut(Schema):
    label: str
    value: str


class IndicatorOut(Schema):
    code: str
    dimension: str
    name: str
    definition: str
    value: float | None
    numerator: float | None
    denominator: float | None
    display: str
    note: str
    details: list[DetailOut]


class ScopeOut(Schema):
    regions: list[str] | None
    since: dt.date | None


class IndicatorsOut(Schema):
    scope: ScopeOut
    indicators: list[IndicatorOut]


@router.get("/governance/indicators", response={200: IndicatorsOut, **ERRORS})
def governance_indicators(
    request: HttpRequest, region: str = "", since: dt.date | None = None
) -> IndicatorsOut:
    """One value per indicator with its numerator, denominator and definition; ``value`` is null when the
    data does not exist yet, and ``note`` says why."""
    scope = _scope(request, region, since)
    return IndicatorsOut(
        scope=ScopeOut(regions=list(scope.codes) if scope.codes is not None else None, since=scope.since),
        indicators=[
            IndicatorOut(
                code=v.code,
                dimension=v.dimension,
                name=v.name,
                definition=v.definition,
                value=v.result.value,
                numerator=v.result.numerator,
                denominator=v.result.denominator,
                display=v.result.display,
                note=v.result.note,
                details=[DetailOut(label=a, value=b) for a, b in v.result.details],
            )
            for v in registry.compute_all(scope)
        ],
    )


class NodeOut(Schema):
    id: int
    name: str
    type: str
    region: str
    steps_received: int


class EdgeOut(Schema):
    source: int
    target: int
    kind: str
    weight: int
    in_force: bool
    label: str


class ClassificationOut(Schema):
    model: str
    label: str
    reason: str
    coordinator_id: int | None
    coordination_share: float | None
    hub_id: int | None
    hub_share: float | None


class NetworkOut(Schema):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    classification: ClassificationOut


@router.get("/governance/network", response={200: NetworkOut, **ERRORS})
def governance_network(request: HttpRequest, region: str = "", since: dt.date | None = None) -> NetworkOut:
    """Organisations, agreements and the work passed between them, and the form of network governance."""
    net = network(_scope(request, region, since))
    c = net.classification
    return NetworkOut(
        nodes=[
            NodeOut(id=n.id, name=n.name, type=n.type, region=n.region_id, steps_received=n.received)
            for n in net.nodes
        ],
        edges=[
            EdgeOut(
                source=e.source,
                target=e.target,
                kind=e.kind,
                weight=e.weight,
                in_force=e.in_force,
                label=e.label,
            )
            for e in net.edges
        ],
        classification=ClassificationOut(
            model=c.model,
            label=c.label,
            reason=c.reason,
            coordinator_id=c.coordinator.id if c.coordinator else None,
            coordination_share=c.coordination_share,
            hub_id=c.hub.id if c.hub else None,
            hub_share=c.hub_share,
        ),
    )


# --- accountability -----------------------------------------------------------------------------------------


class AccountabilityOut(Schema):
    organisation_id: int
    name: str
    type: str
    region: str
    steps_received: int
    steps_done: int
    steps_within_service_level: int
    steps_overdue: int
    within_service_level_share: float | None
    training_attended: int
    follow_ups_answered: int
    application_rate: float | None
    licence_applications: int
    licences_issued: int
    licences_refused: int
    referrals_received: int
    referrals_approved: int
    referrals_declined: int
    referrals_disbursed: int
    approval_rate: float | None
    median_days_to_decision: float | None
    feedback_received: int
    feedback_rating: float | None
    feedback_within_service_level_share: float | None


def _row_out(r: AccountabilityRow) -> AccountabilityOut:
    return AccountabilityOut(
        organisation_id=r.organisation_id,
        name=r.name,
        type=r.type,
        region=r.region_id,
        steps_received=r.received,
        steps_done=r.done,
        steps_within_service_level=r.within,
        steps_overdue=r.overdue,
        within_service_level_share=r.within_share,
        training_attended=r.attended,
        follow_ups_answered=r.follow_ups,
        application_rate=r.application_rate,
        licence_applications=r.licence_submitted,
        licences_issued=r.licence_issued,
        licences_refused=r.licence_refused,
        referrals_received=r.referred,
        referrals_approved=r.approved,
        referrals_declined=r.declined,
        referrals_disbursed=r.disbursed,
        approval_rate=r.approval_rate,
        median_days_to_decision=r.median_days_to_decision,
        feedback_received=r.feedback,
        feedback_rating=r.feedback_rating,
        feedback_within_service_level_share=r.feedback_within_share,
    )


@router.get("/governance/accountability", response={200: list[AccountabilityOut], **ERRORS})
def governance_accountability(
    request: HttpRequest, region: str = "", since: dt.date | None = None
) -> list[AccountabilityOut]:
    """One row per organisation of the region with any activity, busiest first."""
    scope = _scope(request, region, since)
    ids = list(
        access.scope_accountability_organisations(request.user, Organisation.objects.filter(is_active=True))
        .filter(scope.region_q())
        .values_list("pk", flat=True)
    )
    return [_row_out(r) for r in accountability(scope, organisation_ids=ids).rows]


class StepOut(Schema):
    subject_type: str
    step: str
    step_name: str
    received: int
    done: int
    within_service_level: int
    overdue: int
    within_service_level_share: float | None
    median_days: float | None


class OrganisationAccountabilityOut(Schema):
    accountability: AccountabilityOut
    steps: list[StepOut]


@router.get(
    "/governance/organisations/{organisation_id}/accountability",
    response={200: OrganisationAccountabilityOut, **ERRORS},
)
def governance_organisation_accountability(
    request: HttpRequest, organisation_id: int, since: dt.date | None = None
) -> OrganisationAccountabilityOut:
    """One organisation's figures and its steps, for its members and readers of its region."""
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise ApiError(404, _("Not found."))
    if not access.can_view_accountability(request.user, org):
        raise PermissionDenied
    scope = Scope(codes=None, since=since)
    row = accountability(scope, organisation_ids=[org.pk], only_active=False).rows[0]
    return OrganisationAccountabilityOut(
        accountability=_row_out(row),
        steps=[
            StepOut(
                subject_type=s.subject_type,
                step=s.step,
                step_name=s.step_name,
                received=s.received,
                done=s.done,
                within_service_level=s.within,
                overdue=s.overdue,
                within_service_level_share=s.within_share,
                median_days=s.median_days,
            )
            for s in organisation_steps(org.pk, scope)
        ],
    )


# --- assessments ------------------------------------------------------------------------------------------


class DimensionOut(Schema):
    code: str
    name: str
    mean: float | None
    answers: int
    parts: list[DimensionOut] = []


class RegionResultOut(Schema):
    region: str
    name: str
    respondents: int
    means: dict[str, float | None] | None


class RoundResultsOut(Schema):
    id: int
    title: str
    framework: str
    region: str
    status: str
    period_start: dt.date
    period_end: dt.date
    invited: int
    respondents: int
    response_rate: int | None
    shown: bool
    dimensions: list[DimensionOut]
    regions: list[RegionResultOut]


def _dimension_out(d: assessment_selectors.DimensionScore, shown: bool) -> DimensionOut:
    return DimensionOut(
        code=d.code,
        name=d.label,
        mean=d.mean if shown else None,
        answers=d.answers if shown else 0,
        parts=[_dimension_out(p, shown) for p in d.parts],
    )


@router.get("/governance/assessment-rounds/{round_id}/results", response={200: RoundResultsOut, **ERRORS})
def governance_round_results(request: HttpRequest, round_id: int) -> RoundResultsOut:
    """Mean scores (1–5) per dimension and per city; groups of fewer than three respondents are withheld."""
    rnd = AssessmentRound.objects.select_related("framework", "region").filter(pk=round_id).first()
    if rnd is None:
        raise ApiError(404, _("Not found."))
    if not access.can_view_assessment_results(request.user, rnd.region_id):
        raise PermissionDenied
    results = assessment_selectors.round_results(
        rnd, access.assessment_result_codes(request.user, rnd.region_id)
    )
    return RoundResultsOut(
        id=rnd.pk,
        title=rnd.title,
        framework=rnd.framework.code,
        region=rnd.region_id,
        status=rnd.status,
        period_start=rnd.period_start,
        period_end=rnd.period_end,
        invited=results.invited,
        respondents=results.respondents,
        response_rate=results.response_rate,
        shown=results.shown,
        dimensions=[_dimension_out(d, results.shown) for d in results.dimensions],
        regions=[
            RegionResultOut(
                region=r.code, name=r.name, respondents=r.respondents, means=r.means if r.shown else None
            )
            for r in results.regions
        ],
    )


# --- feedback ---------------------------------------------------------------------------------------------


class FeedbackIn(Schema):
    kind: str
    subject_id: int
    rating: int
    comment: str = ""


class AnswerIn(Schema):
    answer: str


class FeedbackOut(Schema):
    id: int
    kind: str
    kind_label: str
    subject_type: str
    subject_id: int
    organisation_id: int
    organisation_name: str
    service: str
    service_date: dt.date | None
    rating: int
    comment: str
    themes: list[str]
    theme_labels: list[str]
    status: str
    created_at: dt.datetime
    due_on: dt.date | None
    answer: str
    answered_at: dt.datetime | None
    within_service_level: bool | None


def _feedback_out(fb: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=fb.pk,
        kind=fb.kind,
        kind_label=kind_label(fb.kind),
        subject_type=fb.subject_type,
        subject_id=fb.subject_id,
        organisation_id=fb.organisation_id,
        organisation_name=fb.organisation.name,
        service=fb.service_title,
        service_date=fb.service_date,
        rating=fb.rating,
        comment=fb.comment,
        themes=list(fb.themes),
        theme_labels=[theme_label(t) for t in fb.themes],
        status=fb.status,
        created_at=fb.created_at,
        due_on=fb.handoff.due_on if fb.handoff else None,
        answer=fb.answer,
        answered_at=fb.answered_at,
        within_service_level=fb.handoff.within_service_level if fb.handoff else None,
    )


class ServiceOut(Schema):
    kind: str
    kind_label: str
    subject_id: int
    organisation_id: int
    organisation_name: str
    title: str
    date: dt.date | None
    feedback_id: int | None


def _participant(request: HttpRequest) -> Participant:
    participant: Participant | None = getattr(request.user, "participant", None)
    if participant is None or participant.status != "active":
        raise ApiError(403, _("Only a participant gives feedback, on the services they received."))
    return participant


@router.get("/feedback/services", response={200: list[ServiceOut], **ERRORS})
def feedback_services(request: HttpRequest) -> list[ServiceOut]:
    """The services the calling participant received and may rate (``feedback_id`` once rated)."""
    participant = _participant(request)
    return [
        ServiceOut(
            kind=r.service.kind,
            kind_label=kind_label(r.service.kind),
            subject_id=r.service.subject_id,
            organisation_id=r.service.organisation.pk,
            organisation_name=r.service.organisation.name,
            title=r.service.title,
            date=r.service.date,
            feedback_id=r.feedback.pk if r.feedback else None,
        )
        for r in feedback_selectors.rateable_services(participant)
    ]


@router.post("/feedback", response={201: FeedbackOut, **ERRORS})
def create_feedback(request: HttpRequest, payload: FeedbackIn) -> Status[FeedbackOut]:
    """The calling participant rates (1–5) a service they received; kinds: training, mentoring, licensing,
    financing. The responsible organisation must answer within the service level."""
    participant = _participant(request)
    if payload.kind not in KINDS:
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": "kind", "message": _("Unknown kind of service: %(kind)s.") % {"kind": payload.kind}}],
        )
    fb = services.feedback_give(
        participant=participant,
        kind=payload.kind,
        subject_id=payload.subject_id,
        rating=payload.rating,
        comment=payload.comment,
        actor=_actor(request),
    )
    return Status(
        201, _feedback_out(Feedback.objects.select_related("organisation", "handoff").get(pk=fb.pk))
    )


@router.get("/feedback", response={200: list[FeedbackOut], **ERRORS})
def list_feedback(
    request: HttpRequest,
    status: str = "",
    organisation_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[FeedbackOut]:
    """Feedback the caller may see, newest first: a participant's own, an organisation's received, or a
    region's for ``FEEDBACK_VIEW`` holders."""
    qs = access.scope_feedback(request.user, Feedback.objects.all()).select_related("organisation", "handoff")
    if status:
        qs = qs.filter(status=status)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    start = max(offset, 0)
    return [
        _feedback_out(fb)
        for fb in qs.order_by("-created_at", "-pk")[start : start + min(max(limit, 1), MAX_LIMIT)]
    ]


@router.get("/feedback/{feedback_id}", response={200: FeedbackOut, **ERRORS})
def get_feedback(request: HttpRequest, feedback_id: int) -> FeedbackOut:
    return _feedback_out(feedback_selectors.access_feedback(request.user, feedback_id))


@router.post("/feedback/{feedback_id}/answer", response={200: FeedbackOut, **ERRORS})
def answer_feedback(request: HttpRequest, feedback_id: int, payload: AnswerIn) -> FeedbackOut:
    """The responsible organisation's answer; closes its step and notifies the participant."""
    fb = feedback_selectors.access_feedback(request.user, feedback_id)
    if not access.can_answer_feedback(request.user, fb):
        raise PermissionDenied
    services.feedback_answer(feedback=fb, actor=_actor(request), answer=payload.answer)
    return _feedback_out(feedback_selectors.access_feedback(request.user, feedback_id))
