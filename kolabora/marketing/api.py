"""Products and marketing opportunities for partner systems (a marketplace onboarding participants, an
agency's event system), scoped by the access gate like the pages."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.timeutils import today
from kolabora.licensing.models import Licence
from kolabora.participants.models import Business, Participant

from . import selectors, services
from .choices import HOLDS_SLOT, IN_RUNNING, ApplicationStatus, OpportunityStatus, ProductStatus
from .models import Opportunity, OpportunityApplication, Product, ProductCategory

if TYPE_CHECKING:
    from kolabora.accounts.models import User

router = Router(tags=["marketing"])
LIMIT_MAX = 200


class ProductIn(Schema):
    participant_id: int
    business_id: int
    name: str
    category: str
    price: int
    description: str = ""
    unit: str = ""
    licence_ids: list[int] = []
    show_whatsapp: bool = True


class MissingLicenceOut(Schema):
    licence_type: str
    name: str
    held_licence_id: int | None
    apply_url: str


class PhotoOut(Schema):
    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int


class ProductOut(Schema):
    id: int
    participant_id: int
    business_id: int
    business_name: str
    name: str
    description: str
    category: str
    category_name: str
    price: int
    unit: str
    status: str
    status_label: str
    published_at: dt.datetime | None
    show_whatsapp: bool
    curation_level: str
    curation_score: int | None
    licence_ids: list[int]
    required_licences: list[str]
    missing_licences: list[MissingLicenceOut]
    photos: list[PhotoOut]
    public_url: str | None


class PublishOut(Schema):
    product: ProductOut
    p5_completed: bool
    p5_refusal: str | None


class OpportunityOut(Schema):
    id: int
    organiser_id: int
    organiser_name: str
    kind: str
    kind_label: str
    title: str
    description: str
    location: str
    region: str
    region_name: str
    starts_on: dt.date
    ends_on: dt.date
    apply_by: dt.date
    slots: int
    places_given: int
    waiting: int
    product_required: bool
    status: str
    status_label: str


class ApplicationOut(Schema):
    id: int
    opportunity_id: int
    participant_id: int
    participant_name: str | None
    product_id: int | None
    status: str
    status_label: str
    applied_at: dt.datetime
    rank: int | None
    explanation: dict[str, Any]
    reasons: list[str]


class OpportunityDetailOut(OpportunityOut):
    applications: list[ApplicationOut]


class ApplyIn(Schema):
    participant_id: int
    product_id: int | None = None


class AllocationOut(Schema):
    opportunity: OpportunityOut
    allocated: list[ApplicationOut]
    waitlisted: list[ApplicationOut]


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _product_out(request: HttpRequest, p: Product) -> ProductOut:
    is_self = access.is_self(request.user, p.participant)
    missing = services.missing_licences(p) if p.status != ProductStatus.PUBLISHED else []
    public = selectors.is_public(p)
    return ProductOut(
        id=p.pk,
        participant_id=p.participant_id,
        business_id=p.business_id,
        business_name=p.business.name,
        name=p.name,
        description=p.description,
        category=p.category.code,
        category_name=p.category.name,
        price=p.price,
        unit=p.unit,
        status=p.status,
        status_label=str(ProductStatus(p.status).label),
        published_at=p.published_at,
        show_whatsapp=p.show_whatsapp,
        curation_level=p.curation_level,
        curation_score=p.curation_score,
        licence_ids=sorted(lic.pk for lic in p.licences.all()),
        required_licences=sorted(t.code for t in p.category.required_licences.all()),
        missing_licences=[
            MissingLicenceOut(
                licence_type=m.licence_type.code,
                name=m.licence_type.name,
                held_licence_id=m.held.pk if m.held else None,
                apply_url=selectors.licence_apply_url(p.participant, m.licence_type, is_self=is_self),
            )
            for m in missing
        ],
        photos=[
            PhotoOut(
                id=ph.pk,
                url=reverse("catalogue:photo", args=[ph.pk, "besar"]),
                thumbnail_url=reverse("catalogue:photo", args=[ph.pk, "kecil"]),
                width=ph.width,
                height=ph.height,
            )
            for ph in p.photos.all()
        ],
        public_url=reverse("catalogue:product", args=[p.pk]) if public else None,
    )


def _product(request: HttpRequest, product_id: int) -> Product:
    product = (
        Product.objects.select_related("participant__kelurahan", "participant__user", "business", "category")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ApiError(404, _("Not found."))
    access.require(request.user, Action.PARTICIPANT_VIEW, product.participant)
    return product


def _invalid(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, _("The request has invalid fields."), [{"field": field, "message": message}])


@router.get("/products", response={200: list[ProductOut], **ERRORS})
def list_products(
    request: HttpRequest,
    participant_id: int | None = None,
    status: str = "",
    category: str = "",
    limit: int = 50,
) -> list[ProductOut]:
    """Products of the participants the caller may see (a participant: their own), newest first."""
    people = access.scope(request.user, Participant.objects.all(), Action.PARTICIPANT_VIEW)
    qs = (
        Product.objects.filter(participant__in=people.values("pk"))
        .select_related("participant", "business", "category")
        .prefetch_related("licences", "photos", "category__required_licences")
        .order_by("-created_at", "-pk")
    )
    if participant_id is not None:
        qs = qs.filter(participant_id=participant_id)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    return [_product_out(request, p) for p in qs[: min(max(limit, 1), LIMIT_MAX)]]


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request: HttpRequest, payload: ProductIn) -> Status[ProductOut]:
    """Add a product (a draft); the answer lists the licences still missing before it can be published."""
    business = (
        Business.objects.select_related("participant__kelurahan")
        .filter(pk=payload.business_id, participant_id=payload.participant_id)
        .first()
    )
    if business is None:
        raise ApiError(
            404,
            _("Not found."),
            [{"field": "business_id", "message": _("No such business for this participant.")}],
        )
    access.require(request.user, Action.PARTICIPANT_VIEW, business.participant)
    category = ProductCategory.objects.filter(code=payload.category, is_active=True).first()
    if category is None:
        raise _invalid("category", _("Unknown product category."))
    licences = list(Licence.objects.filter(pk__in=payload.licence_ids, participant=business.participant))
    if len(licences) != len(set(payload.licence_ids)):
        raise _invalid("licence_ids", _("A licence in the list does not belong to this participant."))
    product = services.product_create(
        participant=business.participant,
        business=business,
        data=services.ProductInput(
            name=payload.name,
            category=category,
            price=payload.price,
            description=payload.description,
            unit=payload.unit,
            show_whatsapp=payload.show_whatsapp,
            licences=licences,
        ),
        actor=_actor(request),
    )
    return Status(201, _product_out(request, _product(request, product.pk)))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request: HttpRequest, product_id: int) -> ProductOut:
    return _product_out(request, _product(request, product_id))


@router.post("/products/{product_id}/publish", response={200: PublishOut, **ERRORS})
def publish_product(request: HttpRequest, product_id: int) -> PublishOut:
    """Publish in the public catalogue. Refused with 422 while a licence the category requires is missing:
    ``errors`` names each missing licence (field ``licences.<type>``) with where to apply for it. Needs the
    participant's consent to sharing with marketplaces, given beforehand on their consents page (422 with
    field ``consent`` otherwise): an API cannot tick that box for them."""
    product = _product(request, product_id)
    try:
        result = services.product_publish(product=product, actor=_actor(request))
    except services.LicencesMissing as refused:
        is_self = access.is_self(request.user, product.participant)
        raise ApiError(
            422,
            services.legality_message(refused.missing),
            [
                {
                    "field": f"licences.{m.licence_type.code}",
                    "message": _("%(licence)s is missing: %(url)s")
                    % {
                        "licence": m.licence_type.name,
                        "url": selectors.licence_apply_url(
                            product.participant, m.licence_type, is_self=is_self
                        ),
                    },
                }
                for m in refused.missing
            ],
        ) from None
    return PublishOut(
        product=_product_out(request, _product(request, product_id)),
        p5_completed=result.p5_refusal is None,
        p5_refusal=result.p5_refusal,
    )


# --- opportunities ---------------------------------------------------------------------------------------


def _opportunity_out(o: Opportunity, counts: dict[str, int] | None = None) -> OpportunityOut:
    if counts is None:
        counts = o.applications.aggregate(
            given=Count("pk", filter=Q(status__in=HOLDS_SLOT)),
            waiting=Count("pk", filter=Q(status__in=IN_RUNNING)),
        )
    return OpportunityOut(
        id=o.pk,
        organiser_id=o.organiser_id,
        organiser_name=o.organiser.name,
        kind=o.kind,
        kind_label=o.get_kind_display(),
        title=o.title,
        description=o.description,
        location=o.location,
        region=o.region_id,
        region_name=o.region.name,
        starts_on=o.starts_on,
        ends_on=o.ends_on,
        apply_by=o.apply_by,
        slots=o.slots,
        places_given=int(counts.get("given") or 0),
        waiting=int(counts.get("waiting") or 0),
        product_required=o.product_required,
        status=o.status,
        status_label=o.get_status_display(),
    )


def _application_out(a: OpportunityApplication, visible: set[int]) -> ApplicationOut:
    return ApplicationOut(
        id=a.pk,
        opportunity_id=a.opportunity_id,
        participant_id=a.participant_id,
        participant_name=a.participant.full_name if a.participant_id in visible else None,
        product_id=a.product_id,
        status=a.status,
        status_label=a.get_status_display(),
        applied_at=a.applied_at,
        rank=a.rank,
        explanation=a.explanation,
        reasons=selectors.explanation_lines(a),
    )


def _visible(request: HttpRequest, applications: list[OpportunityApplication]) -> set[int]:
    return set(
        access.scope(
            request.user,
            Participant.objects.filter(pk__in={a.participant_id for a in applications}),
            Action.PARTICIPANT_VIEW,
        ).values_list("pk", flat=True)
    )


def _opportunity(request: HttpRequest, opportunity_id: int) -> Opportunity:
    found = Opportunity.objects.select_related("organiser", "region").filter(pk=opportunity_id).first()
    if found is None:
        raise ApiError(404, _("Not found."))
    if not access.can_view_opportunity(request.user, found):
        raise ApiError(403, _("You do not have permission to do this."))
    return found


@router.get("/marketing-opportunities", response={200: list[OpportunityOut], **ERRORS})
def list_marketing_opportunities(request: HttpRequest, open_only: bool = False) -> list[OpportunityOut]:
    """Opportunities the caller runs or oversees, and those open to them (a participant: in their area)."""
    qs = Opportunity.objects.select_related("organiser", "region").annotate(
        given=Count("applications", filter=Q(applications__status__in=HOLDS_SLOT)),
        waiting=Count("applications", filter=Q(applications__status__in=IN_RUNNING)),
    )
    if open_only:
        qs = qs.exclude(status=OpportunityStatus.CANCELLED).filter(apply_by__gte=today())
    rows = [o for o in qs.order_by("starts_on", "pk")[:1000] if access.can_view_opportunity(request.user, o)]
    return [
        _opportunity_out(o, {"given": getattr(o, "given", 0), "waiting": getattr(o, "waiting", 0)})
        for o in rows
    ]


@router.get("/marketing-opportunities/{opportunity_id}", response={200: OpportunityDetailOut, **ERRORS})
def get_marketing_opportunity(request: HttpRequest, opportunity_id: int) -> OpportunityDetailOut:
    """One opportunity. Its organiser and overseers get every application with its allocation reasons (names
    only of those who may be seen); a participant gets their own application."""
    o = _opportunity(request, opportunity_id)
    qs = o.applications.exclude(status=ApplicationStatus.WITHDRAWN).select_related("participant")
    if not access.can_manage_opportunity(request.user, o):
        qs = qs.filter(participant__user_id=request.user.pk or 0)
    applications = list(qs.order_by(F("rank").asc(nulls_last=True), "applied_at", "pk"))
    visible = _visible(request, applications)
    return OpportunityDetailOut(
        **_opportunity_out(o).model_dump(), applications=[_application_out(a, visible) for a in applications]
    )


@router.post(
    "/marketing-opportunities/{opportunity_id}/applications", response={201: ApplicationOut, **ERRORS}
)
def apply_marketing_opportunity(
    request: HttpRequest, opportunity_id: int, payload: ApplyIn
) -> Status[ApplicationOut]:
    """Apply for a place (the participant, or staff helping them). A partner organiser needs the
    participant's consent to sharing with marketplaces, given beforehand."""
    o = _opportunity(request, opportunity_id)
    participant = access.access_participant(request.user, payload.participant_id, Action.PARTICIPANT_VIEW)
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id, participant=participant).first()
        if product is None:
            raise _invalid("product_id", _("No such product for this participant."))
    application = services.opportunity_apply(
        opportunity=o, participant=participant, product=product, actor=_actor(request)
    )
    return Status(201, _application_out(application, _visible(request, [application])))


@router.post("/marketing-opportunities/{opportunity_id}/allocation", response={200: AllocationOut, **ERRORS})
def allocate_marketing_opportunity(request: HttpRequest, opportunity_id: int) -> AllocationOut:
    """Give the free places by the rotation rule; each application carries its rank and reasons."""
    o = _opportunity(request, opportunity_id)
    if not access.can_manage_opportunity(request.user, o):
        raise ApiError(403, _("You do not have permission to do this."))
    result = services.opportunity_allocate(opportunity=o, actor=_actor(request))
    everyone = result.allocated + result.waitlisted
    visible = _visible(request, everyone)
    return AllocationOut(
        opportunity=_opportunity_out(result.opportunity),
        allocated=[_application_out(a, visible) for a in result.allocated],
        waitlisted=[_application_out(a, visible) for a in result.waitlisted],
    )
