"""Eligibility: each rule passed or failed with a sentence that says why, and the one-query form of the
same rules (used by the SIKP export) giving the same answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kolabora.core.testing import World, make_participant
from kolabora.core.timeutils import today
from kolabora.financing.eligibility import (
    RULES,
    born_on_or_before,
    eligibility_check,
    eligible,
)
from kolabora.financing.models import FinancingProduct, LoanDeclaration
from kolabora.financing.services import loan_declaration_record
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_withdraw

from .factories import make_ready

pytestmark = pytest.mark.django_db


def _reasons(p: Participant) -> dict[str, tuple[bool, str]]:
    return {r.code: (r.passed, r.text) for r in eligibility_check(p).reasons}


def _nik(day: dt.date, serial: int, kecamatan: str = "317510") -> str:
    return f"{kecamatan}{day.day:02d}{day.month:02d}{day.year % 100:02d}{serial:04d}"


def test_a_ready_participant_passes_every_rule_with_a_reason_each(world: World) -> None:
    p = make_ready(world.participant, licence_number="9120001112223")
    check = eligibility_check(p)
    assert check.eligible
    assert [r.code for r in check.reasons] == list(RULES)
    reasons = _reasons(p)
    assert reasons["licence"] == (
        True,
        "The business holds a valid business licence: Business ID number (NIB) 9120001112223.",
    )
    assert reasons["p6"][1] == "Bookkeeping (P6) is complete, so the books give a bankable report."
    assert reasons["age"][1].startswith(f"Aged {p.age_on(today())}, at least the 21 years KUR requires")
    assert reasons["loan"][1].endswith(": no current productive loan.")
    assert reasons["consent"] == (True, "Consent to share data with financial institutions is given.")


def test_a_new_participant_fails_with_what_to_do_for_each_rule(world: World) -> None:
    check = eligibility_check(world.participant)
    assert not check.eligible
    assert check.failed == ["licence", "p6", "loan", "consent"]
    reasons = _reasons(world.participant)
    assert "No valid business licence (NIB or IUMK) is recorded yet" in reasons["licence"][1]
    assert "complete licensing (P4) first" in reasons["licence"][1]
    assert reasons["p6"][1].startswith("Bookkeeping (P6) is not complete yet (now: Not started).")
    assert "is not declared yet" in reasons["loan"][1]
    assert reasons["consent"][1].startswith("Consent to share data with financial institutions is not given.")


def test_an_expired_revoked_or_product_licence_does_not_count(world: World) -> None:
    p = make_ready(world.participant)
    lic = Licence.objects.get(participant=p)
    lic.valid_until = today() - dt.timedelta(days=1)
    lic.save()
    assert not eligibility_check(p).passed("licence")
    lic.valid_until = None
    lic.status = LicenceStatus.REVOKED
    lic.save()
    assert not eligibility_check(p).passed("licence")
    # A halal certificate alone does not make a business legal.
    lic.status = LicenceStatus.VALID
    lic.licence_type_id = lic.licence_type.__class__.objects.get(code="halal").pk
    lic.save()
    assert not eligibility_check(p).passed("licence")


def test_a_declared_loan_fails_until_a_new_declaration_says_it_is_repaid(world: World) -> None:
    p = make_ready(world.participant)
    applicant = world.user("participant")
    loan_declaration_record(participant=p, has_productive_loan=True, lender="BPR Maju", actor=applicant)
    passed, text = _reasons(p)["loan"]
    assert not passed
    assert "(BPR Maju)" in text and "declare again once it is repaid" in text
    loan_declaration_record(participant=p, has_productive_loan=False, actor=applicant)
    assert eligibility_check(p).eligible
    # The history stays: two declarations from the participant plus the one the fixture made.
    assert LoanDeclaration.objects.filter(participant=p).count() == 3


def test_withdrawing_the_consent_fails_the_consent_rule(world: World) -> None:
    p = make_ready(world.participant)
    consent_withdraw(participant=p, purpose="financial_institutions", actor=world.user("participant"))
    assert eligibility_check(p).failed == ["consent"]


def test_age_comes_from_the_nik_and_turns_on_the_21st_birthday(world: World) -> None:
    day = today()
    turns_tomorrow = born_on_or_before(day, 21) + dt.timedelta(days=1)
    young = make_ready(make_participant(nik=_nik(turns_tomorrow, 11), full_name="Rizky Muda"))
    passed, text = _reasons(young)["age"]
    assert not passed
    assert young.birth_date == turns_tomorrow
    assert text.startswith("Aged 20: KUR lends only to people aged at least 21 (birth date from the NIK).")
    assert eligibility_check(young, on=day + dt.timedelta(days=1)).passed("age")
    exactly = make_ready(
        make_participant(nik=_nik(born_on_or_before(day, 21), 12), full_name="Tepat Duapuluhsatu")
    )
    assert eligibility_check(exactly).passed("age")


def test_the_youngest_borrower_follows_the_kur_products(world: World) -> None:
    p = make_ready(world.participant)
    age = p.age_on(today())
    FinancingProduct.objects.filter(scheme="kur").update(min_age=age + 1)
    passed, text = _reasons(p)["age"]
    assert not passed
    assert f"at least {age + 1}" in text


def test_born_on_or_before_handles_29_february() -> None:
    assert born_on_or_before(dt.date(2028, 2, 29), 21) == dt.date(2007, 2, 28)
    assert born_on_or_before(dt.date(2027, 3, 1), 21) == dt.date(2006, 3, 1)


def test_the_one_query_form_agrees_with_the_check(world: World) -> None:
    """Seven participants, each failing a different rule (or none): the queryset finds exactly the ones
    the check calls eligible."""
    day = today()
    people = {
        "ready": make_ready(world.participant),
        "no_licence": make_ready(make_participant(nik=_nik(dt.date(1985, 1, 2), 21)), licence=False),
        "no_p6": make_ready(make_participant(nik=_nik(dt.date(1985, 1, 3), 22)), p6=False),
        "young": make_ready(make_participant(nik=_nik(born_on_or_before(day, 20), 23))),
        "undeclared": make_ready(make_participant(nik=_nik(dt.date(1985, 1, 5), 24)), declare_no_loan=False),
        "no_consent": make_ready(make_participant(nik=_nik(dt.date(1985, 1, 6), 25)), consent=False),
        "loan": make_ready(make_participant(nik=_nik(dt.date(1985, 1, 7), 26))),
    }
    LoanDeclaration.objects.create(
        participant=people["loan"], has_productive_loan=True, lender="Bank X", declared_at=timezone.now()
    )
    found = set(eligible(Participant.objects.all()).values_list("pk", flat=True))
    for name, p in people.items():
        assert (p.pk in found) == eligibility_check(p).eligible, name
    assert found == {people["ready"].pk}
