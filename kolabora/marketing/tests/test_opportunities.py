"""Opportunities: applying, the rotation rule with its explanations, attendance, figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.timeutils import today
from kolabora.marketing import selectors, services
from kolabora.marketing.choices import ApplicationStatus, OpportunityStatus
from kolabora.marketing.models import Opportunity, OpportunityApplication, Product
from kolabora.participants.choices import ConsentPurpose, RelationshipKind
from kolabora.participants.models import Participant, Relationship
from kolabora.participants.services import consent_grant
from kolabora.pathway.models import ParticipantStage
from kolabora.regions.models import Region

from .conftest import Market

pytestmark = pytest.mark.django_db


def _scored(market: Market, p: Participant, score: int | None) -> None:
    product = market.product(participant=p, category=market.craft, name=f"Kriya {p.full_name}")
    Product.objects.filter(pk=product.pk).update(
        curation_score=score, curation_level="kecamatan" if score else ""
    )


def _apply(market: Market, o: Opportunity, p: Participant, at: dt.datetime) -> OpportunityApplication:
    return services.opportunity_apply(opportunity=o, participant=p, actor=market.kecamatan, at=at)


@pytest.fixture
def contest(market: Market) -> dict[str, object]:
    """Four applicants for two places: Ani had a place this year; Budi and Dewi score 80, Citra 60."""
    ani, budi, citra, dewi = (
        market.person(11, "Ani"),
        market.person(12, "Budi"),
        market.person(13, "Citra"),
        market.person(14, "Dewi"),
    )
    earlier = market.opportunity(slots=1, title="Pameran Bulan Lalu")
    _apply(market, earlier, ani, timezone.now() - dt.timedelta(days=3))
    services.opportunity_allocate(opportunity=earlier, actor=market.manager)
    for p, score in ((ani, 90), (budi, 80), (citra, 60), (dewi, 80)):
        _scored(market, p, score)
    o = market.opportunity(slots=2)
    t0 = timezone.now() - dt.timedelta(hours=10)
    apps = {
        "ani": _apply(market, o, ani, t0 - dt.timedelta(hours=1)),
        "citra": _apply(market, o, citra, t0),
        "budi": _apply(market, o, budi, t0 + dt.timedelta(hours=1)),
        "dewi": _apply(market, o, dewi, t0 + dt.timedelta(hours=2)),
    }
    return {"opportunity": o, "apps": apps}


def _fresh(apps: dict[str, OpportunityApplication]) -> dict[str, OpportunityApplication]:
    return {k: OpportunityApplication.objects.get(pk=a.pk) for k, a in apps.items()}


def test_fewer_places_first_then_curation_score_then_who_applied_first(market: Market, contest: dict) -> None:
    o = contest["opportunity"]
    result = services.opportunity_allocate(opportunity=o, actor=market.manager)
    apps = _fresh(contest["apps"])
    assert [a.participant.full_name for a in result.allocated] == ["Budi", "Dewi"]
    assert [a.participant.full_name for a in result.waitlisted] == ["Citra", "Ani"]
    assert {k: (a.status, a.rank) for k, a in apps.items()} == {
        "budi": ("allocated", 1),
        "dewi": ("allocated", 2),
        "citra": ("waitlisted", 3),
        "ani": ("waitlisted", 4),
    }
    # Every decision keeps the keys it was taken on, and what separated it from the other side of the line.
    assert apps["budi"].explanation["decided_by"] == "curation_score"
    assert apps["citra"].explanation["decided_by"] == "curation_score"
    assert apps["ani"].explanation["decided_by"] == "previous_slots"
    assert apps["ani"].explanation["previous_slots"] == 1
    assert apps["ani"].explanation["curation_score"] == 90
    assert apps["dewi"].explanation["score_from"] == "best_product"
    assert apps["budi"].explanation["free"] == 2
    o.refresh_from_db()
    assert o.status == OpportunityStatus.ALLOCATED


def test_equal_places_and_score_go_to_whoever_applied_first(market: Market, contest: dict) -> None:
    o = contest["opportunity"]
    Opportunity.objects.filter(pk=o.pk).update(slots=1)
    services.opportunity_allocate(opportunity=o, actor=market.manager)
    apps = _fresh(contest["apps"])
    assert apps["budi"].status == "allocated"
    assert apps["dewi"].explanation["decided_by"] == "applied_at"
    assert apps["budi"].explanation["decided_by"] == "applied_at"


def test_each_decision_is_audited_and_explains_itself_in_words(market: Market, contest: dict) -> None:
    o = contest["opportunity"]
    services.opportunity_allocate(opportunity=o, actor=market.manager)
    apps = _fresh(contest["apps"])
    for key, action in (("budi", AuditAction.SLOT_ALLOCATED), ("ani", AuditAction.SLOT_WAITLISTED)):
        event = AuditEvent.objects.get(action=action, object_id=str(apps[key].pk))
        assert event.after["rank"] == apps[key].rank
        assert event.organisation == o.organiser
    run = AuditEvent.objects.get(action=AuditAction.OPPORTUNITY_ALLOCATED, object_id=str(o.pk))
    assert run.after["allocated"] == [apps["budi"].pk, apps["dewi"].pk]
    with translation.override("en"):
        lines = selectors.explanation_lines(apps["ani"])
    assert lines[0] == "Number 4 of 4 in the order; 2 place(s) were free, so this one waits."
    assert "Places held in the last 12 months: 1" in lines[1]
    assert lines[-1] == "What decided it: the number of places held in the last 12 months."


def test_a_freed_place_goes_to_the_next_by_the_same_rule(market: Market, contest: dict) -> None:
    o = contest["opportunity"]
    services.opportunity_allocate(opportunity=o, actor=market.manager)
    apps = _fresh(contest["apps"])
    services.application_withdraw(application=apps["budi"], actor=market.kecamatan)
    result = services.opportunity_allocate(opportunity=o, actor=market.manager)
    assert [a.participant.full_name for a in result.allocated] == ["Citra"]
    apps = _fresh(contest["apps"])
    assert (apps["dewi"].status, apps["dewi"].rank) == ("allocated", 2)  # a place given stays given
    assert apps["budi"].status == "withdrawn"
    assert not Relationship.objects.filter(
        participant=apps["budi"].participant, kind=RelationshipKind.MARKETING, ended_at__isnull=True
    ).exists()


def test_only_organisers_and_overseers_allocate(market: Market, contest: dict) -> None:
    o = contest["opportunity"]
    for persona in ("other_org", "out_of_region", "no_consent", "kecamatan"):
        # Cipayung's kecamatan staff oversee opportunities inside Cipayung, not Jakarta Timur's.
        with pytest.raises(PermissionDenied):
            services.opportunity_allocate(opportunity=o, actor=market.world.user(persona))
    with pytest.raises(PermissionDenied):
        services.opportunity_allocate(opportunity=o, actor=market.partner_staff)
    assert not OpportunityApplication.objects.filter(opportunity=o, status="allocated").exists()


def test_applying_to_a_partner_needs_the_consent_and_opens_the_partner_relationship(market: Market) -> None:
    o = market.opportunity(organiser=market.partner, kind="ecommerce", title="Onboarding Toko Daring")
    p = market.participant
    assert not access.can(market.partner_staff, Action.PARTICIPANT_VIEW, p)
    with pytest.raises(ValidationError) as refused:
        services.opportunity_apply(opportunity=o, participant=p, actor=market.me)
    assert "consent" in refused.value.message_dict
    consent_grant(participant=p, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    application = services.opportunity_apply(opportunity=o, participant=p, actor=market.me)
    assert (
        Relationship.objects.get(participant=p, kind=RelationshipKind.MARKETING).organisation
        == market.partner
    )
    access.forget(market.partner_staff)
    assert access.can(market.partner_staff, Action.PARTICIPANT_VIEW, p)
    assert AuditEvent.objects.filter(
        action=AuditAction.OPPORTUNITY_APPLIED, object_id=str(application.pk)
    ).exists()


def test_a_partner_without_an_agreement_covering_p5_is_told_why(market: Market) -> None:
    world = market.world
    with pytest.raises(ValidationError) as refused:
        services.opportunity_create(
            data=services.OpportunityInput(
                organiser=world.trainer,
                kind="bazaar",
                title="Bazar",
                region=Region.objects.get(code="31.75"),
                starts_on=today(),
                ends_on=today(),
                apply_by=today(),
                slots=3,
            ),
            actor=world.user("no_consent"),
        )
    assert "organiser" in refused.value.message_dict


def test_applications_respect_area_deadline_product_and_once_only(market: Market) -> None:
    p = market.participant
    elsewhere = market.opportunity(region=Region.objects.get(code="31.75.01"), title="Bazar Pasar Rebo")
    with pytest.raises(ValidationError):
        services.opportunity_apply(opportunity=elsewhere, participant=p, actor=market.me)
    needs_product = market.opportunity(product_required=True, title="Thamrin 10")
    with pytest.raises(ValidationError) as refused:
        services.opportunity_apply(opportunity=needs_product, participant=p, actor=market.me)
    assert "product" in refused.value.message_dict
    draft = market.product()
    with pytest.raises(ValidationError):
        services.opportunity_apply(opportunity=needs_product, participant=p, product=draft, actor=market.me)
    published = market.published(name="Sambal Bawang")
    services.opportunity_apply(opportunity=needs_product, participant=p, product=published, actor=market.me)
    with pytest.raises(ValidationError):
        services.opportunity_apply(
            opportunity=needs_product, participant=p, product=published, actor=market.me
        )
    late = market.opportunity(title="Bazar Kilat", apply_by=today())
    with pytest.raises(ValidationError):
        services.opportunity_apply(
            opportunity=late, participant=p, actor=market.me, at=timezone.now() + dt.timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        services.opportunity_apply(opportunity=late, participant=p, actor=market.partner_staff)


def test_taking_part_completes_p5(market: Market) -> None:
    market.p4_done()
    o = market.opportunity(slots=1)
    application = services.opportunity_apply(opportunity=o, participant=market.participant, actor=market.me)
    services.opportunity_allocate(opportunity=o, actor=market.manager)
    with pytest.raises(ValidationError):
        services.attendance_record(opportunity=o, actor=market.manager, attended={application.pk})
    first_day = timezone.make_aware(dt.datetime.combine(o.starts_on, dt.time(9)))
    refusals = services.attendance_record(
        opportunity=o, actor=market.manager, attended={application.pk}, at=first_day
    )
    assert refusals == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ATTENDED
    assert ParticipantStage.objects.get(participant=market.participant, code="P5").status == "completed"


def test_allocation_totals_for_governance(market: Market, contest: dict) -> None:
    services.opportunity_allocate(opportunity=contest["opportunity"], actor=market.manager)
    totals = selectors.allocation_totals()
    assert totals["slots_offered"] == 3
    assert totals["slots_allocated"] == 3
    assert totals["participants_served"] == 3  # Ani (earlier), Budi, Dewi
    assert totals["applications"] == 5
    assert selectors.allocation_totals(region_code="31.74") == {
        "slots_offered": 0,
        "slots_allocated": 0,
        "slots_attended": 0,
        "participants_served": 0,
        "applications": 0,
        "opportunities": 0,
        "products_published": 0,
    }
    assert selectors.allocation_totals(since=today() + dt.timedelta(days=60))["slots_offered"] == 0


def test_cancelling_tells_applicants_ends_relationships_and_frees_the_rotation(
    market: Market, contest: dict
) -> None:
    o = contest["opportunity"]
    services.opportunity_allocate(opportunity=o, actor=market.manager)
    with pytest.raises(ValidationError) as refused:
        services.opportunity_cancel(opportunity=o, actor=market.manager, reason=" ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.opportunity_cancel(opportunity=o, actor=market.partner_staff, reason="Hujan")
    services.opportunity_cancel(opportunity=o, actor=market.manager, reason="Lapangan dipakai acara kota")
    o.refresh_from_db()
    assert o.status == OpportunityStatus.CANCELLED
    budi = contest["apps"]["budi"].participant
    assert not Relationship.objects.filter(
        participant=budi, kind=RelationshipKind.MARKETING, ended_at__isnull=True
    ).exists()
    assert (
        AuditEvent.objects.get(action=AuditAction.OPPORTUNITY_CANCELLED).reason
        == "Lapangan dipakai acara kota"
    )
    # A place at a cancelled opportunity is not a place held: Budi ranks as if he never had it.
    later = market.opportunity(slots=1, title="Bazar Pengganti")
    application = services.opportunity_apply(opportunity=later, participant=budi, actor=market.kecamatan)
    keys = services.rank_keys(later, [application], day=today())
    assert keys[application.pk].previous_slots == 0
    with pytest.raises(ValidationError):
        services.opportunity_allocate(opportunity=o, actor=market.manager)
    assert selectors.allocation_totals()["slots_offered"] == 2  # the earlier exhibition and the replacement
