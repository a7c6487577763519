"""Making a referral and withdrawing it (the participant or who referred them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.handoffs.services import handoff_cancel
from kolabora.organisations.models import Organisation
from kolabora.participants.choices import RelationshipKind
from kolabora.participants.models import Business, Participant
from kolabora.participants.services import relationship_open
from kolabora.pathway.choices import StageStatus

from ..choices import (
    ACTIVE,
    UNDECIDED,
    LoanPurpose,
    ReferralStatus,
)
from ..defaults import STEP_SERVICE_DAYS
from ..eligibility import eligibility_check
from ..models import Referral
from .common import REFERRAL_RULES, _hand_to, _move, _notify, _p7, _package, _referrer, institution_agreement


@dataclass(frozen=True)
class ReferralInput:
    business: Business
    institution: Organisation
    requested_amount: int | None = None
    purpose: str = ""
    note: str = ""


def referral_create(
    *, participant: Participant, data: ReferralInput, actor: User, at: dt.datetime | None = None
) -> Referral:
    """Refer the participant's business to a financial institution.

    Needs: an actor who may refer them (``access.can_refer``), an institution with an agreement in force
    covering P7 in the participant's area, the participant's business, and the eligibility rules a referral
    needs (licence, P6, no current productive loan declared, consent to sharing with financial
    institutions). Opens the financing relationship (which, with the consent, lets the bank see the
    participant), the first hand-off, marks P7 in progress, and tells the bank's officers.
    """
    if not access.can_refer(actor, participant):
        raise PermissionDenied
    errors: dict[str, str] = {}
    business = data.business
    if business.participant_id != participant.pk:
        errors["business"] = _("This business belongs to someone else.")
    agreement = institution_agreement(data.institution, participant)
    if agreement is None:
        errors["institution"] = _(
            "%(name)s has no agreement in force covering financing (P7) for this participant's area, so it "
            "cannot receive referrals."
        ) % {"name": data.institution.name}
    if data.requested_amount is not None and data.requested_amount < 1:
        errors["requested_amount"] = _("Give the amount needed in whole Rupiah, or leave it empty.")
    if data.purpose and data.purpose not in LoanPurpose.values:
        errors["purpose"] = _("Choose working capital or investment.")
    if errors:
        raise ValidationError(errors)
    assert agreement is not None
    eligibility = eligibility_check(participant)
    failed = [r for r in eligibility.reasons if r.code in REFERRAL_RULES and not r.passed]
    if failed:
        raise ValidationError(
            _("Not yet eligible for a referral: %(reasons)s") % {"reasons": " ".join(r.text for r in failed)}
        )
    now = at or timezone.now()
    kind, organisation = _referrer(actor, participant)
    try:
        with transaction.atomic():
            # One active referral per participant and institution (the database refuses a second at once).
            if Referral.objects.filter(
                participant=participant, institution=data.institution, status__in=sorted(ACTIVE)
            ).exists():
                raise ValidationError(
                    _("%(name)s already has an open referral for this participant; follow that one.")
                    % {"name": data.institution.name}
                )
            referral = Referral.objects.create(
                participant=participant,
                business=business,
                institution=data.institution,
                agreement=agreement,
                referrer_kind=kind,
                referred_by=actor,
                referrer_organisation=organisation,
                requested_amount=data.requested_amount,
                purpose=data.purpose,
                note=data.note.strip(),
                package=_package(participant, business, agreement, eligibility),
                received_at=now,
            )
            relationship_open(
                participant=participant,
                organisation=data.institution,
                kind=RelationshipKind.FINANCING,
                source=f"referral:{referral.pk}",
                actor=actor,
            )
            _hand_to(referral, "acknowledge", actor, now)
            audit_record(
                actor=actor,
                action=AuditAction.REFERRAL_CREATED,
                obj=referral,
                organisation=organisation,
                after={
                    "participant": participant.pk,
                    "institution": data.institution.pk,
                    "agreement": agreement.pk,
                    "referrer": kind,
                    "categories": referral.package["categories"],
                    "requested_amount": data.requested_amount,
                },
            )
            note = _p7(
                participant,
                StageStatus.IN_PROGRESS,
                _("Referred to %(name)s") % {"name": data.institution.name},
                now,
            )
            if note:
                referral.stage_note = note
                referral.save(update_fields=["stage_note", "updated_at"])
            with translation.override(settings.LANGUAGE_CODE):
                _notify(
                    referral,
                    actor,
                    _("New financing referral: %(business)s") % {"business": business.name},
                    _(
                        "%(business)s (%(name)s) is referred to %(institution)s for financing. The institution "
                        "takes it into review within %(days)s working days; the status shows in Kolabora."
                    )
                    % {
                        "business": business.name,
                        "name": participant.full_name,
                        "institution": data.institution.name,
                        "days": STEP_SERVICE_DAYS["acknowledge"],
                    },
                    bank=True,
                )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already has an open referral for this participant; follow that one.")
            % {"name": data.institution.name}
        ) from None
    return referral


def referral_withdraw(
    *, referral: Referral, actor: User, reason: str = "", at: dt.datetime | None = None
) -> Referral:
    """The participant (or who referred them) withdraws a referral the institution has not decided yet."""
    if not access.can_refer(actor, referral.participant):
        raise PermissionDenied
    return _withdraw(referral, actor, reason, at or timezone.now())


def referrals_stop_for_consent(*, participant: Participant, actor: User) -> list[Referral]:
    """The participant withdrew their consent to share with financial institutions: every referral still
    waiting for an institution's decision is withdrawn (its hand-off cancelled, the institution told),
    since the institution may no longer see it. Decided referrals stay as they are: the decision was
    taken while the consent held, and what follows is between the participant and the institution."""
    waiting = Referral.objects.filter(participant=participant, status__in=UNDECIDED).order_by("pk")
    reason = _("The participant withdrew their consent to share data with financial institutions.")
    now = timezone.now()
    return [_withdraw(ref, actor, reason, now) for ref in waiting]


def _withdraw(referral: Referral, actor: User, reason: str, now: dt.datetime) -> Referral:
    with transaction.atomic():
        ref, handoff = _move(referral, ReferralStatus.WITHDRAWN, actor, as_bank=False)
        if handoff is not None:
            handoff_cancel(handoff=handoff, actor=actor, reason=_("Withdrawn"))
        ref.status = ReferralStatus.WITHDRAWN
        ref.withdrawn_at = now
        ref.withdraw_reason = reason.strip()
        ref.save()
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_WITHDRAWN,
            obj=ref,
            after={"status": ref.status},
            reason=ref.withdraw_reason,
        )
        with translation.override(settings.LANGUAGE_CODE):
            _notify(
                ref,
                actor,
                _("Withdrawn: the referral of %(business)s") % {"business": ref.business.name},
                _("The referral to %(institution)s was withdrawn. %(reason)s")
                % {"institution": ref.institution.name, "reason": ref.withdraw_reason},
                bank=True,
            )
    return ref
