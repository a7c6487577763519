"""Test data for financing: institutions under agreements, participants made ready for credit, referrals
moved to a status through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.testing import make_member, make_org
from kolabora.core.timeutils import today
from kolabora.financing import services
from kolabora.financing.choices import ReferralStatus
from kolabora.financing.models import FinancingProduct, LoanDeclaration, Referral
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.organisations.choices import AgreementStatus, DataCategory, OrganisationType, Role
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Consent, Participant
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

ALL_CATEGORIES = [
    DataCategory.IDENTITY,
    DataCategory.CONTACT,
    DataCategory.BUSINESS,
    DataCategory.LICENCES,
    DataCategory.FINANCIAL,
]


def make_bank(
    name: str,
    *,
    lead: Organisation,
    region: str = "31",
    stages: Iterable[str] = ("P6", "P7"),
    categories: Iterable[str] = ALL_CATEGORIES,
    status: str = AgreementStatus.ACTIVE,
    type: str = OrganisationType.BANK,
    starts: dt.date | None = None,
    ends: dt.date | None = None,
) -> tuple[Organisation, Agreement]:
    """A financial institution with an agreement (in force by default) covering ``stages``."""
    bank = make_org(name, region, type)
    day = today()
    agreement = Agreement.objects.create(
        number=f"PKS/UJI/{name}",
        title=f"Permodalan {name}",
        lead=lead,
        partner=bank,
        stages=list(stages),
        data_categories=list(categories),
        region_id=region,
        starts_on=starts or day - dt.timedelta(days=200),
        ends_on=ends or day + dt.timedelta(days=400),
        status=status,
    )
    return bank, agreement


def make_officer(username: str, bank: Organisation) -> User:
    return make_member(username, bank, Role.BANK_OFFICER)


def make_ready(
    participant: Participant,
    *,
    licence_number: str | None = None,
    consent: bool = True,
    declare_no_loan: bool = True,
    p6: bool = True,
    licence: bool = True,
) -> Participant:
    """Give the participant what a referral needs: a valid NIB (P4 complete), P6 complete, a declaration of
    no current productive loan and the consent to share with financial institutions."""
    business = participant.businesses.order_by("created_at").first()
    assert business is not None
    if licence:
        Licence.objects.create(
            participant=participant,
            business=business,
            licence_type=LicenceType.objects.get(code="nib"),
            number=licence_number or f"91{participant.nik[-11:]}",
            issued_on=today() - dt.timedelta(days=120),
            status=LicenceStatus.VALID,
        )
        _complete(participant, "P4")
    if p6:
        _complete(participant, "P6")
    if declare_no_loan:
        LoanDeclaration.objects.create(
            participant=participant, has_productive_loan=False, declared_at=timezone.now()
        )
    if (
        consent
        and not Consent.objects.filter(
            participant=participant, purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS, withdrawn_at__isnull=True
        ).exists()
    ):
        Consent.objects.create(
            participant=participant,
            purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS,
            text_version="uji",
            granted_at=timezone.now(),
        )
    return participant


def _complete(participant: Participant, stage: str) -> None:
    if ParticipantStage.objects.filter(participant=participant, code=stage, status="completed").exists():
        return
    stage_transition(participant=participant, stage=stage, to_status="completed", actor=None, reason="uji")


def product(code: str) -> FinancingProduct:
    return FinancingProduct.objects.get(code=code)


def approval(
    code: str = "kur-mikro", amount: int = 25_000_000, rate: str = "6.00", tenor: int = 24
) -> services.Approval:
    return services.Approval(product=product(code), amount=amount, rate=Decimal(rate), tenor_months=tenor)


def refer(participant: Participant, bank: Organisation, actor: User, **extra: object) -> Referral:
    business = participant.businesses.order_by("created_at").first()
    assert business is not None
    return services.referral_create(
        participant=participant,
        data=services.ReferralInput(business=business, institution=bank, **extra),  # type: ignore[arg-type]
        actor=actor,
    )


def referral_at(
    status: str,
    participant: Participant,
    bank: Organisation,
    *,
    referrer: User,
    officer: User,
    amount: int = 25_000_000,
) -> Referral:
    """A referral moved to ``status`` through the services."""
    ref = refer(participant, bank, referrer)
    if status == ReferralStatus.RECEIVED:
        return ref
    if status == ReferralStatus.WITHDRAWN:
        return services.referral_withdraw(referral=ref, actor=referrer)
    ref = services.referral_review_start(referral=ref, actor=officer)
    if status == ReferralStatus.IN_REVIEW:
        return ref
    if status == ReferralStatus.DECLINED:
        return services.referral_decline(referral=ref, actor=officer, category="repayment_capacity", note="")
    terms = approval(amount=amount) if amount > 10_000_000 else approval("kur-super-mikro", amount, "3.00")
    ref = services.referral_approve(referral=ref, actor=officer, approval=terms)
    if status == ReferralStatus.APPROVED:
        return ref
    return services.referral_disburse(referral=ref, actor=officer, disbursed_on=today(), amount=amount)
