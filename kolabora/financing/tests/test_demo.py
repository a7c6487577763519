"""The financing demo agrees with the demo funnel: P7 complete ⇔ approved or paid out at Bank DKI, P7 in
progress ⇔ waiting in bank.dki's inbox; potential KUR debtors exist; a second run creates nothing."""

from __future__ import annotations

import pytest

from kolabora.accounts.models import User
from kolabora.core.demo import DemoContext
from kolabora.financing import demo
from kolabora.financing.choices import ReferralStatus
from kolabora.financing.eligibility import eligibility_check, eligible
from kolabora.financing.models import FinancingProduct, LoanDeclaration, Referral
from kolabora.financing.selectors import bank_inbox, referral_totals_by_institution
from kolabora.handoffs.models import Handoff
from kolabora.licensing.models import Licence
from kolabora.organisations import demo as organisations_demo
from kolabora.participants import demo as participants_demo
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage

pytestmark = pytest.mark.django_db

PASSWORD = "kolabora-demo-2026"


def counts() -> dict[str, int]:
    return {
        "referrals": Referral.objects.count(),
        "declarations": LoanDeclaration.objects.count(),
        "licences": Licence.objects.count(),
        "handoffs": Handoff.objects.count(),
        "users": User.objects.count(),
    }


@pytest.fixture
def seeded() -> DemoContext:
    ctx = DemoContext(password=PASSWORD, options={"participants": 1500})
    organisations_demo.seed(ctx)
    participants_demo.seed(ctx)
    demo.seed(ctx)
    return ctx


def test_referrals_follow_the_funnel(seeded: DemoContext) -> None:
    p7 = dict(
        ParticipantStage.objects.filter(code="P7")
        .exclude(status="not_started")
        .values_list("participant_id", "status")
    )
    assert len(p7) >= 5
    for pid, status in p7.items():
        at_bank = Referral.objects.filter(participant_id=pid, institution__name=demo.BANK)
        if status == "completed":
            assert at_bank.filter(status__in=["approved", "disbursed"]).exists(), pid
        else:
            assert at_bank.filter(status__in=["received", "in_review"]).exists(), pid
    assert not Referral.objects.exclude(participant_id__in=list(p7)).exists()
    # Everyone referred meets the rules a referral needs.
    for ref in Referral.objects.select_related("participant"):
        assert set(eligibility_check(ref.participant).failed) <= {"age"}, ref.participant_id


def test_bank_dki_has_work_waiting_and_sees_only_its_own(seeded: DemoContext) -> None:
    officer = User.objects.get(username="bank.dki")
    rows = bank_inbox(user=officer)
    statuses = {r.referral.status for r in rows}
    assert {ReferralStatus.RECEIVED, ReferralStatus.IN_REVIEW} <= statuses
    assert all(r.referral.institution.name == demo.BANK for r in rows)
    assert any(r.overdue for r in rows)
    lender = User.objects.get(username=demo.LENDER_USER)
    assert [r.referral.status for r in bank_inbox(user=lender, status="declined")] == ["declined"]
    names = [r["institution_name"] for r in referral_totals_by_institution()]
    assert names == [demo.BANK, demo.LENDER]
    assert FinancingProduct.objects.get(code="kredit-monas-pemula").institutions.get().name == demo.BANK


def test_potential_kur_debtors_exist(seeded: DemoContext) -> None:
    assert eligible(Participant.objects.all()).exists()


def test_seeding_twice_creates_nothing_new(seeded: DemoContext) -> None:
    before = counts()
    again = DemoContext(password=PASSWORD, options={"participants": 1500})
    organisations_demo.seed(again)
    participants_demo.seed(again)
    demo.seed(again)
    assert counts() == before
    assert [a.username for a in again.accounts].count(demo.LENDER_USER) == 1
