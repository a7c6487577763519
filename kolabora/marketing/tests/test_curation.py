"""Curation from the kecamatan up to the province."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.marketing import selectors, services
from kolabora.marketing.choices import ReviewStatus
from kolabora.marketing.models import CurationCriterion, CurationReview
from kolabora.marketing.services.curation import SUBJECT

from .conftest import Market

pytestmark = pytest.mark.django_db

ALL_FOURS = {"rasa": 4, "kemasan": 4, "higiene": 4, "halal": 4, "foto": 4}


def test_a_product_passes_kecamatan_city_and_province_each_at_its_office(market: Market) -> None:
    product = market.published()
    review = services.curation_request(product=product, actor=market.me)
    assert (review.level, review.organisation) == ("kecamatan", market.world.cipayung)
    handoff = Handoff.objects.get(subject_type=SUBJECT, subject_id=review.pk)
    assert handoff.organisation == market.world.cipayung and handoff.status == HandoffStatus.OPEN

    services.curation_decide(review=review, actor=market.kecamatan, scores=ALL_FOURS, passed=True)
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DONE
    kota = CurationReview.objects.get(product=product, status=ReviewStatus.PENDING)
    assert (kota.level, kota.organisation) == ("kota", market.world.sudin_jaktim)

    services.curation_decide(
        review=kota, actor=market.coordinator, scores={**ALL_FOURS, "rasa": 5, "foto": 3}, passed=True
    )
    province = CurationReview.objects.get(product=product, status=ReviewStatus.PENDING)
    assert (province.level, province.organisation) == ("province", market.world.dinas)

    services.curation_decide(
        review=province, actor=market.manager, scores={k: 5 for k in ALL_FOURS}, passed=True
    )
    product.refresh_from_db()
    assert (product.curation_level, product.curation_score) == ("province", 100)
    assert not CurationReview.objects.filter(product=product, status=ReviewStatus.PENDING).exists()
    assert (
        AuditEvent.objects.filter(action=AuditAction.CURATION_PASSED, object_id=str(product.pk)).count() == 3
    )
    with pytest.raises(ValidationError):
        services.curation_request(product=product, actor=market.me)


def test_the_score_is_the_weighted_mean_on_a_hundred_point_scale(market: Market) -> None:
    criteria = list(CurationCriterion.objects.filter(is_active=True))
    assert services.weighted_score(ALL_FOURS, criteria) == 80
    CurationCriterion.objects.filter(code="halal").update(weight=3)
    criteria = list(CurationCriterion.objects.filter(is_active=True))
    assert services.weighted_score({**ALL_FOURS, "halal": 1}, criteria) == round(100 * (16 + 3) / 35)


def test_sending_back_needs_notes_and_the_participant_can_ask_again(market: Market) -> None:
    product = market.published()
    review = services.curation_request(product=product, actor=market.me)
    with pytest.raises(ValidationError) as refused:
        services.curation_decide(review=review, actor=market.kecamatan, scores=ALL_FOURS, passed=False)
    assert "notes" in refused.value.message_dict
    services.curation_decide(
        review=review,
        actor=market.kecamatan,
        scores=ALL_FOURS,
        passed=False,
        notes="Label belum mencantumkan berat.",
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.RETURNED and review.notes == "Label belum mencantumkan berat."
    product.refresh_from_db()
    assert product.curation_level == ""
    assert market.me.notifications.filter(body="Label belum mencantumkan berat.").exists()
    again = services.curation_request(product=product, actor=market.me)
    assert again.level == "kecamatan"


def test_every_criterion_must_be_scored_from_one_to_five(market: Market) -> None:
    review = services.curation_request(product=market.published(), actor=market.me)
    with pytest.raises(ValidationError) as refused:
        services.curation_decide(
            review=review, actor=market.kecamatan, scores={**ALL_FOURS, "foto": 9}, passed=True
        )
    assert "scores" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.curation_decide(review=review, actor=market.kecamatan, scores={"rasa": 5}, passed=True)


def test_each_level_is_curated_only_by_its_role_over_the_area(market: Market) -> None:
    review = services.curation_request(product=market.published(), actor=market.me)
    # Not the city's coordinator at kecamatan level, not another city's manager, not a partner.
    for actor in (market.coordinator, market.world.user("out_of_region"), market.partner_staff, market.me):
        with pytest.raises(PermissionDenied):
            services.curation_decide(review=review, actor=actor, scores=ALL_FOURS, passed=True)
    services.curation_decide(review=review, actor=market.kecamatan, scores=ALL_FOURS, passed=True)
    # The first decision wins.
    with pytest.raises(ValidationError):
        services.curation_decide(
            review=review, actor=market.kecamatan, scores=ALL_FOURS, passed=False, notes="x"
        )


def test_only_published_products_go_to_curation(market: Market) -> None:
    draft = market.product()
    with pytest.raises(ValidationError):
        services.curation_request(product=draft, actor=market.me)
    with pytest.raises(PermissionDenied):
        services.curation_request(product=market.published(name="Sambal"), actor=market.partner_staff)


def test_the_queue_shows_each_curator_their_level_and_area(market: Market) -> None:
    product = market.published()
    review = services.curation_request(product=product, actor=market.me)
    assert [r.review for r in selectors.curation_queue(market.kecamatan)] == [review]
    assert selectors.curation_queue(market.coordinator) == []
    assert selectors.curation_queue(market.world.user("out_of_region")) == []
    assert selectors.curation_queue(market.partner_staff) == []
    services.curation_decide(review=review, actor=market.kecamatan, scores=ALL_FOURS, passed=True)
    assert selectors.curation_queue(market.kecamatan) == []
    assert [r.review.level for r in selectors.curation_queue(market.coordinator)] == ["kota"]
