"""Permission-matrix rows for the marketing pages and the public catalogue.

The World has no marketing objects, so ``case(w)`` builds them once per world (kept on it): a marketplace
partner with an agreement covering P5 and its staff member (``w.users["marketplace"]``), the participant's
consent to sharing with marketplaces, a valid P-IRT and halal certificate, a published product with a photo
and a pending kecamatan curation, a second published product, a draft ready to publish, an opportunity run
by the partner that the participant applied for, and a government bazaar they have not applied for.

"permitted" is the world's programme manager of Jakarta Timur (who helps participants of the city and
oversees its opportunities), the participant for their own pages, Cipayung's kecamatan staff for curation
at kecamatan level, and the partner's staff for running its opportunity.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kolabora.core.testing import MatrixRow, World, make_member, make_org
from kolabora.core.timeutils import today
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.marketing import services
from kolabora.marketing.defaults import load as load_defaults
from kolabora.marketing.models import (
    CurationCriterion,
    CurationReview,
    Opportunity,
    OpportunityApplication,
    Product,
    ProductCategory,
    ProductPhoto,
)
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement
from kolabora.participants.services import consent_grant
from kolabora.regions.models import Region


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def photo_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("foto.jpg", jpeg_bytes(), content_type="image/jpeg")


@dataclass
class Case:
    published: Product
    second: Product
    draft: Product
    photo: ProductPhoto
    review: CurationReview
    partner_opportunity: Opportunity
    bazaar: Opportunity
    application: OpportunityApplication


PUBLISHED = "Keripik Matriks"
PARTNER_TITLE = "Onboarding Toko Daring Matriks"


def case(w: World) -> Case:
    found: Case | None = getattr(w, "_marketing_case", None)
    if found is not None:
        return found
    load_defaults(ProductCategory, LicenceType, CurationCriterion)
    day = today()
    p = w.participant
    business = p.businesses.get()
    helper = w.user("kecamatan")
    partner = make_org("Pasar Daring Matriks", "31.75", OrganisationType.COMPANY)
    Agreement.objects.create(
        number="PKS/MATRIKS/P5",
        title="Onboarding e-commerce (matriks)",
        lead=w.dinas,
        partner=partner,
        stages=["P5"],
        data_categories=["identity", "business"],
        region_id="31.75",
        starts_on=day - dt.timedelta(days=30),
        ends_on=day + dt.timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )
    w.users["marketplace"] = make_member("mitra.matriks", partner, Role.PARTNER_STAFF)
    consent_grant(participant=p, purpose="marketplaces", actor=w.user("participant"))
    licences = [
        Licence.objects.create(
            participant=p,
            business=business,
            licence_type=LicenceType.objects.get(code=code),
            number=f"{code.upper()}-MATRIKS",
            issued_on=day - dt.timedelta(days=40),
            status=LicenceStatus.VALID,
            existing=True,
        )
        for code in ("pirt", "halal")
    ]
    food = ProductCategory.objects.get(code="makanan")

    def product(name: str) -> Product:
        return services.product_create(
            participant=p,
            business=business,
            data=services.ProductInput(name=name, category=food, price=18_000, licences=licences),
            actor=helper,
        )

    published, second, draft = product(PUBLISHED), product("Kopi Matriks"), product("Sambal Draf")
    photo = services.photo_add(product=published, upload=photo_file(), actor=helper)
    for item in (published, second):
        services.product_publish(product=item, actor=helper)
    review = services.curation_request(product=published, actor=helper)
    region = Region.objects.get(code="31.75")
    common: dict[str, Any] = {
        "region": region,
        "starts_on": day + dt.timedelta(days=10),
        "ends_on": day + dt.timedelta(days=11),
        "apply_by": day + dt.timedelta(days=5),
        "slots": 2,
        "product_required": False,
    }
    partner_opportunity = services.opportunity_create(
        data=services.OpportunityInput(organiser=partner, kind="ecommerce", title=PARTNER_TITLE, **common),
        actor=w.user("marketplace"),
    )
    bazaar = services.opportunity_create(
        data=services.OpportunityInput(
            organiser=w.sudin_jaktim, kind="bazaar", title="Bazar Matriks", **common
        ),
        actor=w.user("permitted"),
    )
    application = services.opportunity_apply(
        opportunity=partner_opportunity, participant=p, actor=w.user("participant")
    )
    found = Case(published, second, draft, photo, review, partner_opportunity, bazaar, application)
    setattr(w, "_marketing_case", found)  # noqa: B010  (World is a dataclass without this field)
    return found


def _url(name: str, obj: str, *extra: Any) -> Any:
    return lambda w: reverse(name, args=[getattr(case(w), obj).pk, *[e(w) for e in extra]])


def _participant_url(name: str) -> Any:
    return lambda w: (case(w), reverse(name, args=[w.participant.pk]))[1]


def _products(w: World) -> list[tuple[Any, ...]]:
    return list(Product.objects.order_by("pk").values_list("pk", "name", "status", "price"))


def _photos(w: World) -> int:
    return ProductPhoto.objects.count()


def _reviews(w: World) -> list[tuple[Any, ...]]:
    return list(CurationReview.objects.order_by("pk").values_list("pk", "status", "score"))


def _opportunities(w: World) -> list[tuple[Any, ...]]:
    return list(Opportunity.objects.order_by("pk").values_list("pk", "title", "status", "slots"))


def _applications(w: World) -> list[tuple[Any, ...]]:
    return list(OpportunityApplication.objects.order_by("pk").values_list("pk", "status", "rank"))


def _product_data(w: World) -> dict[str, Any]:
    case(w)
    return {
        "business": w.participant.businesses.get().pk,
        "name": "Rendang Kering",
        "category": ProductCategory.objects.get(code="makanan").pk,
        "price": "45.000",
        "unit": "toples 250 g",
    }


def _opportunity_data(w: World) -> dict[str, Any]:
    case(w)
    day = today()
    return {
        "organiser": w.sudin_jaktim.pk,
        "kind": "exhibition",
        "title": "Pameran Baru",
        "region": "31.75",
        "starts_on": (day + dt.timedelta(days=20)).isoformat(),
        "ends_on": (day + dt.timedelta(days=21)).isoformat(),
        "apply_by": (day + dt.timedelta(days=15)).isoformat(),
        "slots": "5",
    }


def _scores(w: World) -> dict[str, Any]:
    case(w)
    return {**{f"score_{c.code}": "4" for c in CurationCriterion.objects.all()}, "decision": "up"}


def _mine(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="participant", **kwargs)


ROWS = [
    # A participant's products (and staff helping them).
    _mine("marketing:mine", lambda w: (case(w), reverse("marketing:mine"))[1], marker=lambda w: PUBLISHED),
    MatrixRow("marketing:participant", _participant_url("marketing:participant"), marker=lambda w: PUBLISHED),
    MatrixRow("marketing:product_create", _participant_url("marketing:product_create")),
    MatrixRow(
        "marketing:product_create",
        _participant_url("marketing:product_create"),
        method="post",
        data=_product_data,
        allowed=302,
        effect=_products,
    ),
    MatrixRow("marketing:product", _url("marketing:product", "published")),
    MatrixRow("marketing:product_edit", _url("marketing:product_edit", "draft")),
    MatrixRow(
        "marketing:product_edit",
        _url("marketing:product_edit", "draft"),
        method="post",
        data=lambda w: {**_product_data(w), "name": "Sambal Diubah"},
        allowed=302,
        effect=_products,
    ),
    MatrixRow(
        "marketing:photo_upload",
        _url("marketing:photo_upload", "draft"),
        method="post",
        data=lambda w: {"photo": photo_file()},
        allowed=302,
        effect=_photos,
    ),
    MatrixRow(
        "marketing:photo_delete",
        _url("marketing:photo_delete", "published", lambda w: case(w).photo.pk),
        method="post",
        allowed=302,
        effect=_photos,
    ),
    MatrixRow(
        "marketing:product_publish",
        _url("marketing:product_publish", "draft"),
        method="post",
        allowed=302,
        effect=_products,
    ),
    MatrixRow(
        "marketing:product_unpublish",
        _url("marketing:product_unpublish", "second"),
        method="post",
        allowed=302,
        effect=_products,
    ),
    MatrixRow(
        "marketing:curation_request",
        _url("marketing:curation_request", "second"),
        method="post",
        allowed=302,
        effect=_reviews,
    ),
    # Curators.
    MatrixRow(
        "marketing:curation_queue",
        lambda w: (case(w), reverse("marketing:curation_queue"))[1],
        marker=lambda w: PUBLISHED,
        permitted_as="kecamatan",
    ),
    MatrixRow(
        "marketing:curation_review", _url("marketing:curation_review", "review"), permitted_as="kecamatan"
    ),
    MatrixRow(
        "marketing:curation_review",
        _url("marketing:curation_review", "review"),
        method="post",
        data=_scores,
        allowed=302,
        effect=_reviews,
        permitted_as="kecamatan",
    ),
    # Opportunities: organisers, overseers, partners and applicants.
    MatrixRow(
        "marketing:opportunity_list",
        lambda w: (case(w), reverse("marketing:opportunity_list"))[1],
        marker=lambda w: PARTNER_TITLE,
    ),
    MatrixRow(
        "marketing:opportunity_create",
        lambda w: (case(w), reverse("marketing:opportunity_create"))[1],
        marker=lambda w: 'name="slots"',
        out_of_region_status=200,
    ),
    MatrixRow(
        "marketing:opportunity_create",
        lambda w: reverse("marketing:opportunity_create"),
        method="post",
        data=_opportunity_data,
        allowed=302,
        effect=_opportunities,
        out_of_region_status=422,
    ),
    MatrixRow("marketing:opportunity", _url("marketing:opportunity", "partner_opportunity")),
    MatrixRow("marketing:opportunity_edit", _url("marketing:opportunity_edit", "bazaar")),
    MatrixRow(
        "marketing:opportunity_edit",
        _url("marketing:opportunity_edit", "bazaar"),
        method="post",
        data=lambda w: {**_opportunity_data(w), "title": "Bazar Diubah"},
        allowed=302,
        effect=_opportunities,
    ),
    _mine(
        "marketing:opportunity_apply",
        _url("marketing:opportunity_apply", "bazaar"),
        method="post",
        allowed=302,
        effect=_applications,
    ),
    MatrixRow(
        "marketing:opportunity_allocate",
        _url("marketing:opportunity_allocate", "partner_opportunity"),
        method="post",
        allowed=302,
        effect=_applications,
        permitted_as="marketplace",
    ),
    MatrixRow(
        "marketing:attendance_record",
        _url("marketing:attendance_record", "partner_opportunity"),
        method="post",
        data=lambda w: {"attended": [case(w).application.pk]},
        allowed=302,
        effect=_applications,
        permitted_as="marketplace",
    ),
    _mine(
        "marketing:application_withdraw",
        _url("marketing:application_withdraw", "application"),
        method="post",
        allowed=302,
        effect=_applications,
    ),
    # The public catalogue.
    MatrixRow(
        "catalogue:list",
        lambda w: (case(w), reverse("catalogue:list"))[1],
        public=True,
        marker=lambda w: PUBLISHED,
    ),
    MatrixRow(
        "catalogue:product", _url("catalogue:product", "published"), public=True, marker=lambda w: PUBLISHED
    ),
    MatrixRow(
        "catalogue:photo",
        lambda w: reverse("catalogue:photo", args=[case(w).photo.pk, "kecil"]),
        public=True,
    ),
]

ROWS.append(
    MatrixRow(
        "marketing:opportunity_cancel",
        _url("marketing:opportunity_cancel", "bazaar"),
        method="post",
        data=lambda w: {"reason": "Lapangan dipakai acara kota"},
        allowed=302,
        effect=_opportunities,
    )
)
