"""The marketing demo: consistent with the funnel, every curation level and opportunity state, idempotent."""

from __future__ import annotations

from collections import Counter

import pytest

from kolabora.core.demo import DemoContext
from kolabora.licensing.models import LicenceType
from kolabora.marketing import demo, selectors
from kolabora.marketing.choices import ProductStatus
from kolabora.marketing.defaults import load as load_defaults
from kolabora.marketing.models import CurationCriterion, CurationReview, Opportunity, Product, ProductCategory
from kolabora.organisations import demo as organisations_demo
from kolabora.participants import demo as participants_demo
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage

pytestmark = pytest.mark.django_db


def p5_statuses() -> Counter[str]:
    return Counter(
        ParticipantStage.objects.filter(code="P5")
        .exclude(participant__nik=demo.SHOWCASE_NIK)
        .values_list("status", flat=True)
    )


@pytest.fixture
def seeded() -> tuple[DemoContext, Counter[str]]:
    load_defaults(ProductCategory, LicenceType, CurationCriterion)
    ctx = DemoContext(password="kolabora-demo-2026", options={"participants": 400})
    organisations_demo.seed(ctx)
    participants_demo.seed(ctx)
    before = p5_statuses()
    demo.seed(ctx)
    return ctx, before


def test_products_follow_the_funnel_and_the_rule(seeded: tuple[DemoContext, Counter[str]]) -> None:
    _ctx, before = seeded
    assert p5_statuses() == before  # the seeder changes no stage of the funnel's participants
    in_p5 = Participant.objects.filter(stages__code="P5", stages__status__in=["in_progress", "completed"])
    assert in_p5.exists()
    assert set(Product.objects.values_list("participant_id", flat=True)) == set(
        in_p5.values_list("pk", flat=True)
    )
    for product in Product.objects.filter(status=ProductStatus.PUBLISHED).select_related("participant"):
        stages = dict(product.participant.stages.values_list("code", "status"))
        assert stages["P4"] == "completed" and stages["P5"] == "completed"
    assert Product.objects.filter(status=ProductStatus.DRAFT).exists()  # marketed before licensed: drafts
    assert (
        selectors.catalogue(selectors.CatalogueFilter()).count()
        == Product.objects.filter(status=ProductStatus.PUBLISHED).count()
    )


def test_curation_and_opportunities_in_every_state(seeded: tuple[DemoContext, Counter[str]]) -> None:
    ctx, _before = seeded
    levels = set(CurationReview.objects.filter(status="pending").values_list("level", flat=True))
    assert {"kecamatan", "province"} <= levels
    assert Product.objects.filter(participant__nik=demo.SHOWCASE_NIK, status="published").count() == 2
    statuses = {
        o.title: set(o.applications.values_list("status", flat=True)) for o in Opportunity.objects.all()
    }
    assert statuses[demo.THAMRIN] == {"applied"}
    assert "attended" in statuses["Pameran Produk Unggulan Jakarta Timur"]
    bazaar = Opportunity.objects.get(title__startswith="Bazar UMKM Kecamatan Cipayung")
    given = bazaar.applications.filter(status="allocated")
    assert given.exists() and all(a.explanation["rule"] for a in given)
    assert any(a.username == demo.PARTNER_USER for a in ctx.accounts)


def test_seeding_twice_creates_nothing(seeded: tuple[DemoContext, Counter[str]]) -> None:
    counts = (Product.objects.count(), CurationReview.objects.count(), Opportunity.objects.count())
    demo.seed(DemoContext(password="kolabora-demo-2026"))
    assert (Product.objects.count(), CurationReview.objects.count(), Opportunity.objects.count()) == counts
