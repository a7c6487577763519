"""Indicators from operations: the arithmetic on a small world built for each case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kolabora.core.testing import World, make_org
from kolabora.governance import indicators
from kolabora.governance.selectors.common import Scope
from kolabora.organisations.choices import AgreementStatus, OrganisationType
from kolabora.organisations.models import Agreement
from kolabora.participants.services import consent_grant, relationship_open
from kolabora.pathway.models import ProgrammeTarget
from kolabora.pathway.services import programme_default, stage_transition

from .factories import ago, handoff, participant, reach

pytestmark = pytest.mark.django_db

JAKTIM = Scope(codes=("31.75",))


def value(code: str, scope: Scope = JAKTIM) -> indicators.Result:
    found = indicators.by_code(code)
    assert found is not None
    return found.compute(scope)


def test_every_deseve_dimension_has_an_indicator_with_a_definition() -> None:
    from kolabora.governance.instruments import DESEVE

    dimensions = {d[0] for d in DESEVE["dimensions"]}
    assert dimensions <= {i.dimension for i in indicators.REGISTRY}
    assert all(len(str(i.definition)) > 40 for i in indicators.REGISTRY)


def test_handoffs_within_service_level_counts_done_and_overdue(world: World) -> None:
    p = participant()
    org = world.cipayung
    handoff(org, received=ago(10), done=ago(9.9), participant=p)  # on time
    handoff(org, received=ago(10), done=ago(9.8), participant=p)  # on time
    handoff(org, received=ago(10), done=ago(0), participant=p)  # late
    handoff(org, received=ago(10), participant=p)  # still open, overdue
    handoff(org, received=ago(0), participant=p)  # open, not due yet: not counted
    r = value("handoffs_within_level")
    assert (r.numerator, r.denominator, r.value) == (2, 4, 50.0)
    # Elsewhere (Jakarta Selatan) none of them counts.
    assert not value("handoffs_within_level", Scope(codes=("31.74",))).has_data


def test_decisions_count_only_decision_steps(world: World) -> None:
    p = participant()
    app = "licensing.licenceapplication"
    handoff(world.cipayung, received=ago(6), done=ago(5.9), subject_type=app, step="issuance", participant=p)
    handoff(
        world.cipayung, received=ago(20), done=ago(1), subject_type=app, step="recommendation", participant=p
    )
    handoff(
        world.cipayung, received=ago(6), done=ago(5.9), subject_type=app, step="verification", participant=p
    )
    r = value("decisions_within_level")
    assert (r.numerator, r.denominator) == (1, 2)


def test_partners_under_an_agreement_in_force(world: World) -> None:
    # Jakarta Timur's partners: the university (draft agreement), the training company (agreement in
    # force) and the other bank (none); government offices do not count.
    r = value("partners_under_agreement")
    assert (r.numerator, r.denominator) == (1, 3)


def test_records_shared_under_consent(world: World) -> None:
    # The world's participant has a training relationship without consenting to training partners.
    assert (value("consented_sharing").numerator, value("consented_sharing").denominator) == (0, 1)
    other = participant(consents=["programme", "training_partners"])
    relationship_open(
        participant=other, organisation=world.trainer, kind="training", source="uji:2", actor=None
    )
    r = value("consented_sharing")
    assert (r.numerator, r.denominator, r.value) == (1, 2, 50.0)
    consent_grant(participant=world.participant, purpose="training_partners", actor=world.user("participant"))
    assert value("consented_sharing").value == 100.0


def test_retention_between_consecutive_stages() -> None:
    people = [participant(kelurahan="31.75.02.1001") for _ in range(4)]
    reach(people[0], "P2", "P3")
    reach(people[1], "P2")
    scope = Scope(codes=("31.75.02",))
    r = value("stage_retention", scope)
    # Reached: P1 4, P2 2, P3 1, P4 0 → (2 + 1 + 0) / (4 + 2 + 1) pooled over the pairs.
    assert (r.numerator, r.denominator) == (3, 7)
    assert r.value == pytest.approx(42.9)
    assert r.details[:3] == [
        ("P1 → P2", "50,0% (2 / 4)"),
        ("P2 → P3", "50,0% (1 / 2)"),
        ("P3 → P4", "0,0% (0 / 1)"),
    ]


def test_agreements_renewed(world: World) -> None:
    day = timezone.localdate()
    renewed = make_org("Mitra Diperpanjang", "31.75", OrganisationType.COMPANY)
    lapsed = make_org("Mitra Berhenti", "31.75", OrganisationType.COMPANY)

    def agreement(number: str, partner: Any, start: dt.date, end: dt.date, status: str) -> None:
        Agreement.objects.create(
            number=number,
            title=number,
            lead=world.dinas,
            partner=partner,
            stages=["P5"],
            region_id="31.75",
            starts_on=start,
            ends_on=end,
            status=status,
        )

    agreement(
        "A/1", renewed, day - dt.timedelta(days=700), day - dt.timedelta(days=300), AgreementStatus.EXPIRED
    )
    agreement(
        "A/2", renewed, day - dt.timedelta(days=299), day + dt.timedelta(days=300), AgreementStatus.ACTIVE
    )
    agreement(
        "B/1", lapsed, day - dt.timedelta(days=700), day - dt.timedelta(days=200), AgreementStatus.EXPIRED
    )
    r = value("agreements_renewed")
    assert (r.numerator, r.denominator) == (1, 2)


def test_targets_set_and_met() -> None:
    programme = programme_default()
    year = timezone.localdate().year
    ProgrammeTarget.objects.create(programme=programme, region_id="31.75.02", year=year, target=1)
    ProgrammeTarget.objects.create(programme=programme, region_id="31.75.03", year=year, target=5)
    p = participant(kelurahan="31.75.02.1001")
    stage_transition(participant=p, stage="P4", to_status="completed", actor=None, reason="izin terbit")
    r = value("targets_met")
    assert (r.numerator, r.denominator) == (1, 2)


def test_no_targets_is_said_in_words() -> None:
    r = value("targets_met")
    assert not r.has_data and "target" in r.note.lower()


def test_financing_approval_from_the_financing_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        indicators,
        "financing_totals",
        lambda scope: [
            {"institution_id": 1, "referred": 10, "approved": 3, "declined": 1, "disbursed": 2},
            {"institution_id": 2, "referred": 4, "approved": 0, "declined": 0, "disbursed": 0},
        ],
    )
    r = value("financing_approved")
    assert (r.numerator, r.denominator, r.value) == (3, 4, 75.0)
    monkeypatch.setattr(indicators, "financing_totals", lambda scope: None)
    r = value("financing_approved")
    assert not r.has_data and r.note


def test_marketing_places_from_the_marketing_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        indicators,
        "marketing_totals",
        lambda scope: {
            "slots_offered": 40,
            "slots_allocated": 30,
            "participants_served": 20,
            "applications": 60,
        },
    )
    r = value("marketing_places")
    assert (r.numerator, r.denominator, r.value) == (30, 60, 50.0)
    assert r.details[-1][1] == "1,50"
    monkeypatch.setattr(indicators, "marketing_totals", lambda scope: None)
    assert not value("marketing_places").has_data


def test_every_indicator_answers_on_an_empty_region() -> None:
    for v in indicators.compute_all(Scope(codes=("31.01",))):
        assert v.result.has_data or v.result.note, v.code
