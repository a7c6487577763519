"""Per-institution figures: counts, amounts and the median time to a decision, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.testing import make_participant
from kolabora.financing import services
from kolabora.financing.models import Referral
from kolabora.financing.selectors import approval_rate, bank_inbox, referral_totals_by_institution
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Organisation
from kolabora.participants.models import Participant

from .conftest import Fin
from .factories import approval, make_bank, make_ready

pytestmark = pytest.mark.django_db

KEYS = [
    "institution_id",
    "institution_name",
    "referred",
    "approved",
    "declined",
    "disbursed",
    "median_days_to_decision",
    "amount_approved",
    "amount_disbursed",
]


@pytest.fixture
def history(fin: Fin) -> dict[str, object]:
    """Bank Uji: approved after 2 days (and paid out Rp 18 juta of 20), declined after 5 days (a participant
    of Jakarta Selatan), approved after 4 days (Rp 8 juta), withdrawn, and one received 40 days ago still
    waiting. Bank Dua: one declined after 1 day. Bank Tiga: an agreement, no referrals."""
    now = timezone.now()
    start = now - dt.timedelta(days=20)
    officer, kec = fin.officer, fin.world.user("kecamatan")
    people = [
        make_ready(make_participant(nik=f"31751041078800{i:02d}", full_name=f"Peserta {i}"))
        for i in range(1, 5)
    ]
    south = make_ready(
        make_participant(nik="3174101506850099", full_name="Warga Selatan", kelurahan="31.74.10.1005")
    )
    admin = _admin()

    def received(p: Participant, bank: Organisation, at: dt.datetime) -> Referral:
        ref = services.referral_create(
            participant=p,
            data=services.ReferralInput(business=p.businesses.get(), institution=bank),
            actor=admin,
            at=at,
        )
        return services.referral_review_start(
            referral=ref, actor=officer if bank == fin.bank else fin.officer_b2, at=at + dt.timedelta(hours=1)
        )

    r1 = received(people[0], fin.bank, start)
    services.referral_approve(
        referral=r1, actor=officer, approval=approval(amount=20_000_000), at=start + dt.timedelta(days=2)
    )
    services.referral_disburse(
        referral=r1, actor=officer, disbursed_on=timezone.localdate(now), amount=18_000_000, at=now
    )
    r2 = received(south, fin.bank, start)
    services.referral_decline(
        referral=r2, actor=officer, category="not_feasible", at=start + dt.timedelta(days=5)
    )
    r3 = received(people[1], fin.bank, start)
    services.referral_approve(
        referral=r3,
        actor=officer,
        approval=approval("kur-super-mikro", 8_000_000, "3.00", 12),
        at=start + dt.timedelta(days=4),
    )
    r4 = services.referral_create(
        participant=people[2],
        data=services.ReferralInput(business=people[2].businesses.get(), institution=fin.bank),
        actor=kec,
        at=start,
    )
    services.referral_withdraw(referral=r4, actor=kec)
    services.referral_create(
        participant=people[3],
        data=services.ReferralInput(business=people[3].businesses.get(), institution=fin.bank),
        actor=kec,
        at=now - dt.timedelta(days=40),
    )
    r6 = received(people[0], fin.bank2, start)
    services.referral_decline(
        referral=r6, actor=fin.officer_b2, category="other", note="x", at=start + dt.timedelta(days=1)
    )
    tiga, _agreement = make_bank("Bank Tiga", lead=fin.world.dinas)
    make_bank("BPR Belum Aktif", lead=fin.world.dinas, status=AgreementStatus.DRAFT)
    return {"tiga": tiga, "start": start}


def _admin() -> User:
    from kolabora.core.testing import make_user

    return make_user("admin.angka", superuser=True)


def _by_name(rows: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {r["institution_name"]: r for r in rows}


def test_totals_per_institution(fin: Fin, history: dict[str, object]) -> None:
    rows = referral_totals_by_institution()
    assert [r["institution_name"] for r in rows] == ["Bank Dua", "Bank Tiga", "Bank Uji"]
    assert all(list(r) == KEYS for r in rows)
    uji = _by_name(rows)["Bank Uji"]
    assert uji == {
        "institution_id": fin.bank.pk,
        "institution_name": "Bank Uji",
        "referred": 5,
        "approved": 2,
        "declined": 1,
        "disbursed": 1,
        "median_days_to_decision": 4.0,  # of 2, 5 and 4 days
        "amount_approved": 28_000_000,
        "amount_disbursed": 18_000_000,
    }
    assert approval_rate(uji) == pytest.approx(2 / 3)
    dua = _by_name(rows)["Bank Dua"]
    assert (dua["referred"], dua["declined"], dua["median_days_to_decision"], dua["amount_approved"]) == (
        1,
        1,
        1.0,
        0,
    )
    assert approval_rate(dua) == 0
    tiga = _by_name(rows)["Bank Tiga"]
    assert (tiga["referred"], tiga["median_days_to_decision"], tiga["amount_approved"]) == (0, None, 0)
    assert approval_rate(tiga) is None


def test_totals_for_an_area_and_a_period(fin: Fin, history: dict[str, object]) -> None:
    east = _by_name(referral_totals_by_institution(region_code="31.75"))["Bank Uji"]
    assert (east["referred"], east["declined"], east["median_days_to_decision"]) == (4, 0, 3.0)
    south = _by_name(referral_totals_by_institution(region_code="31.74.10"))["Bank Uji"]
    assert (south["referred"], south["declined"], south["approved"]) == (1, 1, 0)
    since = timezone.localdate(history["start"])  # type: ignore[arg-type]
    recent = _by_name(referral_totals_by_institution(since=since))["Bank Uji"]
    assert recent["referred"] == 4  # the one received 40 days ago is left out
    assert recent["amount_approved"] == 28_000_000
    nothing = _by_name(referral_totals_by_institution(since=timezone.localdate() + dt.timedelta(days=1)))
    assert nothing["Bank Uji"]["referred"] == 0


def test_the_inbox_puts_the_most_urgent_step_first(fin: Fin, history: dict[str, object]) -> None:
    rows = bank_inbox(user=fin.officer)
    # Still to do at Bank Uji: the approved one (to pay out) and the one received 40 days ago (overdue).
    assert [r.referral.status for r in rows] == ["received", "approved"]
    assert rows[0].overdue and rows[0].handoff is not None and rows[0].handoff.step == "acknowledge"
    assert bank_inbox(user=fin.officer, status="declined")[0].referral.institution == fin.bank
