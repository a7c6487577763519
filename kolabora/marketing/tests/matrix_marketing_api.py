"""Permission-matrix rows for the marketing API (products and marketing opportunities)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World

from .matrix_marketing import PARTNER_TITLE, PUBLISHED, _applications, _products, case


def _new_product(w: World) -> dict[str, Any]:
    case(w)
    p = w.participant
    return {
        "participant_id": p.pk,
        "business_id": p.businesses.get().pk,
        "name": "Kue Lapis API",
        "category": "makanan",
        "price": 30000,
    }


ROWS = [
    MatrixRow(
        "api:list_products",
        lambda w: (case(w), reverse("api:list_products"))[1],
        api=True,
        marker=lambda w: PUBLISHED,
    ),
    MatrixRow(
        "api:create_product",
        lambda w: reverse("api:create_product"),
        method="post",
        api=True,
        data=_new_product,
        allowed=201,
        permitted_as="participant",
        effect=_products,
    ),
    MatrixRow("api:get_product", lambda w: reverse("api:get_product", args=[case(w).published.pk]), api=True),
    MatrixRow(
        "api:publish_product",
        lambda w: reverse("api:publish_product", args=[case(w).draft.pk]),
        method="post",
        api=True,
        permitted_as="participant",
        effect=_products,
    ),
    MatrixRow(
        "api:list_marketing_opportunities",
        lambda w: (case(w), reverse("api:list_marketing_opportunities"))[1],
        api=True,
        marker=lambda w: PARTNER_TITLE,
    ),
    MatrixRow(
        "api:get_marketing_opportunity",
        lambda w: reverse("api:get_marketing_opportunity", args=[case(w).partner_opportunity.pk]),
        api=True,
    ),
    MatrixRow(
        "api:apply_marketing_opportunity",
        lambda w: reverse("api:apply_marketing_opportunity", args=[case(w).bazaar.pk]),
        method="post",
        api=True,
        data=lambda w: {"participant_id": w.participant.pk},
        allowed=201,
        permitted_as="participant",
        effect=_applications,
    ),
    MatrixRow(
        "api:allocate_marketing_opportunity",
        lambda w: reverse("api:allocate_marketing_opportunity", args=[case(w).partner_opportunity.pk]),
        method="post",
        api=True,
        permitted_as="marketplace",
        effect=_applications,
    ),
]
