"""The institution's steps: take into review, approve (inside the product's limits) or decline, record the
payout. Only the institution's bank officers act (``access.can_decide_referral``), on a locked row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.pathway.choices import StageStatus

from ..choices import (
    DeclineCategory,
    ReferralStatus,
)
from ..defaults import STEP_SERVICE_DAYS
from ..models import FinancingProduct, Referral
from .common import _finish, _hand_to, _move, _notify, _p7, _rupiah
from .referrals import referral_withdraw


def referral_review_start(*, referral: Referral, actor: User, at: dt.datetime | None = None) -> Referral:
    """An officer of the institution takes the referral into review (the acknowledgement step is done)."""
    now = at or timezone.now()
    with transaction.atomic():
        ref, handoff = _move(referral, ReferralStatus.IN_REVIEW, actor)
        _finish(handoff, actor, _("Taken into review"), now)
        ref.status = ReferralStatus.IN_REVIEW
        ref.review_started_at = now
        ref.save(update_fields=["status", "review_started_at", "updated_at"])
        _hand_to(ref, "decide", actor, now)
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_REVIEW_STARTED,
            obj=ref,
            organisation=ref.institution,
            before={"status": ReferralStatus.RECEIVED},
            after={"status": ref.status},
        )
        with translation.override(settings.LANGUAGE_CODE):
            _notify(
                ref,
                actor,
                _("%(institution)s is reviewing the referral of %(business)s")
                % {"institution": ref.institution.name, "business": ref.business.name},
                _(
                    "An officer of %(institution)s has taken the referral into review and may contact you "
                    "for a visit or an interview. A decision is due within %(days)s working days."
                )
                % {"institution": ref.institution.name, "days": STEP_SERVICE_DAYS["decide"]},
            )
    return ref


@dataclass(frozen=True)
class Approval:
    product: FinancingProduct
    amount: int
    rate: Decimal
    tenor_months: int


def approval_errors(referral: Referral, approval: Approval, *, on: dt.date | None = None) -> dict[str, str]:
    """What is wrong with an approval against the product's limits (empty when it is right)."""
    product = approval.product
    errors: dict[str, str] = {}
    if not product.is_active or not (
        product.any_institution or product.institutions.filter(pk=referral.institution_id).exists()
    ):
        errors["product"] = _("%(institution)s does not offer %(product)s.") % {
            "institution": referral.institution.name,
            "product": product.name,
        }
        return errors
    if not product.min_amount <= approval.amount <= product.max_amount:
        errors["amount"] = _(
            "%(product)s lends from %(low)s up to %(high)s; %(amount)s is outside that range."
        ) % {
            "product": product.name,
            "low": _rupiah(product.min_amount),
            "high": _rupiah(product.max_amount),
            "amount": _rupiah(approval.amount),
        }
    try:
        rate = Decimal(approval.rate)
    except (InvalidOperation, TypeError):
        rate = Decimal("-1")
    if not product.min_rate <= rate <= product.max_rate:
        if product.min_rate == product.max_rate:
            errors["rate"] = _("The rate of %(product)s is %(rate)s%% a year.") % {
                "product": product.name,
                "rate": formats.number_format(product.min_rate, 2),
            }
        else:
            errors["rate"] = _("The rate of %(product)s is between %(low)s%% and %(high)s%% a year.") % {
                "product": product.name,
                "low": formats.number_format(product.min_rate, 2),
                "high": formats.number_format(product.max_rate, 2),
            }
    if not 1 <= approval.tenor_months <= product.max_tenor_months:
        errors["tenor_months"] = _("The tenor of %(product)s is 1 to %(n)s months.") % {
            "product": product.name,
            "n": product.max_tenor_months,
        }
    age = referral.participant.age_on(on or timezone.localdate())
    if age < product.min_age:
        errors["product"] = _(
            "%(product)s lends only to people aged at least %(min)s; the participant is %(age)s."
        ) % {
            "product": product.name,
            "min": product.min_age,
            "age": age,
        }
    return errors


def referral_approve(
    *, referral: Referral, actor: User, approval: Approval, at: dt.datetime | None = None
) -> Referral:
    """Approve with the product, amount, rate and tenor (each inside the product's limits). Completes P7;
    when the programme's rules refuse that (P4 or P6 not complete), the approval stands and the refusal is
    kept on the referral for the programme office to resolve."""
    now = at or timezone.now()
    with transaction.atomic():
        ref, handoff = _move(referral, ReferralStatus.APPROVED, actor)
        errors = approval_errors(ref, approval, on=timezone.localdate(now))
        if errors:
            raise ValidationError(errors)
        _finish(handoff, actor, _("Approved"), now)
        ref.status = ReferralStatus.APPROVED
        ref.decided_at = now
        ref.decided_by = actor
        ref.product = approval.product
        ref.approved_amount = approval.amount
        ref.rate = Decimal(approval.rate).quantize(Decimal("0.01"))
        ref.tenor_months = approval.tenor_months
        ref.save()
        _hand_to(ref, "disburse", actor, now)
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_APPROVED,
            obj=ref,
            organisation=ref.institution,
            before={"status": ReferralStatus.IN_REVIEW},
            after={
                "status": ref.status,
                "product": approval.product.code,
                "amount": approval.amount,
                "rate": ref.rate,
                "tenor_months": approval.tenor_months,
            },
        )
        ref.stage_note = _p7(
            ref.participant,
            StageStatus.COMPLETED,
            _("%(product)s of %(amount)s approved by %(institution)s")
            % {
                "product": approval.product.name,
                "amount": _rupiah(approval.amount),
                "institution": ref.institution.name,
            },
            now,
        )
        ref.save(update_fields=["stage_note", "updated_at"])
        with translation.override(settings.LANGUAGE_CODE):
            _notify(
                ref,
                actor,
                _("Approved: %(product)s for %(business)s")
                % {"product": approval.product.name, "business": ref.business.name},
                _(
                    "%(institution)s approved %(product)s of %(amount)s at %(rate)s%% a year over %(tenor)s "
                    "months. The institution contacts you to sign the agreement before the money is paid out."
                )
                % {
                    "institution": ref.institution.name,
                    "product": approval.product.name,
                    "amount": _rupiah(approval.amount),
                    "rate": formats.number_format(ref.rate, 2),
                    "tenor": approval.tenor_months,
                },
            )
    return ref


def referral_decline(
    *, referral: Referral, actor: User, category: str, note: str = "", at: dt.datetime | None = None
) -> Referral:
    """Decline with a reason category (and, for "other", an explanation) that the participant sees."""
    note = note.strip()
    if category not in DeclineCategory.values:
        raise ValidationError({"category": _("Choose the reason for declining.")})
    if category == DeclineCategory.OTHER and not note:
        raise ValidationError({"note": _("Explain the reason when it is “other”.")})
    now = at or timezone.now()
    with transaction.atomic():
        ref, handoff = _move(referral, ReferralStatus.DECLINED, actor)
        _finish(handoff, actor, _("Declined"), now)
        ref.status = ReferralStatus.DECLINED
        ref.decided_at = now
        ref.decided_by = actor
        ref.decline_category = category
        ref.decline_note = note
        ref.save()
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_DECLINED,
            obj=ref,
            organisation=ref.institution,
            before={"status": ReferralStatus.IN_REVIEW},
            after={"status": ref.status, "category": category},
            reason=note,
        )
        with translation.override(settings.LANGUAGE_CODE):
            _notify(
                ref,
                actor,
                _("Not approved: the referral of %(business)s") % {"business": ref.business.name},
                _(
                    "%(institution)s did not approve the referral. Reason: %(reason)s. %(note)s Your mentor "
                    "can help you work on it; you may be referred again later."
                )
                % {
                    "institution": ref.institution.name,
                    "reason": DeclineCategory(category).label,
                    "note": note,
                },
            )
    return ref


def referral_disburse(
    *, referral: Referral, actor: User, disbursed_on: dt.date, amount: int, at: dt.datetime | None = None
) -> Referral:
    """Record the payout: the date (not in the future, not before the approval) and the amount (at most
    the amount approved)."""
    now = at or timezone.now()
    with transaction.atomic():
        ref, handoff = _move(referral, ReferralStatus.DISBURSED, actor)
        errors: dict[str, str] = {}
        if disbursed_on > timezone.localdate(now):
            errors["disbursed_on"] = _("The disbursement date cannot be in the future.")
        elif ref.decided_at and disbursed_on < timezone.localdate(ref.decided_at):
            errors["disbursed_on"] = _("The money cannot be paid out before the approval (%(date)s).") % {
                "date": formats.date_format(timezone.localdate(ref.decided_at), "j F Y")
            }
        if amount < 1 or amount > (ref.approved_amount or 0):
            errors["amount"] = _("The amount disbursed is between Rp 1 and the %(amount)s approved.") % {
                "amount": _rupiah(ref.approved_amount)
            }
        if errors:
            raise ValidationError(errors)
        _finish(handoff, actor, _("Disbursed"), now)
        ref.status = ReferralStatus.DISBURSED
        ref.disbursed_on = disbursed_on
        ref.disbursed_amount = amount
        ref.save()
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_DISBURSED,
            obj=ref,
            organisation=ref.institution,
            before={"status": ReferralStatus.APPROVED},
            after={"status": ref.status, "disbursed_on": disbursed_on, "amount": amount},
        )
        if ref.stage_note:
            # The approval could not complete P7; try again now that the money is out.
            ref.stage_note = _p7(
                ref.participant,
                StageStatus.COMPLETED,
                _("%(amount)s disbursed by %(institution)s")
                % {"amount": _rupiah(amount), "institution": ref.institution.name},
                now,
            )
            ref.save(update_fields=["stage_note", "updated_at"])
        with translation.override(settings.LANGUAGE_CODE):
            _notify(
                ref,
                actor,
                _("Disbursed: %(amount)s for %(business)s")
                % {"amount": _rupiah(amount), "business": ref.business.name},
                _(
                    "%(institution)s paid out %(amount)s on %(date)s. Keep recording income and expenses: the books show how the loan helps the business."
                )
                % {
                    "institution": ref.institution.name,
                    "amount": _rupiah(amount),
                    "date": formats.date_format(disbursed_on, "j F Y"),
                },
            )
    return ref


def referral_transition(*, referral: Referral, to: str, actor: User, **fields: Any) -> Referral:
    """One entry for every move (the API's transition endpoint): ``to`` names the new status."""
    if to == ReferralStatus.IN_REVIEW:
        return referral_review_start(referral=referral, actor=actor)
    if to == ReferralStatus.APPROVED:
        return referral_approve(referral=referral, actor=actor, approval=fields["approval"])
    if to == ReferralStatus.DECLINED:
        return referral_decline(
            referral=referral, actor=actor, category=fields.get("category", ""), note=fields.get("note", "")
        )
    if to == ReferralStatus.DISBURSED:
        return referral_disburse(
            referral=referral, actor=actor, disbursed_on=fields["disbursed_on"], amount=fields["amount"]
        )
    if to == ReferralStatus.WITHDRAWN:
        return referral_withdraw(referral=referral, actor=actor, reason=fields.get("reason", ""))
    raise ValidationError({"to": _("Unknown status: %(status)s") % {"status": to}})
