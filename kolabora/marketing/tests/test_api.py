"""The marketing API: products and opportunities, with the API's one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kolabora.accounts.models import User
from kolabora.marketing import services
from kolabora.marketing.models import Product
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.services import consent_grant

from .conftest import Market

pytestmark = pytest.mark.django_db


def api(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_create_list_detail_and_publish_a_product(market: Market) -> None:
    client = api(market.me)
    pirt, halal = market.licence("pirt"), market.licence("halal")
    p = market.participant
    created = post(
        client,
        reverse("api:create_product"),
        {
            "participant_id": p.pk,
            "business_id": p.businesses.get().pk,
            "name": "Sambal Roa",
            "category": "makanan",
            "price": 35000,
            "licence_ids": [pirt.pk],
        },
    )
    assert created.status_code == 201, created.content
    product = created.json()
    assert product["status"] == "draft"
    assert [m["licence_type"] for m in product["missing_licences"]] == ["halal"]
    assert product["missing_licences"][0]["apply_url"] == reverse("licensing:mine") + "#existing"

    refused = post(client, reverse("api:publish_product", args=[product["id"]]))
    assert refused.status_code == 422
    error = refused.json()
    assert set(error) == {"detail", "errors"}
    assert "Sertifikat Halal" in error["detail"]
    assert [e["field"] for e in error["errors"]] == ["licences.halal"]

    consent_grant(participant=p, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    services.product_update(
        product=Product.objects.get(pk=product["id"]),
        data=services.ProductInput(
            name="Sambal Roa", category=market.food, price=35000, licences=[pirt, halal]
        ),
        actor=market.me,
    )
    published = post(client, reverse("api:publish_product", args=[product["id"]]))
    assert published.status_code == 200
    answer = published.json()
    assert answer["product"]["status"] == "published"
    assert answer["product"]["public_url"] == reverse("catalogue:product", args=[product["id"]])
    assert answer["p5_completed"] is False and "P4" in answer["p5_refusal"]

    listed = api(market.manager).get(reverse("api:list_products"), {"status": "published"})
    assert [row["name"] for row in listed.json()] == ["Sambal Roa"]
    assert api(market.world.user("out_of_region")).get(reverse("api:list_products")).json() == []
    detail = api(market.world.user("out_of_region")).get(reverse("api:get_product", args=[product["id"]]))
    assert detail.status_code == 403 and set(detail.json()) == {"detail", "errors"}


def test_creating_for_someone_else_or_with_a_wrong_category_is_refused(market: Market) -> None:
    p = market.participant
    data = {
        "participant_id": p.pk,
        "business_id": p.businesses.get().pk,
        "name": "X",
        "category": "makanan",
        "price": 1,
    }
    assert post(api(market.partner_staff), reverse("api:create_product"), data).status_code == 403
    wrong = post(api(market.me), reverse("api:create_product"), {**data, "category": "senjata"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "category"
    missing = post(api(market.me), reverse("api:create_product"), {"name": "X"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {
        "participant_id",
        "business_id",
        "category",
        "price",
    }
    assert post(api(None), reverse("api:create_product"), data).status_code == 401


def test_opportunities_apply_and_allocate_with_reasons(market: Market) -> None:
    o = market.opportunity(organiser=market.partner, kind="ecommerce", title="Onboarding Daring", slots=1)
    partner = api(market.partner_staff)
    assert [row["title"] for row in partner.get(reverse("api:list_marketing_opportunities")).json()] == [
        "Onboarding Daring"
    ]
    me = api(market.me)
    assert [
        row["id"] for row in me.get(reverse("api:list_marketing_opportunities"), {"open_only": True}).json()
    ] == [o.pk]
    url = reverse("api:apply_marketing_opportunity", args=[o.pk])
    no_consent = post(me, url, {"participant_id": market.participant.pk})
    assert no_consent.status_code == 422 and no_consent.json()["errors"][0]["field"] == "consent"
    consent_grant(participant=market.participant, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    applied = post(me, url, {"participant_id": market.participant.pk})
    assert applied.status_code == 201 and applied.json()["status"] == "applied"
    other = market.person(41, "Yanti")
    post(api(market.kecamatan), url, {"participant_id": other.pk})

    allocated = post(partner, reverse("api:allocate_marketing_opportunity", args=[o.pk]))
    assert allocated.status_code == 200, allocated.content
    result = allocated.json()
    assert len(result["allocated"]) == 1 and len(result["waitlisted"]) == 1
    assert result["allocated"][0]["participant_id"] == market.participant.pk
    assert result["allocated"][0]["participant_name"] == market.participant.full_name
    assert result["allocated"][0]["explanation"]["decided_by"] == "applied_at"
    assert result["waitlisted"][0]["reasons"]

    detail = me.get(reverse("api:get_marketing_opportunity", args=[o.pk])).json()
    assert [a["participant_id"] for a in detail["applications"]] == [market.participant.pk]
    assert post(me, reverse("api:allocate_marketing_opportunity", args=[o.pk])).status_code == 403
    assert (
        api(market.world.user("other_org"))
        .get(reverse("api:get_marketing_opportunity", args=[o.pk]))
        .status_code
        == 403
    )


def test_a_partner_loses_the_applicants_name_when_the_consent_is_withdrawn(market: Market) -> None:
    from kolabora.participants.services import consent_withdraw

    o = market.opportunity(organiser=market.partner, kind="ecommerce", title="Onboarding Daring")
    consent_grant(participant=market.participant, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    services.opportunity_apply(opportunity=o, participant=market.participant, actor=market.me)
    url = reverse("api:get_marketing_opportunity", args=[o.pk])
    [seen] = api(market.partner_staff).get(url).json()["applications"]
    assert seen["participant_name"] == market.participant.full_name
    consent_withdraw(participant=market.participant, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    [hidden] = api(market.partner_staff).get(url).json()["applications"]
    assert hidden["participant_name"] is None
    page = api(market.partner_staff).get(reverse("marketing:opportunity", args=[o.pk]))
    assert market.participant.full_name not in page.content.decode()
