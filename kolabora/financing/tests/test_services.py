"""Referral services: who may refer, the status machine with its hand-offs and audit rows, the product
limits of an approval, P7 completion, and the notices to the participant and the referrer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from kolabora.accounts.models import User
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_member, make_org, make_participant
from kolabora.core.timeutils import today
from kolabora.financing import services
from kolabora.financing.choices import ReferralStatus, ReferrerKind
from kolabora.financing.models import Referral
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import due_date
from kolabora.notifications.models import Notification
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.participants.models import Participant, Relationship
from kolabora.participants.services import consent_grant, consent_withdraw, relationship_open
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

from .conftest import Fin
from .factories import approval, make_bank, make_officer, make_ready, product, refer, referral_at

pytestmark = pytest.mark.django_db


def user_of(p: Participant) -> User:
    assert p.user is not None
    return p.user


def _stage(fin: Fin, code: str = "P7") -> str:
    return ParticipantStage.objects.get(participant=fin.participant, code=code).status


def _audits(action: AuditAction, referral: Referral) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(referral.pk)).count()


# --- making a referral ---------------------------------------------------------------------------------------


def test_the_participant_refers_themselves_and_the_bank_gets_the_first_step(fin: Fin) -> None:
    before = timezone.now()
    ref = refer(
        fin.participant, fin.bank, fin.applicant, requested_amount=15_000_000, purpose="working_capital"
    )
    assert ref.status == ReferralStatus.RECEIVED
    assert ref.referrer_kind == ReferrerKind.SELF
    assert ref.agreement == fin.agreement
    assert Relationship.objects.filter(
        participant=fin.participant, organisation=fin.bank, kind="financing", ended_at__isnull=True
    ).exists()
    (handoff,) = Handoff.objects.filter(subject_type=services.SUBJECT, subject_id=ref.pk)
    assert (handoff.step, handoff.organisation, handoff.status) == (
        "acknowledge",
        fin.bank,
        HandoffStatus.OPEN,
    )
    assert handoff.due_on == due_date(before, 2)
    assert _audits(AuditAction.REFERRAL_CREATED, ref) == 1
    assert _stage(fin) == "in_progress"
    # The bank's officers hear of it; the participant who made it does not need telling.
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"bank.uji", "bank.uji2"}


def test_the_package_holds_only_what_the_agreement_allows(fin: Fin) -> None:
    fin.agreement.data_categories = ["identity", "business"]
    fin.agreement.save()
    ref = refer(fin.participant, fin.bank, fin.applicant)
    assert ref.package["categories"] == ["identity", "business"]
    assert ref.package["business"]["name"] == fin.participant.businesses.get().name
    assert "licence" not in ref.package
    assert ref.package["bankable_report"] is False
    full = refer(fin.participant, fin.bank2, fin.applicant)
    assert full.package["categories"] == ["identity", "contact", "business", "licences", "financial"]
    assert full.package["licence"]["type"] == "nib"
    assert full.package["bankable_report"] is True


def test_a_mentor_or_kecamatan_staff_refers_for_the_participant(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.mentor)
    assert (ref.referrer_kind, ref.referrer_organisation) == (ReferrerKind.MENTOR, fin.world.cipayung)
    ref2 = refer(fin.participant, fin.bank2, fin.world.user("kecamatan"))
    assert ref2.referrer_kind == ReferrerKind.KECAMATAN
    # The participant hears of a referral made for them.
    assert Notification.objects.filter(recipient=fin.applicant).count() == 2


def test_a_community_organisation_refers_those_it_mentors_under_an_agreement(fin: Fin) -> None:
    world = fin.world
    community = make_org("Komunitas Uji", "31.75.10", OrganisationType.COMMUNITY)
    staff = make_member("komunitas.uji", community, Role.COMMUNITY_STAFF)
    with pytest.raises(PermissionDenied):
        refer(fin.participant, fin.bank, staff)
    from kolabora.organisations.models import Agreement

    Agreement.objects.create(
        number="MOU/UJI/KOM",
        title="Pendampingan komunitas",
        lead=world.dinas,
        partner=community,
        stages=["P3"],
        data_categories=["identity"],
        region_id="31.75",
        starts_on=today() - dt.timedelta(days=10),
        ends_on=today() + dt.timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )
    relationship_open(
        participant=fin.participant,
        organisation=community,
        kind="mentoring",
        source="uji:komunitas",
        actor=None,
    )
    fresh = type(staff).objects.get(pk=staff.pk)
    ref = refer(fin.participant, fin.bank, fresh)
    assert (ref.referrer_kind, ref.referrer_organisation) == (ReferrerKind.COMMUNITY, community)


def test_people_who_may_not_refer_are_refused(fin: Fin) -> None:
    for user in (
        fin.officer,
        fin.world.user("out_of_region"),
        fin.world.user("no_consent"),
        fin.world.user("other_org"),
    ):
        with pytest.raises(PermissionDenied):
            refer(fin.participant, fin.bank, user)
    assert not Referral.objects.exists()


def test_a_participant_not_yet_eligible_is_told_every_missing_rule(fin: Fin) -> None:
    other = make_participant(nik="3175100101850031", full_name="Belum Siap", password="rahasia-uji-123")
    with pytest.raises(ValidationError) as caught:
        refer(other, fin.bank, user_of(other))
    message = " ".join(caught.value.messages)
    assert message.startswith("Not yet eligible for a referral:")
    for words in (
        "No valid business licence",
        "Bookkeeping (P6) is not complete",
        "not declared yet",
        "Consent",
    ):
        assert words in message
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"status": AgreementStatus.DRAFT},
        {"stages": ["P6"]},
        {"region_id": "31.74"},
        {"ends_on": dt.date(2020, 12, 31), "starts_on": dt.date(2020, 1, 1)},
    ],
    ids=["draft", "not-p7", "other-region", "ended"],
)
def test_only_an_institution_under_an_agreement_in_force_for_the_area_receives_referrals(
    fin: Fin, change: dict[str, object]
) -> None:
    for field, value in change.items():
        setattr(fin.agreement, field, value)
    fin.agreement.save()
    with pytest.raises(ValidationError) as caught:
        refer(fin.participant, fin.bank, fin.applicant)
    assert caught.value.message_dict["institution"] == [
        "Bank Uji has no agreement in force covering financing (P7) for this participant's area, so it cannot "
        "receive referrals."
    ]
    assert services.institutions_for(fin.participant) == [fin.bank2]


def test_a_company_is_not_a_financial_institution(fin: Fin) -> None:
    shop, _agreement = make_bank("Toko Uji", lead=fin.world.dinas, type=OrganisationType.COMPANY)
    with pytest.raises(ValidationError):
        refer(fin.participant, shop, fin.applicant)


def test_one_active_referral_per_institution(fin: Fin) -> None:
    first = refer(fin.participant, fin.bank, fin.applicant)
    with pytest.raises(ValidationError) as caught:
        refer(fin.participant, fin.bank, fin.mentor)
    assert "already has an open referral" in caught.value.messages[0]
    services.referral_withdraw(referral=first, actor=fin.applicant)
    again = refer(fin.participant, fin.bank, fin.mentor)
    assert again.status == ReferralStatus.RECEIVED


def test_someone_elses_business_is_refused(fin: Fin) -> None:
    other = make_participant(nik="3175100101850032", full_name="Lain Orang")
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            participant=fin.participant,
            data=services.ReferralInput(business=other.businesses.get(), institution=fin.bank),
            actor=fin.applicant,
        )
    assert caught.value.message_dict["business"] == ["This business belongs to someone else."]


# --- the status machine --------------------------------------------------------------------------------------


def test_received_review_approved_disbursed_with_a_hand_off_each(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.mentor)
    ref = services.referral_review_start(referral=ref, actor=fin.officer)
    assert ref.status == ReferralStatus.IN_REVIEW and ref.review_started_at is not None
    ref = services.referral_approve(referral=ref, actor=fin.officer2, approval=approval(amount=40_000_000))
    assert ref.product is not None
    assert (ref.status, ref.product.code, ref.approved_amount, ref.rate, ref.tenor_months) == (
        ReferralStatus.APPROVED,
        "kur-mikro",
        40_000_000,
        Decimal("6.00"),
        24,
    )
    assert ref.decided_by == fin.officer2
    ref = services.referral_disburse(referral=ref, actor=fin.officer, disbursed_on=today(), amount=40_000_000)
    assert (ref.status, ref.disbursed_amount, ref.disbursed_on) == (
        ReferralStatus.DISBURSED,
        40_000_000,
        today(),
    )
    steps = list(
        Handoff.objects.filter(subject_type=services.SUBJECT, subject_id=ref.pk)
        .order_by("pk")
        .values_list("step", "status", "within_service_level")
    )
    assert steps == [("acknowledge", "done", True), ("decide", "done", True), ("disburse", "done", True)]
    for action in (
        AuditAction.REFERRAL_CREATED,
        AuditAction.REFERRAL_REVIEW_STARTED,
        AuditAction.REFERRAL_APPROVED,
        AuditAction.REFERRAL_DISBURSED,
    ):
        assert _audits(action, ref) == 1, action


@pytest.mark.parametrize(
    ("status", "move"),
    [
        ("received", "approve"),
        ("received", "decline"),
        ("received", "disburse"),
        ("in_review", "review"),
        ("in_review", "disburse"),
        ("approved", "decline"),
        ("approved", "withdraw"),
        ("declined", "approve"),
        ("disbursed", "disburse"),
        ("withdrawn", "review"),
    ],
)
def test_moves_the_machine_does_not_allow_are_refused_and_change_nothing(
    fin: Fin, status: str, move: str
) -> None:
    ref = referral_at(status, fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    audits = AuditEvent.objects.count()
    actions = {
        "review": lambda: services.referral_review_start(referral=ref, actor=fin.officer),
        "approve": lambda: services.referral_approve(referral=ref, actor=fin.officer, approval=approval()),
        "decline": lambda: services.referral_decline(
            referral=ref, actor=fin.officer, category="not_feasible"
        ),
        "disburse": lambda: services.referral_disburse(
            referral=ref, actor=fin.officer, disbursed_on=today(), amount=1_000_000
        ),
        "withdraw": lambda: services.referral_withdraw(referral=ref, actor=fin.applicant),
    }
    with pytest.raises(ValidationError) as caught:
        actions[move]()
    assert "cannot become" in caught.value.messages[0]
    assert Referral.objects.get(pk=ref.pk).status == status
    assert AuditEvent.objects.count() == audits


def test_declining_needs_a_category_and_for_other_an_explanation(fin: Fin) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    with pytest.raises(ValidationError) as caught:
        services.referral_decline(referral=ref, actor=fin.officer, category="")
    assert caught.value.message_dict == {"category": ["Choose the reason for declining."]}
    with pytest.raises(ValidationError) as caught:
        services.referral_decline(referral=ref, actor=fin.officer, category="other", note=" ")
    assert caught.value.message_dict == {"note": ["Explain the reason when it is “other”."]}
    ref = services.referral_decline(
        referral=ref, actor=fin.officer, category="credit_history", note="SLIK kol 3"
    )
    assert (ref.status, ref.decline_category, ref.decline_note) == (
        "declined",
        "credit_history",
        "SLIK kol 3",
    )
    assert _stage(fin) == "in_progress"
    (done,) = Handoff.objects.filter(subject_type=services.SUBJECT, subject_id=ref.pk, step="decide")
    assert (done.status, done.outcome) == (HandoffStatus.DONE, "Declined")
    assert not Handoff.objects.filter(
        subject_type=services.SUBJECT, subject_id=ref.pk, status="open"
    ).exists()


def test_withdrawing_cancels_the_open_step_and_tells_the_bank(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    Notification.objects.all().delete()
    ref = services.referral_withdraw(referral=ref, actor=fin.applicant, reason="Dapat modal dari keluarga")
    assert ref.status == ReferralStatus.WITHDRAWN
    assert (
        Handoff.objects.get(subject_type=services.SUBJECT, subject_id=ref.pk).status
        == HandoffStatus.CANCELLED
    )
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "bank.uji",
        "bank.uji2",
    }
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(
            referral=refer(fin.participant, fin.bank, fin.applicant), actor=fin.officer
        )


def test_withdrawing_the_consent_withdraws_what_waits_for_a_bank_and_keeps_what_was_decided(fin: Fin) -> None:
    waiting = referral_at(
        ReferralStatus.IN_REVIEW, fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer
    )
    decided = referral_at(
        ReferralStatus.APPROVED, fin.participant, fin.bank2, referrer=fin.applicant, officer=fin.officer_b2
    )
    Notification.objects.all().delete()
    consent_withdraw(participant=fin.participant, purpose="financial_institutions", actor=fin.applicant)
    waiting.refresh_from_db()
    decided.refresh_from_db()
    assert waiting.status == ReferralStatus.WITHDRAWN
    assert waiting.withdraw_reason == gettext(
        "The participant withdrew their consent to share data with financial institutions."
    )
    # Its open step at the bank is cancelled, so it no longer runs late in a queue the bank cannot see.
    assert not Handoff.objects.filter(
        subject_type=services.SUBJECT, subject_id=waiting.pk, status=HandoffStatus.OPEN
    ).exists()
    assert _audits(AuditAction.REFERRAL_WITHDRAWN, waiting) == 1
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "bank.uji",
        "bank.uji2",
    }
    assert decided.status == ReferralStatus.APPROVED


def test_withdrawing_another_consent_leaves_referrals_alone(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    if not fin.participant.consents.filter(purpose="statistics", withdrawn_at__isnull=True).exists():
        consent_grant(participant=fin.participant, purpose="statistics", actor=fin.applicant)
    consent_withdraw(participant=fin.participant, purpose="statistics", actor=fin.applicant)
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.RECEIVED


# --- the limits of an approval ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        (
            ("kur-mikro", 100_000_001, "6.00", 24),
            "amount",
            "KUR Mikro lends from Rp 10.000.001 up to Rp 100.000.000; Rp 100.000.001 is outside that range.",
        ),
        (("kur-mikro", 5_000_000, "6.00", 24), "amount", None),
        (("kur-super-mikro", 10_000_001, "3.00", 12), "amount", None),
        (("kur-kecil", 500_000_001, "6.00", 48), "amount", None),
        (
            ("kur-mikro", 50_000_000, "9.50", 24),
            "rate",
            "The rate of KUR Mikro is between 6.00% and 9.00% a year.",
        ),
        (("kur-super-mikro", 5_000_000, "6.00", 12), "rate", "The rate of KUR Super Mikro is 3.00% a year."),
        (("kur-mikro", 50_000_000, "6.00", 61), "tenor_months", "The tenor of KUR Mikro is 1 to 60 months."),
        (
            ("kredit-monas-pemula", 5_000_000, "7.00", 12),
            "product",
            "Bank Uji does not offer Kredit Monas Pemula.",
        ),
    ],
    ids=[
        "mikro-ceiling",
        "mikro-floor",
        "super-mikro-ceiling",
        "kecil-ceiling",
        "rate",
        "fixed-rate",
        "tenor",
        "monas",
    ],
)
def test_an_approval_outside_the_products_limits_is_refused(
    fin: Fin, terms: tuple[str, int, str, int], field: str, message: str | None
) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    with pytest.raises(ValidationError) as caught:
        services.referral_approve(referral=ref, actor=fin.officer, approval=approval(*terms))
    assert field in caught.value.message_dict
    if message:
        assert caught.value.message_dict[field] == [message]
    assert Referral.objects.get(pk=ref.pk).status == ReferralStatus.IN_REVIEW
    assert _stage(fin) == "in_progress"


def test_kredit_monas_pemula_is_approved_by_the_institution_it_is_linked_to(fin: Fin) -> None:
    product("kredit-monas-pemula").institutions.add(fin.bank)
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    ref = services.referral_approve(
        referral=ref, actor=fin.officer, approval=approval("kredit-monas-pemula", 10_000_000, "7.00", 18)
    )
    assert ref.product is not None and ref.product.name == "Kredit Monas Pemula"


def test_a_borrower_under_the_products_age_is_refused(fin: Fin) -> None:
    young = make_ready(
        make_participant(nik="3175101006070041", full_name="Muda Sekali", password="rahasia-uji-123")
    )
    assert young.age_on(today()) < 21
    ref = refer(young, fin.bank, user_of(young))  # only KUR needs 21: a referral is possible
    ref = services.referral_review_start(referral=ref, actor=fin.officer)
    with pytest.raises(ValidationError) as caught:
        services.referral_approve(referral=ref, actor=fin.officer, approval=approval())
    assert caught.value.message_dict["product"][0].startswith(
        "KUR Mikro lends only to people aged at least 21"
    )


def test_the_payout_is_dated_and_limited_to_the_amount_approved(fin: Fin) -> None:
    ref = referral_at("approved", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    with pytest.raises(ValidationError) as caught:
        services.referral_disburse(
            referral=ref, actor=fin.officer, disbursed_on=today() + dt.timedelta(days=1), amount=1_000_000
        )
    assert caught.value.message_dict == {"disbursed_on": ["The disbursement date cannot be in the future."]}
    with pytest.raises(ValidationError) as caught:
        services.referral_disburse(referral=ref, actor=fin.officer, disbursed_on=today(), amount=25_000_001)
    assert caught.value.message_dict == {
        "amount": ["The amount disbursed is between Rp 1 and the Rp 25.000.000 approved."]
    }
    with pytest.raises(ValidationError):
        services.referral_disburse(
            referral=ref, actor=fin.officer, disbursed_on=today() - dt.timedelta(days=3), amount=1_000_000
        )
    assert Referral.objects.get(pk=ref.pk).status == ReferralStatus.APPROVED


# --- who decides ---------------------------------------------------------------------------------------------


def test_only_the_institutions_bank_officers_decide(fin: Fin) -> None:
    from kolabora.core.testing import make_user

    ref = refer(fin.participant, fin.bank, fin.applicant)
    admin = make_user("admin.uji", superuser=True)
    for user in (
        fin.officer_b2,
        fin.world.user("permitted"),
        fin.world.user("kecamatan"),
        fin.mentor,
        fin.applicant,
        admin,
    ):
        with pytest.raises(PermissionDenied):
            services.referral_review_start(referral=ref, actor=user)
    assert Referral.objects.get(pk=ref.pk).status == ReferralStatus.RECEIVED


def test_no_decision_without_the_participants_consent_or_an_agreement_in_force(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    consent_withdraw(participant=fin.participant, purpose="financial_institutions", actor=fin.applicant)
    with pytest.raises(PermissionDenied):
        services.referral_review_start(referral=ref, actor=fin.officer)
    ref2 = refer(
        make_ready(make_participant(nik="3175104107880051", full_name="Ani Kedua")), fin.bank, fin.mentor
    )
    fin.agreement.status = AgreementStatus.EXPIRED
    fin.agreement.save()
    officer = make_officer("bank.uji3", fin.bank)
    with pytest.raises(PermissionDenied):
        services.referral_review_start(referral=ref2, actor=officer)


# --- P7 ------------------------------------------------------------------------------------------------------


def test_approval_completes_p7(fin: Fin) -> None:
    ref = referral_at("approved", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    row = ParticipantStage.objects.get(participant=fin.participant, code="P7")
    assert row.status == "completed"
    assert row.reason == "KUR Mikro of Rp 25.000.000 approved by Bank Uji"
    assert ref.stage_note == ""
    assert (
        AuditEvent.objects.filter(action=AuditAction.P7_CHANGED, object_id=str(fin.participant.pk)).count()
        == 2
    )


def test_when_p7_cannot_complete_the_approval_stands_with_the_rule_and_disbursement_retries(fin: Fin) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    # The books lapsed since the referral: P6 is reopened.
    stage_transition(
        participant=fin.participant, stage="P6", to_status="in_progress", actor=None, reason="Buku kosong"
    )
    ref = services.referral_approve(referral=ref, actor=fin.officer, approval=approval())
    assert ref.status == ReferralStatus.APPROVED
    assert "needs P6" in ref.stage_note and "completed first" in ref.stage_note
    assert _stage(fin) == "in_progress"
    stage_transition(
        participant=fin.participant, stage="P6", to_status="completed", actor=None, reason="Buku lengkap"
    )
    ref = services.referral_disburse(referral=ref, actor=fin.officer, disbursed_on=today(), amount=25_000_000)
    assert ref.stage_note == ""
    assert _stage(fin) == "completed"


# --- notices -------------------------------------------------------------------------------------------------


def test_each_step_tells_the_participant_and_the_referrer_but_not_the_actor(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.mentor)
    Notification.objects.all().delete()
    services.referral_review_start(referral=ref, actor=fin.officer)
    services.referral_approve(referral=ref, actor=fin.officer, approval=approval(amount=30_000_000))
    rows = list(Notification.objects.order_by("pk").values_list("recipient__username", "subject"))
    applicant = fin.applicant.username
    business = fin.participant.businesses.get().name
    assert rows == [
        (applicant, f"Bank Uji is reviewing the referral of {business}"),
        ("pendamping.uji", f"Bank Uji is reviewing the referral of {business}"),
        (applicant, f"Approved: KUR Mikro for {business}"),
        ("pendamping.uji", f"Approved: KUR Mikro for {business}"),
    ]
    body = Notification.objects.filter(recipient=fin.applicant).order_by("pk").last()
    assert body is not None and "Rp 30.000.000 at 6.00% a year over 24 months" in body.body
    assert body.link == f"/permodalan/rujukan/{ref.pk}/"


def test_declaring_a_loan_needs_the_lender(fin: Fin) -> None:
    with pytest.raises(ValidationError) as caught:
        services.loan_declaration_record(
            participant=fin.participant, has_productive_loan=True, actor=fin.applicant
        )
    assert caught.value.message_dict == {"lender": ["Name the bank or lender of the current loan."]}
    with pytest.raises(PermissionDenied):
        services.loan_declaration_record(
            participant=fin.participant, has_productive_loan=False, actor=fin.officer
        )
    services.loan_declaration_record(participant=fin.participant, has_productive_loan=False, actor=fin.mentor)
    assert AuditEvent.objects.filter(action=AuditAction.LOAN_DECLARED).count() == 1


# --- earlier records ----------------------------------------------------------------------------------------


def test_an_earlier_referral_is_recorded_without_steps_and_completes_p7(fin: Fin) -> None:
    now = timezone.now()
    received, decided = now - dt.timedelta(days=400), now - dt.timedelta(days=380)
    ref = services.referral_import(
        participant=fin.participant,
        business=fin.participant.businesses.get(),
        institution=fin.bank,
        received_at=received,
        decided_at=decided,
        approval=approval("kur-super-mikro", 8_000_000, "3.00", 12),
        actor=fin.world.user("kecamatan"),
        disbursed_on=timezone.localdate(decided) + dt.timedelta(days=5),
        disbursed_amount=8_000_000,
    )
    assert (ref.status, ref.imported, ref.disbursed_amount) == (ReferralStatus.DISBURSED, True, 8_000_000)
    assert not Handoff.objects.filter(subject_type=services.SUBJECT, subject_id=ref.pk).exists()
    assert _audits(AuditAction.REFERRAL_IMPORTED, ref) == 1
    assert _stage(fin) == "completed"
    with pytest.raises(ValidationError) as caught:
        services.referral_import(
            participant=fin.participant,
            business=fin.participant.businesses.get(),
            institution=fin.bank2,
            received_at=received,
            decided_at=decided,
            approval=approval("kur-super-mikro", 20_000_000, "3.00", 12),
            actor=fin.world.user("kecamatan"),
            disbursed_on=timezone.localdate(now) + dt.timedelta(days=1),
            disbursed_amount=1,
        )
    assert set(caught.value.message_dict) == {"disbursed_on", "amount"}
    with pytest.raises(PermissionDenied):
        services.referral_import(
            participant=fin.participant,
            business=fin.participant.businesses.get(),
            institution=fin.bank2,
            received_at=received,
            decided_at=decided,
            approval=approval(),
            actor=fin.applicant,
        )
