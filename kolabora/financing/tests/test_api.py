"""The financing API: scoped lists, the same errors as the rest of the API, and the status machine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kolabora.accounts.models import User
from kolabora.core.testing import make_participant
from kolabora.core.timeutils import today
from kolabora.financing.models import Referral

from .conftest import Fin
from .factories import refer, referral_at

pytestmark = pytest.mark.django_db


def api(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_lists_are_scoped_by_the_gate(fin: Fin) -> None:
    mine = refer(fin.participant, fin.bank, fin.applicant)
    theirs = refer(fin.participant, fin.bank2, fin.applicant)

    def ids(user: User, **params: Any) -> list[int]:
        response = api(user).get(reverse("api:list_referrals"), params)
        assert response.status_code == 200
        return [r["id"] for r in response.json()]

    assert ids(fin.officer) == [mine.pk]
    assert ids(fin.officer_b2) == [theirs.pk]
    assert sorted(ids(fin.applicant)) == sorted([mine.pk, theirs.pk])
    assert sorted(ids(fin.world.user("permitted"))) == sorted([mine.pk, theirs.pk])
    assert ids(fin.world.user("out_of_region")) == []
    assert ids(fin.world.user("other_org")) == []
    assert ids(fin.applicant, status="approved") == []
    bad = api(fin.applicant).get(reverse("api:list_referrals"), {"status": "lost"})
    assert bad.status_code == 422
    assert bad.json() == {
        "detail": "The request has invalid fields.",
        "errors": [{"field": "status", "message": "Unknown status."}],
    }
    assert api(None).get(reverse("api:list_referrals")).status_code == 401


def test_create_refuses_with_the_reasons_and_the_usual_error_shape(fin: Fin) -> None:
    other = make_participant(nik="3175104107880021", full_name="Belum Siap", password="rahasia-uji-123")
    response = post(
        api(other.user),
        reverse("api:create_referral"),
        {"participant_id": other.pk, "business_id": other.businesses.get().pk, "institution_id": fin.bank.pk},
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "" and error["message"].startswith("Not yet eligible for a referral:")
    missing = post(
        api(fin.applicant),
        reverse("api:create_referral"),
        {
            "participant_id": fin.participant.pk,
            "business_id": fin.participant.businesses.get().pk,
            "institution_id": 999999,
        },
    )
    assert missing.status_code == 404
    assert missing.json()["errors"] == [
        {"field": "institution_id", "message": "No such financial institution."}
    ]
    forbidden = post(
        api(fin.officer),
        reverse("api:create_referral"),
        {
            "participant_id": fin.participant.pk,
            "business_id": fin.participant.businesses.get().pk,
            "institution_id": fin.bank.pk,
        },
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "You do not have permission to do this."
    assert not Referral.objects.exists()


def test_create_and_read_what_the_caller_may_receive(fin: Fin) -> None:
    response = post(
        api(fin.mentor),
        reverse("api:create_referral"),
        {
            "participant_id": fin.participant.pk,
            "business_id": fin.participant.businesses.get().pk,
            "institution_id": fin.bank.pk,
            "requested_amount": 12_000_000,
            "purpose": "investment",
        },
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["referrer_kind"], data["requested_amount"]) == (
        "received",
        "mentor",
        12_000_000,
    )
    assert [s["code"] for s in data["steps"]] == ["acknowledge"]
    # The mentor is programme staff: the NIK masked (mentors do not hold the NIK right).
    assert "•" in data["participant"]["nik"]
    bank = api(fin.officer).get(reverse("api:get_referral", args=[data["id"]])).json()
    assert bank["participant"]["nik"] == fin.participant.nik
    assert bank["shared_categories"] == ["business", "contact", "financial", "identity", "licences"]
    assert bank["licence"]["type"] == "nib"
    assert bank["bankable_report_url"] == f"/permodalan/rujukan/{data['id']}/laporan-keuangan.pdf"
    assert api(fin.officer_b2).get(reverse("api:get_referral", args=[data["id"]])).status_code == 403


def test_transitions_through_the_api(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    bank = api(fin.officer)
    url = reverse("api:transition_referral", args=[ref.pk])
    assert post(bank, url, {"to": "in_review"}).json()["status"] == "in_review"
    incomplete = post(bank, url, {"to": "approved", "product": "kur-mikro"})
    assert incomplete.status_code == 422
    assert [e["field"] for e in incomplete.json()["errors"]] == ["amount", "rate", "tenor_months"]
    over = post(
        bank,
        url,
        {
            "to": "approved",
            "product": "kur-super-mikro",
            "amount": 12_000_000,
            "rate": "3",
            "tenor_months": 12,
        },
    )
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "amount"
    approved = post(
        bank,
        url,
        {
            "to": "approved",
            "product": "kur-super-mikro",
            "amount": 9_000_000,
            "rate": "3",
            "tenor_months": 12,
        },
    )
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["rate"], approved.json()["product"]) == (
        "approved",
        "3.00",
        "kur-super-mikro",
    )
    paid = post(bank, url, {"to": "disbursed", "disbursed_on": today().isoformat(), "amount": 9_000_000})
    assert paid.json()["status"] == "disbursed"
    again = post(bank, url, {"to": "declined", "category": "other", "note": "x"})
    assert again.status_code == 422
    assert "cannot become" in again.json()["errors"][0]["message"]


def test_only_the_bank_moves_and_only_the_participant_or_referrer_withdraws(fin: Fin) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)
    url = reverse("api:transition_referral", args=[ref.pk])
    assert post(api(fin.applicant), url, {"to": "declined", "category": "not_feasible"}).status_code == 403
    assert (
        post(api(fin.world.user("permitted")), url, {"to": "approved", "product": "kur-mikro"}).status_code
        == 403
    )
    assert post(api(fin.officer), url, {"to": "withdrawn"}).status_code == 403
    assert post(api(fin.officer), url, {"to": "received"}).status_code == 422
    withdrawn = post(api(fin.applicant), url, {"to": "withdrawn", "reason": "Batal"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_eligibility_for_those_who_may_refer(fin: Fin) -> None:
    response = api(fin.mentor).get(reverse("api:get_financing_eligibility", args=[fin.participant.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["eligible"] is True and data["failed"] == []
    assert [r["code"] for r in data["reasons"]] == ["licence", "p6", "age", "loan", "consent"]
    assert [i["name"] for i in data["institutions"]] == ["Bank Dua", "Bank Uji"]
    assert (
        api(fin.officer).get(reverse("api:get_financing_eligibility", args=[fin.participant.pk])).status_code
        == 403
    )
    assert api(fin.mentor).get(reverse("api:get_financing_eligibility", args=[999999])).status_code == 404
