"""The financing pages as the participant, their mentor and the bank's officers use them in a browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kolabora.accounts.models import User
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_participant
from kolabora.core.timeutils import today
from kolabora.financing.choices import ReferralStatus
from kolabora.financing.models import FinancingProduct, LoanDeclaration, Referral
from kolabora.participants.models import Consent
from kolabora.participants.services import consent_withdraw
from kolabora.pathway.models import ParticipantStage

from .conftest import Fin
from .factories import make_bank, make_ready, refer, referral_at

pytestmark = pytest.mark.django_db


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def url(name: str, *args: Any) -> str:
    return reverse(f"financing:{name}", args=args)


# --- the participant's side ----------------------------------------------------------------------------------


def test_a_participant_not_ready_sees_each_rule_and_no_referral_form(world: Any) -> None:
    client = as_user(world.user("participant"))
    assert "No bank or financial institution has an agreement covering financing" in body(
        client.get(url("mine"))
    )
    make_bank("Bank Uji", lead=world.dinas)
    page = body(client.get(url("mine")))
    assert "Not yet: 4 rules still to meet" in page
    assert escape("No valid business licence (NIB or IUMK) is recorded yet.") in page
    assert "A referral can be made once the licence, bookkeeping and loan rules above are met." in page
    assert 'action="/permodalan/peserta/' in page  # the loan question is there to answer
    assert "Send the referral" not in page
    assert "KUR Super Mikro" in page and "Kredit Monas Pemula" in page  # what can be borrowed


def test_the_participant_refers_themselves_from_the_page(fin: Fin) -> None:
    client = as_user(fin.applicant)
    page = body(client.get(url("mine")))
    assert "Ready for KUR" in page and "Send the referral" in page
    response = client.post(
        url("refer", fin.participant.pk),
        {
            "business": fin.participant.businesses.get().pk,
            "institution": fin.bank.pk,
            "requested_amount": "Rp 15.000.000",
            "purpose": "working_capital",
            "note": "Kompor kedua",
        },
    )
    ref = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == url("referral", ref.pk)
    assert (ref.requested_amount, ref.purpose, ref.note) == (15_000_000, "working_capital", "Kompor kedua")
    detail = body(client.get(url("referral", ref.pk)))
    assert "Referred to Bank Uji. It takes the referral into review by" in detail
    assert "Terima rujukan dan mulai tinjau · with Bank Uji" in detail
    assert "Withdraw this referral" in detail
    assert "Start the review" not in detail  # that is the bank's


def test_consent_is_asked_in_the_referral_form_when_missing(fin: Fin) -> None:
    Consent.objects.filter(participant=fin.participant, purpose="financial_institutions").delete()
    client = as_user(fin.applicant)
    data = {"business": fin.participant.businesses.get().pk, "institution": fin.bank.pk}
    response = client.post(url("refer", fin.participant.pk), data)
    assert response.status_code == 422
    assert "This field is required." in body(response)
    assert not Referral.objects.exists()
    response = client.post(url("refer", fin.participant.pk), {**data, "consent": "on"})
    assert response.status_code == 302
    assert Consent.objects.filter(participant=fin.participant, purpose="financial_institutions").count() == 1
    assert Referral.objects.count() == 1


def test_the_loan_declaration_asks_for_the_lender(fin: Fin) -> None:
    client = as_user(fin.applicant)
    response = client.post(url("declare", fin.participant.pk), {"has_loan": "yes", "lender": ""})
    assert response.status_code == 422
    assert "Name the bank or lender of the current loan." in body(response)
    response = client.post(url("declare", fin.participant.pk), {"has_loan": "yes", "lender": "BPR Maju"})
    assert response.status_code == 302
    page = body(client.get(url("mine")))
    assert "(BPR Maju)" in page and "Not yet: 1 rule still to meet" in page
    assert LoanDeclaration.objects.filter(participant=fin.participant).count() == 2


def test_a_mentor_refers_from_the_participants_page(fin: Fin) -> None:
    client = as_user(fin.mentor)
    page = body(client.get(url("participant", fin.participant.pk)))
    assert "Capital for Siti Aminah" in page
    assert "asked in person" in page or "Send the referral" in page
    response = client.post(
        url("refer", fin.participant.pk),
        {"business": fin.participant.businesses.get().pk, "institution": fin.bank2.pk},
    )
    assert response.status_code == 302
    assert Referral.objects.get().referrer_kind == "mentor"
    listing = body(client.get(url("referrals")))
    assert "Bank Dua" in listing and "Usaha Siti Aminah" in listing


def test_the_staff_list_names_participants_ready_for_a_referral(fin: Fin) -> None:
    client = as_user(fin.world.user("kecamatan"))
    page = body(client.get(url("referrals")))
    assert "Ready for a referral" in page and "Siti Aminah" in page
    refer(fin.participant, fin.bank, fin.applicant)
    page = body(client.get(url("referrals")))
    assert "Ready for a referral" not in page  # she has an open referral now


def test_a_bank_officer_cannot_use_the_participants_page(fin: Fin) -> None:
    refer(fin.participant, fin.bank, fin.applicant)
    assert as_user(fin.officer).get(url("participant", fin.participant.pk)).status_code == 403
    page = body(as_user(fin.officer).get(url("mine")))
    assert "Referral inbox" in page


# --- the bank's side -----------------------------------------------------------------------------------------


def test_the_bank_works_a_referral_from_the_inbox_to_the_payout(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.mentor, requested_amount=30_000_000)
    client = as_user(fin.officer)
    inbox = body(client.get(url("inbox")))
    assert "Usaha Siti Aminah" in inbox and "Open and start the review" in inbox
    detail = body(client.get(url("referral", ref.pk)))
    assert fin.participant.nik in detail  # banks need the full NIK for the credit check
    assert "Rp 30.000.000" in detail and fin.participant.phone in detail
    assert "Start the review" in detail
    assert client.post(url("review", ref.pk)).status_code == 302
    detail = body(client.get(url("referral", ref.pk)))
    assert "Taken into review. The participant and the referrer are told." in detail
    assert f'action="/permodalan/rujukan/{ref.pk}/setujui/"' in detail
    mikro = FinancingProduct.objects.get(code="kur-mikro")
    too_much = client.post(
        url("approve", ref.pk),
        {"product": mikro.pk, "amount": "150.000.000", "rate": "6", "tenor_months": "24"},
    )
    assert too_much.status_code == 422
    assert "KUR Mikro lends from Rp 10.000.001 up to Rp 100.000.000" in body(too_much)
    assert Referral.objects.get(pk=ref.pk).status == ReferralStatus.IN_REVIEW
    ok = client.post(
        url("approve", ref.pk),
        {"product": mikro.pk, "amount": "30.000.000", "rate": "6", "tenor_months": "24"},
    )
    assert ok.status_code == 302
    assert ParticipantStage.objects.get(participant=fin.participant, code="P7").status == "completed"
    detail = body(client.get(url("referral", ref.pk)))
    assert "Record the payout" in detail
    paid = client.post(url("disburse", ref.pk), {"disbursed_on": today().isoformat(), "amount": "30000000"})
    assert paid.status_code == 302
    assert Referral.objects.get(pk=ref.pk).status == ReferralStatus.DISBURSED
    participant_view = body(as_user(fin.applicant).get(url("referral", ref.pk)))
    assert "Disbursed" in participant_view and "Rp 30.000.000" in participant_view


def test_the_bank_declines_with_a_reason_the_participant_reads(fin: Fin) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    client = as_user(fin.officer)
    response = client.post(url("decline", ref.pk), {"category": "other", "note": ""})
    assert response.status_code == 422 and escape("Explain the reason when it is “other”.") in body(response)
    client.post(
        url("decline", ref.pk), {"category": "repayment_capacity", "note": "Omzet belum stabil 3 bulan."}
    )
    page = body(as_user(fin.applicant).get(url("referral", ref.pk)))
    assert (
        "Not approved" in page
        and "Repayment capacity too low" in page
        and "Omzet belum stabil 3 bulan." in page
    )


def test_a_decision_on_a_referral_that_moved_on_changes_nothing(fin: Fin) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    as_user(fin.officer2).post(url("decline", ref.pk), {"category": "not_feasible"})
    response = as_user(fin.officer).post(url("decline", ref.pk), {"category": "credit_history"}, follow=True)
    assert "cannot become" in body(response)
    assert Referral.objects.get(pk=ref.pk).decline_category == "not_feasible"


def test_opening_a_referral_is_audited_for_staff_not_for_the_participant(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    as_user(fin.applicant).get(url("referral", ref.pk))
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()
    as_user(fin.officer).get(url("referral", ref.pk))
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert (event.actor, event.organisation, event.after["referral"]) == (fin.officer, fin.bank, ref.pk)
    assert event.after["categories"] == ["business", "contact", "financial", "identity", "licences"]


def test_the_bank_sees_only_the_categories_its_agreement_allows(fin: Fin) -> None:
    fin.agreement.data_categories = ["identity", "business"]
    fin.agreement.save()
    ref = refer(fin.participant, fin.bank, fin.applicant)
    page = body(as_user(fin.officer).get(url("referral", ref.pk)))
    assert fin.participant.phone not in page
    assert "Bankable report" not in page
    assert "Usaha Siti Aminah" in page
    assert as_user(fin.officer).get(url("report", ref.pk)).status_code == 403


def test_another_bank_and_a_bank_without_consent_see_nothing(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    other = as_user(fin.officer_b2)
    assert other.get(url("referral", ref.pk)).status_code == 403
    assert "Usaha Siti Aminah" not in body(other.get(url("inbox")))
    consent_withdraw(participant=fin.participant, purpose="financial_institutions", actor=fin.applicant)
    own = as_user(fin.officer)
    assert own.get(url("referral", ref.pk)).status_code == 403
    assert "Usaha Siti Aminah" not in body(own.get(url("inbox")))
    assert own.post(url("review", ref.pk)).status_code == 403


def test_the_participant_withdraws_an_undecided_referral(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    response = as_user(fin.applicant).post(
        url("withdraw", ref.pk), {"reason": "Sudah dapat modal"}, follow=True
    )
    assert "The referral is withdrawn; the institution is told." in body(response)
    assert Referral.objects.get(pk=ref.pk).status == ReferralStatus.WITHDRAWN
    assert as_user(fin.officer).post(url("withdraw", ref.pk)).status_code == 403


# --- figures ------------------------------------------------------------------------------------------------


def test_figures_for_the_programme_and_for_a_bank(fin: Fin) -> None:
    referral_at(
        "approved", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer, amount=7_654_321
    )
    other = make_ready(make_participant(nik="3175104107880011", full_name="Dua Bank"))
    referral_at("declined", other, fin.bank2, referrer=fin.world.user("kecamatan"), officer=fin.officer_b2)
    page = body(as_user(fin.world.user("permitted")).get(url("figures")))
    assert "Bank Uji" in page and "Bank Dua" in page and "Rp 7.654.321" in page
    assert "100%" in page and "0%" in page
    south = body(as_user(fin.world.user("out_of_region")).get(url("figures")))
    assert "Rp 7.654.321" not in south
    bank_page = body(as_user(fin.officer).get(url("figures")))
    assert "Bank Uji" in bank_page and "Bank Dua" not in bank_page
    assert as_user(fin.applicant).get(url("figures")).status_code == 403


# --- Indonesian ----------------------------------------------------------------------------------------------


def test_the_pages_are_served_in_indonesian_by_default(fin: Fin, settings: Any) -> None:
    settings.LANGUAGE_CODE = "id"
    with translation.override("id"):
        expected = translation.gettext("Ask for a referral")
        reason = translation.gettext("Consent to share data with financial institutions is given.")
    page = body(as_user(fin.applicant).get(url("mine")))
    assert escape(expected) in page and escape(reason) in page
    assert '<html lang="id">' in page


def test_the_bank_downloads_the_bankable_report_and_each_copy_is_audited(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    response = as_user(fin.officer).get(url("report", ref.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.BANKABLE_REPORT_ISSUED)
    assert (event.actor, event.organisation) == (fin.officer, fin.bank)
    assert event.after == {"business": ref.business_id, "months": 6, "referral": ref.pk}
    assert as_user(fin.officer_b2).get(url("report", ref.pk)).status_code == 403
