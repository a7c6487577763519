"""Who sees a referral (the rules appended to core/access.py): a bank never sees another bank's referral nor
a participant who did not consent; programme staff see those of participants they follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolabora.core import access
from kolabora.core.testing import make_member, make_org, make_participant, make_user
from kolabora.core.timeutils import today
from kolabora.financing.models import Referral
from kolabora.financing.selectors import bank_inbox, referral_list
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement
from kolabora.participants.services import consent_withdraw, relationship_open

from .conftest import Fin
from .factories import make_ready, refer

pytestmark = pytest.mark.django_db


def _sees(user: object, ref: Referral) -> tuple[bool, bool, bool]:
    """(the rule, the list, the inbox) for a fresh copy of the user (the gate caches per user object)."""
    fresh = type(user).objects.get(pk=user.pk)  # type: ignore[attr-defined]
    return (
        access.can_view_referral(fresh, ref),
        referral_list(user=fresh).filter(pk=ref.pk).exists(),
        any(r.referral.pk == ref.pk for r in bank_inbox(user=fresh)),
    )


def test_a_bank_sees_its_own_referrals_only(fin: Fin) -> None:
    mine = refer(fin.participant, fin.bank, fin.applicant)
    theirs = refer(fin.participant, fin.bank2, fin.applicant)
    assert _sees(fin.officer, mine) == (True, True, True)
    assert _sees(fin.officer, theirs) == (False, False, False)
    assert _sees(fin.officer_b2, theirs) == (True, True, True)
    assert _sees(fin.officer_b2, mine) == (False, False, False)
    # Nor can it decide the other one or open it.
    assert not access.can_decide_referral(fin.officer, theirs)
    client = fin.world.client("anonymous")
    client.force_login(fin.officer)
    assert client.get(reverse("financing:referral", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("api:get_referral", args=[theirs.pk])).status_code == 403


def test_a_bank_loses_sight_of_a_participant_who_withdraws_consent(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    consent_withdraw(participant=fin.participant, purpose="financial_institutions", actor=fin.applicant)
    assert _sees(fin.officer, ref) == (False, False, False)
    assert not access.can(
        type(fin.officer).objects.get(pk=fin.officer.pk), access.Action.PARTICIPANT_VIEW, fin.participant
    )
    # The participant and the programme still follow it.
    assert _sees(fin.applicant, ref)[:2] == (True, True)
    assert _sees(fin.world.user("kecamatan"), ref)[:2] == (True, True)


def test_a_bank_without_an_agreement_in_force_sees_nothing(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    fin.agreement.status = AgreementStatus.TERMINATED
    fin.agreement.save()
    assert _sees(fin.officer, ref) == (False, False, False)
    assert _sees(fin.world.user("other_org"), ref) == (False, False, False)


def test_programme_staff_in_the_area_follow_the_referral_others_do_not(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    w = fin.world
    for persona in ("permitted", "kecamatan", "participant"):
        assert _sees(w.user(persona), ref)[:2] == (True, True), persona
    assert _sees(fin.mentor, ref)[:2] == (True, True)
    for persona in ("out_of_region", "no_consent", "other_org"):
        assert _sees(w.user(persona), ref)[:2] == (False, False), persona
    stranger = make_participant(nik="3175104107880061", full_name="Orang Lain", password="rahasia-uji-123")
    assert _sees(stranger.user, ref)[:2] == (False, False)


def test_a_system_administrator_sees_but_does_not_decide(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    admin = make_user("admin.uji", superuser=True)
    assert access.can_view_referral(admin, ref)
    assert not access.can_decide_referral(admin, ref)


def test_a_community_organisation_follows_only_those_it_mentors(fin: Fin) -> None:
    ref = refer(fin.participant, fin.bank, fin.applicant)
    community = make_org("Komunitas Uji", "31.75.10", OrganisationType.COMMUNITY)
    staff = make_member("komunitas.uji", community, Role.COMMUNITY_STAFF)
    Agreement.objects.create(
        number="MOU/UJI/KOM",
        title="Pendampingan komunitas",
        lead=fin.world.dinas,
        partner=community,
        stages=["P3"],
        data_categories=["identity"],
        region_id="31.75",
        starts_on=today() - dt.timedelta(days=10),
        ends_on=today() + dt.timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )
    assert _sees(staff, ref)[:2] == (False, False)
    relationship_open(
        participant=fin.participant, organisation=community, kind="mentoring", source="uji", actor=None
    )
    assert _sees(staff, ref)[:2] == (True, True)
    assert access.can_refer(type(staff).objects.get(pk=staff.pk), fin.participant)
    # Another participant of the same kecamatan whom it does not mentor: nothing.
    other = make_ready(make_participant(nik="3175104107880071", full_name="Bukan Dampingan"))
    other_ref = refer(other, fin.bank, fin.world.user("kecamatan"))
    assert _sees(staff, other_ref)[:2] == (False, False)
