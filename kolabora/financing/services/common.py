"""What the referral services share: the institutions and products a participant can be referred to, the
package an institution receives, the hand-offs of a referral, the notices, and moving P7."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import handoff_finish, handoff_open
from kolabora.notifications.services import notify
from kolabora.organisations.choices import DataCategory, OrganisationType, Role
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Business, Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import TransitionRefused, stage_transition

from ..choices import (
    ALLOWED,
    STATUS_STEP,
    ReferralStatus,
    ReferrerKind,
)
from ..defaults import STEP_SERVICE_DAYS
from ..eligibility import Eligibility
from ..models import FinancingProduct, Referral

SUBJECT = "financing.referral"
STEP_NAMES = {
    "acknowledge": "Terima rujukan dan mulai tinjau",
    "decide": "Putuskan rujukan",
    "disburse": "Cairkan kredit",
}
# Rules a referral needs; the age rule limits only KUR products (checked again when a product is approved).
REFERRAL_RULES = ("licence", "p6", "loan", "consent")


# --- reads the services share with the pages ---------------------------------------------------------------


def institution_agreement(institution: Organisation, participant: Participant) -> Agreement | None:
    """The agreement in force under which ``institution`` serves P7 for the participant's area, if any."""
    if institution.type not in access.FINANCIAL_TYPES or not institution.is_active:
        return None
    for agreement in access.agreements_in_force(institution, stage="P7"):
        if access.region_covers([agreement.region_id], participant.kelurahan_id):
            return agreement
    return None


def institutions_for(participant: Participant) -> list[Organisation]:
    """Financial institutions the participant can be referred to today (an agreement in force covering P7
    in their area), by name."""
    candidates = Organisation.objects.filter(
        type__in=sorted(access.FINANCIAL_TYPES), is_active=True
    ).order_by("name")
    return [org for org in candidates if institution_agreement(org, participant) is not None]


def products_for(institution: Organisation) -> list[FinancingProduct]:
    """Active products the institution may approve a referral under."""
    return [
        p
        for p in FinancingProduct.objects.filter(is_active=True).prefetch_related("institutions")
        if p.any_institution or any(o.pk == institution.pk for o in p.institutions.all())
    ]


def shared_categories(agreement: Agreement) -> list[str]:
    """What the institution receives: identity always, and what the agreement lists."""
    wanted = {DataCategory.IDENTITY, *agreement.data_categories}
    return [c for c in DataCategory.values if c in wanted]


def _package(
    participant: Participant, business: Business, agreement: Agreement, eligibility: Eligibility
) -> dict[str, Any]:
    """The snapshot of what the referral shares, limited to the agreement's data categories.

    Identity and contact are shown live (through the access gate, which masks the NIK for whoever may not
    see it); the business figures and the licence are kept as they were when the referral was made; the
    bankable report is generated from the books when the institution opens it.
    """
    categories = shared_categories(agreement)
    package: dict[str, Any] = {"categories": categories}
    if DataCategory.BUSINESS in categories:
        package["business"] = {
            "name": business.name,
            "sector": business.sector,
            "kbli_code": business.kbli_code,
            "started_on": business.started_on.isoformat() if business.started_on else None,
            "workers": business.workers,
            "monthly_turnover": business.monthly_turnover,
            "assets": business.assets,
            "scale": business.scale,
        }
    licence = eligibility.licence
    if DataCategory.LICENCES in categories and licence is not None:
        package["licence"] = {
            "type": licence.licence_type.code,
            "name": licence.licence_type.name_id,
            "number": licence.number,
            "issued_on": licence.issued_on.isoformat(),
            "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        }
    package["bankable_report"] = DataCategory.FINANCIAL in categories
    package["report_months"] = REPORT_MONTHS
    return package


REPORT_MONTHS = 6


# --- notifications -----------------------------------------------------------------------------------------


def _notify(referral: Referral, actor: User | None, subject: str, body: str, *, bank: bool = False) -> None:
    """Tell the participant and the referrer (and, with ``bank``, the institution's officers), not the actor."""
    users: list[User] = []
    if referral.participant.user_id:
        users.append(referral.participant.user)  # type: ignore[arg-type]
    if referral.referred_by_id:
        users.append(referral.referred_by)  # type: ignore[arg-type]
    if bank:
        users += list(
            User.objects.filter(
                memberships__organisation_id=referral.institution_id,
                memberships__role=Role.BANK_OFFICER,
                memberships__is_active=True,
                is_active=True,
            ).distinct()
        )
    recipients = [u for u in users if actor is None or u.pk != actor.pk]
    if recipients:
        notify(
            users=recipients,
            subject=subject,
            body=body,
            link=reverse("financing:referral", args=[referral.pk]),
            kind="financing_referral",
        )


def _rupiah(amount: int | None) -> str:
    return f"Rp {amount or 0:,}".replace(",", ".")


def _referrer(actor: User, participant: Participant) -> tuple[str, Organisation | None]:
    """Who refers: the participant, or the kind of staff member and the organisation they act for."""
    if access.is_self(actor, participant):
        return ReferrerKind.SELF, None
    kinds: dict[str, ReferrerKind] = {
        Role.MENTOR: ReferrerKind.MENTOR,
        Role.KECAMATAN_STAFF: ReferrerKind.KECAMATAN,
        Role.COMMUNITY_STAFF: ReferrerKind.COMMUNITY,
    }
    for m in access.memberships(actor):
        if m.role in kinds:
            kind = kinds[m.role]
            if m.organisation.type == OrganisationType.COMMUNITY:
                kind = ReferrerKind.COMMUNITY
            return kind, m.organisation
    found = access.memberships(actor)
    return ReferrerKind.PROGRAMME, (found[0].organisation if found else None)


def _p7(participant: Participant, to: str, reason: str, at: dt.datetime) -> str:
    """Move P7 (as the platform), unless it is there already. Returns the refusal in words, if refused."""
    row = ParticipantStage.objects.filter(participant=participant, code="P7").first()
    if row is None or row.status == StageStatus.COMPLETED or row.status == to:
        return ""
    try:
        stage_transition(participant=participant, stage="P7", to_status=to, actor=None, reason=reason, at=at)
    except TransitionRefused as exc:
        return exc.rule
    return ""


def _lock(referral: Referral) -> Referral:
    return (
        # Lock only the referral row: the related rows (participant, users, product) are shared.
        Referral.objects.select_for_update(of=("self",))
        .select_related("participant__user", "business", "institution", "referred_by", "product")
        .get(pk=referral.pk)
    )


def _open_handoff(referral: Referral) -> Handoff | None:
    return Handoff.objects.filter(
        subject_type=SUBJECT, subject_id=referral.pk, status=HandoffStatus.OPEN
    ).first()


def _hand_to(referral: Referral, step: str, actor: User | None, at: dt.datetime) -> Handoff:
    return handoff_open(
        subject_type=SUBJECT,
        subject_id=referral.pk,
        step=step,
        step_name=STEP_NAMES[step],
        organisation=referral.institution,
        service_days=STEP_SERVICE_DAYS[step],
        participant=referral.participant,
        actor=actor,
        at=at,
    )


def _move(
    referral: Referral, to: ReferralStatus, actor: User, *, as_bank: bool = True
) -> tuple[Referral, Handoff | None]:
    """Lock the referral, check the actor and that the move is allowed from where it is now."""
    ref = _lock(referral)
    if as_bank and not access.can_decide_referral(actor, ref):
        raise PermissionDenied
    current = ReferralStatus(ref.status)
    if to not in ALLOWED[current]:
        raise ValidationError(
            _(
                "This referral is “%(status)s” now and cannot become “%(to)s”; someone may have acted on it already."
            )
            % {"status": current.label, "to": to.label}
        )
    return ref, _open_handoff(ref)


def _finish(handoff: Handoff | None, actor: User, outcome: str, at: dt.datetime) -> None:
    if handoff is not None:
        handoff_finish(handoff=handoff, actor=actor, outcome=outcome, at=at)


def step_of(referral: Referral) -> str | None:
    return STATUS_STEP.get(ReferralStatus(referral.status))


def consent_needed(participant: Participant) -> bool:
    return not access.consent_is_open(participant, ConsentPurpose.FINANCIAL_INSTITUTIONS)
