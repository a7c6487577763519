"""Demo financing referrals consistent with the demo funnel (participants.demo).

- Bank DKI (``bank.dki``) offers Kredit Monas Pemula besides KUR; a second, fictitious lender, "PT Modal
  Usaha Nusantara" (a P2P lending platform, ``fintech.modal``), joins under an agreement covering P7 that
  shares identity, business and financial statements only.
- Every participant who reached P7 has what a referral needs: their business's NIB recorded as a verified
  licence, a declaration of no current productive loan, and (already, from the funnel) the consent to share
  with financial institutions.
- Those whose P7 is complete have a referral at Bank DKI approved on the day P7 completed and paid out a
  few days later. Those dates lie before the years the holiday calendar (and so the hand-offs' service
  levels) covers, so these are recorded as earlier records (``services.referral_import``, no hand-offs).
- Those with P7 in progress have referrals going through the real services now, each at another step in
  ``bank.dki``'s inbox: received today, received and overdue, in review, and the last approved and waiting
  for the payout (which completes their P7). The first was declined by the lending platform a few months
  ago.
- Participants with P4 and P6 complete who have not reached P7 get their licence and loan declaration too,
  and most of them the consent: the potential KUR debtors of the SIKP export and the "ready for a
  referral" list of kecamatan staff and mentors.

Current referrals go through the real services (hand-offs with service levels, audit rows, notices),
dated in the recent past with ``at=``. Referrers: the Cipayung mentor for participants of Cipayung, the programme office
(``pengelola``) for the others. Reproducible (a fixed random seed) and idempotent: once Bank DKI has a
referral, nothing is created again.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoAccount, DemoContext
from kolabora.core.minipdf import text_pdf
from kolabora.core.timeutils import today
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.organisations import services as organisations
from kolabora.organisations.choices import DataCategory, OrganisationType, Role
from kolabora.organisations.models import Agreement, Membership, Organisation
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.regions.models import Region

from . import services
from .models import FinancingProduct, LoanDeclaration, Referral

SEED = 7027
BANK = "Bank DKI"
LENDER = "PT Modal Usaha Nusantara"
LENDER_USER = "fintech.modal"
CIPAYUNG = "31.75.10"


def _user(ctx: DemoContext, username: str, full_name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _sep, last = full_name.partition(" ")
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@demo.kolabora.id")
        user.set_password(ctx.password)
        user.save()
    return user


def _lender(ctx: DemoContext, admin: User, lead: Organisation) -> Organisation:
    """The second institution: a lending platform under an agreement covering P7 (no contact details)."""
    org, _created = Organisation.objects.get_or_create(
        name=LENDER,
        region_id="31",
        defaults={"type": OrganisationType.FINANCIAL_INSTITUTION, "email": "umkm@demo.modalusaha.id"},
    )
    year = today().year
    number = f"PKS/{year}/MUN/014"
    if not Agreement.objects.filter(number=number).exists():
        title = "Pembiayaan Usaha Mikro Peserta JakPreneur"
        pdf = text_pdf([title, number, f"{lead.name} - {org.name}", "(demo)"])
        agreement = organisations.agreement_create(
            actor=admin,
            signed_document=ContentFile(pdf, name=f"{number.replace('/', '-')}.pdf"),
            number=number,
            title=title,
            lead=lead,
            partner=org,
            stages=["P7"],
            data_categories=[DataCategory.IDENTITY, DataCategory.BUSINESS, DataCategory.FINANCIAL],
            region=Region.objects.get(code="31"),
            starts_on=dt.date(year - 1, 7, 1),
            ends_on=dt.date(year + 1, 6, 30),
        )
        organisations.agreement_activate(agreement=agreement, actor=admin)
    user = _user(ctx, LENDER_USER, "Dimas Prakoso")
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.BANK_OFFICER)
    ctx.accounts.append(DemoAccount(LENDER_USER, str(Role.BANK_OFFICER.label), org.name))
    return org


def _stages(code: str, statuses: list[str]) -> dict[int, ParticipantStage]:
    return {
        row.participant_id: row
        for row in ParticipantStage.objects.filter(code=code, status__in=statuses).select_related(
            "participant"
        )
    }


def _ready(rng: random.Random, p: Participant, p4: ParticipantStage, at: dt.datetime, actor: User) -> bool:
    """The licence behind the completed P4 and a declaration of no productive loan, as of ``at``."""
    business = p.businesses.order_by("created_at").first()
    if business is None:
        return False
    nib_type = LicenceType.objects.get(code="nib")
    if not Licence.objects.filter(participant=p, licence_type=nib_type, status=LicenceStatus.VALID).exists():
        number = business.nib or f"9{p.nik[-12:]}"
        if Licence.objects.filter(licence_type=nib_type, number=number).exists():
            return False
        issued = timezone.localdate(p4.completed_at or p4.since)
        # Demo history: the NIB recorded with the business and counted for P4 (the funnel completed P4).
        Licence.objects.create(
            participant=p,
            business=business,
            licence_type=nib_type,
            number=number,
            issued_on=issued,
            risk_level="low",
            status=LicenceStatus.VALID,
            existing=True,
            verified_at=p4.completed_at or p4.since,
        )
    if not LoanDeclaration.objects.filter(participant=p).exists():
        LoanDeclaration.objects.create(
            participant=p,
            has_productive_loan=False,
            declared_at=at - dt.timedelta(days=rng.randint(1, 10)),
            declared_by=actor,
        )
    return True


def _terms(rng: random.Random, products: dict[str, FinancingProduct]) -> services.Approval:
    roll = rng.random()
    if roll < 0.4:
        return services.Approval(
            products["kur-super-mikro"],
            rng.randint(5, 10) * 1_000_000,
            Decimal("3.00"),
            rng.choice([12, 18, 24]),
        )
    if roll < 0.7:
        return services.Approval(products["kredit-monas-pemula"], 10_000_000, Decimal("7.00"), 18)
    return services.Approval(
        products["kur-mikro"], rng.randint(3, 15) * 5_000_000, Decimal("6.00"), rng.choice([24, 36])
    )


def _ago(now: dt.datetime, days: float) -> dt.datetime:
    return now - dt.timedelta(days=days)


def seed(ctx: DemoContext) -> None:
    bank = Organisation.objects.filter(name=BANK, type=OrganisationType.BANK).first()
    admin = User.objects.filter(username="admin").first()
    office = User.objects.filter(username="pengelola").first()
    officer = User.objects.filter(username="bank.dki").first()
    lead = Organisation.objects.filter(
        type=OrganisationType.GOVERNMENT_AGENCY, region_id="31", parent=None
    ).first()
    if bank is None or admin is None or office is None or officer is None or lead is None:
        return  # the organisations demo has not run
    monas = FinancingProduct.objects.get(code="kredit-monas-pemula")
    monas.institutions.add(bank)
    lender = _lender(ctx, admin, lead)
    if Referral.objects.filter(institution=bank).exists():
        return
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not security)
    now = timezone.now()
    mentor = User.objects.filter(username="pendamping.cipayung").first()
    products = {p.code: p for p in FinancingProduct.objects.all()}
    lender_officer = User.objects.get(username=LENDER_USER)

    def referrer(p: Participant) -> User:
        return mentor if mentor is not None and p.kecamatan_code == CIPAYUNG else office

    p4 = _stages("P4", [StageStatus.COMPLETED])
    p6 = _stages("P6", [StageStatus.COMPLETED])
    p7 = _stages("P7", [StageStatus.COMPLETED, StageStatus.IN_PROGRESS])
    pending: list[tuple[Participant, ParticipantStage]] = []
    for pid in sorted(p7):
        row = p7[pid]
        p = row.participant
        if pid not in p4 or pid not in p6 or p.status != "active":
            continue
        if row.status == StageStatus.IN_PROGRESS:
            pending.append((p, p4[pid]))
            continue
        # P7 complete: approved by Bank DKI the day P7 completed, most paid out since (earlier records).
        decided = row.completed_at or row.since
        received = min(row.started_at or decided, decided - dt.timedelta(days=3))
        who = referrer(p)
        if p.age_on(timezone.localdate(decided)) < 21 or not _ready(rng, p, p4[pid], received, who):
            continue
        terms = _terms(rng, products)
        paid_on = timezone.localdate(decided) + dt.timedelta(days=rng.randint(3, 12))
        paid = paid_on < today()
        services.referral_import(
            participant=p,
            business=p.businesses.order_by("created_at").first(),  # type: ignore[arg-type]
            institution=bank,
            received_at=received,
            decided_at=decided,
            approval=terms,
            actor=who,
            disbursed_on=paid_on if paid else None,
            disbursed_amount=terms.amount if paid else None,
        )
    # P7 in progress: waiting at Bank DKI now, each at another step; the first was declined by the lending
    # platform a few months ago, the last is approved and waits for the payout.
    for i, (p, p4_row) in enumerate(pending):
        who = referrer(p)
        received = _ago(now, [0.3, 6, 8, 11, 14][i % 5] + rng.uniform(0, 0.5))
        if not _ready(rng, p, p4_row, received - dt.timedelta(days=60), who):
            continue
        business = p.businesses.order_by("created_at").first()
        assert business is not None
        if i == 0:
            earlier = _ago(now, rng.uniform(60, 120))
            old = services.referral_create(
                participant=p,
                data=services.ReferralInput(
                    business=business, institution=lender, requested_amount=20_000_000
                ),
                actor=who,
                at=earlier,
            )
            old = services.referral_review_start(
                referral=old, actor=lender_officer, at=earlier + dt.timedelta(days=1)
            )
            services.referral_decline(
                referral=old,
                actor=lender_officer,
                category="repayment_capacity",
                note="Omzet tiga bulan terakhir belum cukup untuk angsuran; ajukan lagi setelah omzet stabil.",
                at=earlier + dt.timedelta(days=6),
            )
        ref = services.referral_create(
            participant=p,
            data=services.ReferralInput(
                business=business,
                institution=bank,
                requested_amount=rng.choice([5, 10, 20]) * 1_000_000,
                purpose="working_capital",
                note=rng.choice(
                    [
                        "Tambah stok bahan baku.",
                        "Beli etalase dan freezer.",
                        "Modal kerja menjelang Lebaran.",
                        "",
                    ]
                ),
            ),
            actor=who,
            at=received,
        )
        if i % 5 in (0, 1):
            continue  # received: one today, one past its service level
        ref = services.referral_review_start(referral=ref, actor=officer, at=received + dt.timedelta(days=1))
        if i == len(pending) - 1 and i % 5 != 2:
            services.referral_approve(
                referral=ref,
                actor=officer,
                approval=_terms(rng, products),
                at=received + dt.timedelta(days=8),
            )
    # Potential KUR debtors: licensed, books kept, not at P7 yet.
    candidates = sorted(set(p4) & set(p6) - set(p7))
    for pid in candidates:
        p = p4[pid].participant
        if p.status != "active" or p.age_on(today()) < 21:
            continue
        if _ready(rng, p, p4[pid], now, office) and (rng.random() < 0.75 or p.kecamatan_code == CIPAYUNG):
            consent_grant(participant=p, purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS, actor=office)
