"""Referrals decided before Kolabora tracked them, recorded from earlier records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.choices import RelationshipKind
from kolabora.participants.models import Business, Participant
from kolabora.participants.services import relationship_open
from kolabora.pathway.choices import StageStatus

from ..choices import (
    ReferralStatus,
)
from ..eligibility import eligibility_check
from ..models import Referral
from .common import _p7, _package, _referrer, _rupiah
from .decisions import Approval, approval_errors


def referral_import(
    *,
    participant: Participant,
    business: Business,
    institution: Organisation,
    received_at: dt.datetime,
    decided_at: dt.datetime,
    approval: Approval,
    actor: User,
    disbursed_on: dt.date | None = None,
    disbursed_amount: int | None = None,
) -> Referral:
    """Record a referral decided before Kolabora tracked it (from the institution's or the programme's
    records): approved, and paid out when ``disbursed_on`` is given. Its steps are past, so no hand-offs are
    opened; the approval is checked against the product's limits like any other and P7 completes through
    the pathway. Programme staff who may refer the participant record it (not the participant)."""
    if access.is_self(actor, participant) or not access.can_refer(actor, participant):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if business.participant_id != participant.pk:
        errors["business"] = _("This business belongs to someone else.")
    agreement = (
        Agreement.objects.filter(
            partner=institution, status__in=[AgreementStatus.ACTIVE, AgreementStatus.EXPIRED]
        )
        .order_by("-ends_on")
        .first()
        if institution.type in access.FINANCIAL_TYPES
        else None
    )
    if agreement is None or not agreement.covers_stage("P7"):
        errors["institution"] = _("%(name)s has no agreement covering financing (P7).") % {
            "name": institution.name
        }
    if not received_at <= decided_at <= timezone.now():
        errors["decided_at"] = _("The decision falls between the referral and today.")
    if disbursed_on is not None and (
        disbursed_on < timezone.localdate(decided_at) or disbursed_on > timezone.localdate()
    ):
        errors["disbursed_on"] = _("The payout falls between the approval and today.")
    if disbursed_on is not None and not 1 <= (disbursed_amount or 0) <= approval.amount:
        errors["disbursed_amount"] = _(
            "The amount disbursed is between Rp 1 and the %(amount)s approved."
        ) % {"amount": _rupiah(approval.amount)}
    kind, organisation = _referrer(actor, participant)
    referral = Referral(
        participant=participant,
        business=business,
        institution=institution,
        agreement=agreement,
        referrer_kind=kind,
        referred_by=actor,
        referrer_organisation=organisation,
        received_at=received_at,
        review_started_at=received_at,
        imported=True,
    )
    errors |= approval_errors(referral, approval, on=timezone.localdate(decided_at))
    if errors:
        raise ValidationError(errors)
    assert agreement is not None
    try:
        return _import(referral, approval, actor, decided_at, disbursed_on, disbursed_amount)
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already has an open referral for this participant; follow that one.")
            % {"name": institution.name}
        ) from None


def _import(
    referral: Referral,
    approval: Approval,
    actor: User,
    decided_at: dt.datetime,
    disbursed_on: dt.date | None,
    disbursed_amount: int | None,
) -> Referral:
    participant, business, institution = referral.participant, referral.business, referral.institution
    with transaction.atomic():
        referral.package = _package(participant, business, referral.agreement, eligibility_check(participant))
        referral.status = ReferralStatus.DISBURSED if disbursed_on else ReferralStatus.APPROVED
        referral.decided_at = decided_at
        referral.product = approval.product
        referral.approved_amount = approval.amount
        referral.rate = Decimal(approval.rate).quantize(Decimal("0.01"))
        referral.tenor_months = approval.tenor_months
        referral.disbursed_on = disbursed_on
        referral.disbursed_amount = disbursed_amount if disbursed_on else None
        referral.save()
        relationship_open(
            participant=participant,
            organisation=institution,
            kind=RelationshipKind.FINANCING,
            source=f"referral:{referral.pk}",
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_IMPORTED,
            obj=referral,
            after={
                "participant": participant.pk,
                "institution": institution.pk,
                "status": referral.status,
                "received_at": referral.received_at,
                "decided_at": decided_at,
                "product": approval.product.code,
                "amount": approval.amount,
                "disbursed_amount": referral.disbursed_amount,
            },
        )
        referral.stage_note = _p7(
            participant,
            StageStatus.COMPLETED,
            _("%(product)s of %(amount)s approved by %(institution)s")
            % {
                "product": approval.product.name,
                "amount": _rupiah(approval.amount),
                "institution": institution.name,
            },
            decided_at,
        )
        if referral.stage_note:
            referral.save(update_fields=["stage_note", "updated_at"])
    return referral
