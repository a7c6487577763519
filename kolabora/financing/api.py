"""Financing referrals for partner systems (a bank's loan origination system, a community organisation's
app): list, create, read and move referrals, and read a participant's eligibility, through the same access
gate as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.organisations.choices import DataCategory
from kolabora.organisations.models import Organisation
from kolabora.participants.models import Business, Participant

from . import selectors, services
from .choices import ReferralStatus
from .eligibility import eligibility_check
from .models import FinancingProduct, Referral

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["financing"])


class ReferralIn(Schema):
    participant_id: int
    business_id: int
    institution_id: int
    requested_amount: int | None = None
    purpose: str = ""
    note: str = ""


class TransitionIn(Schema):
    """``to``: ``in_review``, ``approved`` (with ``product``, ``amount``, ``rate``, ``tenor_months``),
    ``declined`` (with ``category`` and, for ``other``, ``note``), ``disbursed`` (with ``disbursed_on`` and
    ``amount``) or ``withdrawn`` (optional ``reason``)."""

    to: str
    product: str = ""
    amount: int | None = None
    rate: Decimal | None = None
    tenor_months: int | None = None
    category: str = ""
    note: str = ""
    disbursed_on: dt.date | None = None
    reason: str = ""


class StepOut(Schema):
    code: str
    name: str
    state: str
    holder: str
    received_at: dt.datetime
    due_on: dt.date
    done_at: dt.datetime | None
    outcome: str
    within_service_level: bool | None


class ParticipantOut(Schema):
    """Only what the caller may receive: the name and NIK (masked unless the caller may see it) with the
    identity category, phone and email with the contact category."""

    id: int
    full_name: str | None
    nik: str | None
    phone: str | None
    email: str | None


class ReferralOut(Schema):
    id: int
    participant: ParticipantOut
    business_id: int
    institution_id: int
    institution_name: str
    agreement_number: str
    status: str
    status_label: str
    referrer_kind: str
    requested_amount: int | None
    purpose: str
    note: str
    received_at: dt.datetime
    review_started_at: dt.datetime | None
    decided_at: dt.datetime | None
    product: str | None
    approved_amount: int | None
    rate: Decimal | None
    tenor_months: int | None
    decline_category: str
    decline_note: str
    disbursed_on: dt.date | None
    disbursed_amount: int | None
    withdrawn_at: dt.datetime | None
    stage_note: str
    shared_categories: list[str]
    business: dict[str, object] | None
    licence: dict[str, object] | None
    bankable_report_url: str | None
    steps: list[StepOut]


class ReasonOut(Schema):
    code: str
    passed: bool
    text: str


class EligibilityOut(Schema):
    participant_id: int
    eligible: bool
    failed: list[str]
    reasons: list[ReasonOut]
    institutions: list[dict[str, object]]


def _out(request: HttpRequest, referral: Referral) -> ReferralOut:
    from django.urls import reverse

    user = request.user
    p = referral.participant
    own = access.is_self(user, p)
    allowed = set(referral.package.get("categories", [])) & (
        set(DataCategory.values) if own else access.participant_data_categories(user, p)
    )
    identity = DataCategory.IDENTITY in allowed
    contact = DataCategory.CONTACT in allowed
    full_nik = identity and (own or access.can(user, Action.PARTICIPANT_NIK, p))
    return ReferralOut(
        id=referral.pk,
        participant=ParticipantOut(
            id=p.pk,
            full_name=p.full_name if identity else None,
            nik=(p.nik if full_nik else p.nik_masked) if identity else None,
            phone=p.phone if contact else None,
            email=p.email if contact else None,
        ),
        business_id=referral.business_id,
        institution_id=referral.institution_id,
        institution_name=referral.institution.name,
        agreement_number=referral.agreement.number,
        status=referral.status,
        status_label=str(ReferralStatus(referral.status).label),
        referrer_kind=referral.referrer_kind,
        requested_amount=referral.requested_amount,
        purpose=referral.purpose,
        note=referral.note,
        received_at=referral.received_at,
        review_started_at=referral.review_started_at,
        decided_at=referral.decided_at,
        product=referral.product.code if referral.product else None,
        approved_amount=referral.approved_amount,
        rate=referral.rate,
        tenor_months=referral.tenor_months,
        decline_category=referral.decline_category,
        decline_note=referral.decline_note,
        disbursed_on=referral.disbursed_on,
        disbursed_amount=referral.disbursed_amount,
        withdrawn_at=referral.withdrawn_at,
        stage_note=referral.stage_note,
        shared_categories=sorted(allowed),
        business=referral.package.get("business") if DataCategory.BUSINESS in allowed else None,
        licence=referral.package.get("licence") if DataCategory.LICENCES in allowed else None,
        bankable_report_url=(
            reverse("financing:report", args=[referral.pk])
            if DataCategory.FINANCIAL in allowed and referral.package.get("bankable_report")
            else None
        ),
        steps=[
            StepOut(**{k: getattr(s, k) for k in StepOut.model_fields})
            for s in selectors.referral_steps(referral)
        ],
    )


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _get(request: HttpRequest, referral_id: int) -> Referral:
    return cast(Referral, access.access_referral(request.user, referral_id))


@router.get("/financing-referrals", response={200: list[ReferralOut], **ERRORS})
def list_referrals(
    request: HttpRequest, status: str = "", participant_id: int | None = None, limit: int = 50
) -> list[ReferralOut]:
    """Referrals the caller may see: a bank its own institution's (of consenting participants), programme
    staff those of participants they follow, a participant their own. Newest first."""
    qs = selectors.referral_list(user=request.user).select_related("agreement", "participant__user")
    if status:
        if status not in ReferralStatus.values:
            raise ApiError(
                422,
                _("The request has invalid fields."),
                [{"field": "status", "message": _("Unknown status.")}],
            )
        qs = qs.filter(status=status)
    if participant_id is not None:
        qs = qs.filter(participant_id=participant_id)
    return [_out(request, r) for r in qs[: min(max(limit, 1), 200)]]


@router.post("/financing-referrals", response={201: ReferralOut, **ERRORS})
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status[ReferralOut]:
    """Refer a participant's business to a financial institution. Refused with the unmet eligibility rules
    in words when the participant is not ready."""
    participant = (
        Participant.objects.select_related("kelurahan", "user").filter(pk=payload.participant_id).first()
    )
    if participant is None:
        raise ApiError(
            404, _("Not found."), [{"field": "participant_id", "message": _("No such participant.")}]
        )
    if not access.can_refer(request.user, participant):
        raise PermissionDenied
    business = Business.objects.filter(pk=payload.business_id, participant=participant).first()
    if business is None:
        raise ApiError(
            404,
            _("Not found."),
            [{"field": "business_id", "message": _("No such business for this participant.")}],
        )
    institution = Organisation.objects.filter(pk=payload.institution_id).first()
    if institution is None:
        raise ApiError(
            404,
            _("Not found."),
            [{"field": "institution_id", "message": _("No such financial institution.")}],
        )
    referral = services.referral_create(
        participant=participant,
        data=services.ReferralInput(
            business=business,
            institution=institution,
            requested_amount=payload.requested_amount,
            purpose=payload.purpose,
            note=payload.note,
        ),
        actor=_actor(request),
    )
    return Status(201, _out(request, _get(request, referral.pk)))


@router.get("/financing-referrals/{referral_id}", response={200: ReferralOut, **ERRORS})
def get_referral(request: HttpRequest, referral_id: int) -> ReferralOut:
    return _out(request, _get(request, referral_id))


@router.post("/financing-referrals/{referral_id}/transition", response={200: ReferralOut, **ERRORS})
def transition_referral(request: HttpRequest, referral_id: int, payload: TransitionIn) -> ReferralOut:
    """Move the referral: the institution's officers take it into review, approve, decline and record the
    payout; the participant or the referrer withdraw it while it is undecided."""
    referral = _get(request, referral_id)
    fields: dict[str, object] = {"category": payload.category, "note": payload.note, "reason": payload.reason}
    missing: list[dict[str, str]] = []
    if payload.to == ReferralStatus.APPROVED:
        product = FinancingProduct.objects.filter(code=payload.product).first()
        for name in ("amount", "rate", "tenor_months"):
            if getattr(payload, name) is None:
                missing.append({"field": name, "message": _("This field is required.")})
        if product is None:
            missing.append({"field": "product", "message": _("Unknown product.")})
        if not missing:
            assert product is not None and payload.amount is not None and payload.rate is not None
            fields["approval"] = services.Approval(
                product=product,
                amount=payload.amount,
                rate=payload.rate,
                tenor_months=payload.tenor_months or 0,
            )
    elif payload.to == ReferralStatus.DISBURSED:
        for name in ("disbursed_on", "amount"):
            if getattr(payload, name) is None:
                missing.append({"field": name, "message": _("This field is required.")})
        fields["disbursed_on"] = payload.disbursed_on
        fields["amount"] = payload.amount
    elif payload.to not in ReferralStatus.values or payload.to == ReferralStatus.RECEIVED:
        missing.append({"field": "to", "message": _("Unknown status: %(status)s") % {"status": payload.to}})
    if missing:
        if payload.to != ReferralStatus.WITHDRAWN and not access.can_decide_referral(request.user, referral):
            raise PermissionDenied
        raise ApiError(422, _("The request has invalid fields."), missing)
    services.referral_transition(referral=referral, to=payload.to, actor=_actor(request), **fields)
    return _out(request, _get(request, referral_id))


@router.get("/financing-eligibility/{participant_id}", response={200: EligibilityOut, **ERRORS})
def get_financing_eligibility(request: HttpRequest, participant_id: int) -> EligibilityOut:
    """Each eligibility rule with its verdict and sentence, and the institutions the participant can be
    referred to; for the participant and those who may refer them."""
    participant = Participant.objects.select_related("kelurahan", "user").filter(pk=participant_id).first()
    if participant is None:
        raise ApiError(404, _("Not found."))
    if not access.can_refer(request.user, participant):
        raise PermissionDenied
    check = eligibility_check(participant)
    return EligibilityOut(
        participant_id=participant.pk,
        eligible=check.eligible,
        failed=check.failed,
        reasons=[ReasonOut(code=r.code, passed=r.passed, text=r.text) for r in check.reasons],
        institutions=[{"id": o.pk, "name": o.name} for o in services.institutions_for(participant)],
    )
