"""Who reads and who keeps a cash book (core/access.py, bookkeeping section)."""

from __future__ import annotations

import datetime as dt

import pytest

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.testing import World, make_member, make_org
from kolabora.core.timeutils import today
from kolabora.mentoring.models import MentorAssignment
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant, consent_withdraw, relationship_open

from .conftest import Books

pytestmark = pytest.mark.django_db


def _agreement(w: World, partner: Organisation, stages: list[str], categories: list[str]) -> Agreement:
    day = today()
    return Agreement.objects.create(
        number=f"PKS/UJI/{partner.pk}",
        title="Uji",
        lead=w.dinas,
        partner=partner,
        stages=stages,
        data_categories=categories,
        region_id="31.75",
        starts_on=day - dt.timedelta(days=30),
        ends_on=day + dt.timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )


def _reads(user: User, p: Participant) -> tuple[bool, bool]:
    listed = access.scope_cashbook_participants(user, Participant.objects.filter(pk=p.pk)).exists()
    return access.can_view_cashbook(user, p), listed


def test_area_staff_read_and_coordinators_do_not(books: Books) -> None:
    w, p = books.world, books.world.participant
    assert _reads(w.user("kecamatan"), p) == (True, True)
    assert _reads(w.user("permitted"), p) == (True, True)
    assert _reads(w.user("participant"), p) == (True, True)
    assert _reads(w.user("out_of_region"), p) == (False, False)
    assert _reads(w.user("no_consent"), p) == (False, False)
    assert _reads(w.user("other_org"), p) == (False, False)
    coordinator = make_member("koordinator.uji", w.sudin_jaktim, Role.REGIONAL_COORDINATOR)
    assert _reads(coordinator, p) == (False, False)
    assert not access.can_keep_cashbook(w.user("kecamatan"), p)
    assert access.can_keep_cashbook(w.user("participant"), p)


def test_a_community_mentor_reads_through_the_mentoring_relationship(books: Books) -> None:
    w, p = books.world, books.world.participant
    community = make_org("Komunitas Uji", "31.75", OrganisationType.COMMUNITY)
    mentor = make_member("mentor.komunitas", community, Role.MENTOR)
    staff = make_member("staf.komunitas", community, Role.COMMUNITY_STAFF)
    _agreement(w, community, ["P3"], ["identity"])
    assert _reads(mentor, p) == (False, False)
    relationship_open(participant=p, organisation=community, kind="mentoring", source="uji:m", actor=None)
    assert _reads(mentor, p) == (True, True)
    # Community staff who are not mentors do not read cash books.
    assert _reads(staff, p) == (False, False)
    # Writing needs the current assignment.
    assert not access.can_keep_cashbook(mentor, p)
    MentorAssignment.objects.create(
        participant=p, mentor=mentor, organisation=community, method="manual", started_at=p.created_at
    )
    assert access.can_keep_cashbook(mentor, p)


def test_a_bank_reads_only_with_consent_and_financial_data_in_its_agreement(books: Books) -> None:
    w, p = books.world, books.world.participant
    bank = make_org("Bank Uji", "31.75", OrganisationType.BANK)
    officer = make_member("petugas.bank", bank, Role.BANK_OFFICER)
    agreement = _agreement(w, bank, ["P7"], ["identity", "business"])
    relationship_open(participant=p, organisation=bank, kind="financing", source="uji:f", actor=None)
    assert _reads(officer, p) == (False, False)  # no consent yet
    consent_grant(participant=p, purpose="financial_institutions", actor=w.user("participant"))
    assert _reads(officer, p) == (False, False)  # the agreement does not cover financial statements
    agreement.data_categories = ["identity", "business", "financial"]
    agreement.save()
    access.forget(officer)
    assert _reads(officer, p) == (True, True)
    consent_withdraw(participant=p, purpose="financial_institutions", actor=w.user("participant"))
    assert _reads(officer, p) == (False, False)
    assert not access.can_keep_cashbook(officer, p)
