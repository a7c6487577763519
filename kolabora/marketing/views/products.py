"""A participant's products (``/pemasaran/``): the list with what each needs before it can be published,
adding and changing a product with its photos, publishing (refused while a licence is missing, with a link
to apply for it), taking down, and sending a product to curation. Staff who help the participant in their
area (kecamatan staff, mentors, programme managers) use the same pages for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.core.timeutils import today
from kolabora.licensing.models import Licence
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.forms_self import CONSENT_EXPLANATIONS
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant

from .. import selectors, services
from ..choices import ApplicationStatus, ProductStatus, ReviewStatus
from ..forms import ApplyForm, PhotoForm, ProductForm, PublishForm
from ..images import MAX_PHOTOS
from ..models import CurationReview, Product, ProductPhoto
from ..services import MissingLicence
from ._common import participant_of, product_for

WITHDRAWABLE = frozenset(
    {ApplicationStatus.APPLIED, ApplicationStatus.WAITLISTED, ApplicationStatus.ALLOCATED}
)


@dataclass(frozen=True)
class MissingRow:
    missing: MissingLicence
    url: str


def _missing_rows(
    request: AuthedHttpRequest, product: Product, missing: list[MissingLicence]
) -> list[MissingRow]:
    is_self = access.is_self(request.user, product.participant)
    return [
        MissingRow(m, selectors.licence_apply_url(product.participant, m.licence_type, is_self=is_self))
        for m in missing
    ]


def _home_url(request: AuthedHttpRequest, participant: Participant) -> str:
    if access.is_self(request.user, participant):
        return reverse("marketing:mine")
    return reverse("marketing:participant", args=[participant.pk])


@dataclass(frozen=True)
class ProductRow:
    product: Product
    missing: list[MissingRow]
    pending: bool


def _home(request: AuthedHttpRequest, participant: Participant) -> HttpResponse:
    can_edit = access.can_market_for(request.user, participant)
    products = list(selectors.participant_products(participant))
    pending = set(
        CurationReview.objects.filter(product__in=products, status=ReviewStatus.PENDING).values_list(
            "product_id", flat=True
        )
    )
    rows = [
        ProductRow(
            product=p,
            missing=_missing_rows(request, p, services.missing_licences(p))
            if p.status != ProductStatus.PUBLISHED
            else [],
            pending=p.pk in pending,
        )
        for p in products
    ]
    applications = list(selectors.participant_applications(participant))
    applied = {a.opportunity_id for a in applications if a.status != ApplicationStatus.WITHDRAWN}
    opportunities = [o for o in selectors.open_opportunities(participant) if o.pk not in applied]
    is_self = access.is_self(request.user, participant)
    apply_forms = {
        o.pk: ApplyForm(
            participant=participant,
            product_required=o.product_required,
            needs_consent=services.needs_marketplace_consent(o, participant),
            for_self=is_self,
            auto_id=f"id_o{o.pk}_%s",
        )
        for o in opportunities
    }
    return TemplateResponse(
        request,
        "marketing/app/home.html",
        {
            "participant": participant,
            "is_self": is_self,
            "can_edit": can_edit,
            "rows": rows,
            "published": sum(1 for p in products if p.status == ProductStatus.PUBLISHED),
            "applications": [
                (
                    a,
                    selectors.explanation_lines(a),
                    can_edit and a.status in WITHDRAWABLE and a.opportunity.starts_on > today(),
                )
                for a in applications
            ],
            "opportunities": [(o, apply_forms[o.pk]) for o in opportunities],
            "consent_open": access.consent_is_open(participant, ConsentPurpose.MARKETPLACES),
        },
    )


@login_required
@require_http_methods(["GET"])
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """The participant's own products and places."""
    participant = participant_of(request.user)
    if participant is None:
        return TemplateResponse(
            request,
            "marketing/app/no_participant.html",
            {
                "curator": access.is_curator(request.user),
                "organiser": bool(access.organising_organisations(request.user))
                or access.can(request.user, Action.OPPORTUNITY_MANAGE),
            },
        )
    return _home(request, participant)


@login_required
@require_http_methods(["GET"])
def participant_home(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    """The same page for staff who may see the participant (and help them, when their area covers them)."""
    participant = access.access_participant(request.user, participant_pk, Action.PARTICIPANT_VIEW)
    return _home(request, participant)


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    participant = access.access_participant(request.user, participant_pk, Action.PARTICIPANT_VIEW)
    if not access.can_market_for(request.user, participant):
        raise PermissionDenied
    form = ProductForm(request.POST or None, request.FILES or None, participant=participant)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                product = services.product_create(
                    participant=participant,
                    business=data["business"],
                    data=_input(data),
                    actor=request.user,
                    photo=data.get("photo"),
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("“%(name)s” is saved. Check what it needs below, then publish it in the catalogue.")
                    % {"name": product.name},
                )
                return redirect("marketing:product", pk=product.pk)
        status = 422
    return TemplateResponse(
        request,
        "marketing/app/product_form.html",
        {
            "form": form,
            "participant": participant,
            "home_url": _home_url(request, participant),
            "product": None,
        },
        status=status,
    )


def _input(data: dict[str, Any]) -> services.ProductInput:
    return services.ProductInput(
        name=data["name"],
        category=data["category"],
        price=data["price"],
        description=data.get("description") or "",
        unit=data.get("unit") or "",
        show_whatsapp=bool(data.get("show_whatsapp")),
        licences=list(data.get("licences") or []),
    )


def _detail_context(
    request: AuthedHttpRequest,
    product: Product,
    *,
    publish_form: PublishForm | None = None,
    photo_form: PhotoForm | None = None,
    refusal: list[MissingLicence] | None = None,
) -> dict[str, Any]:
    participant = product.participant
    is_self = access.is_self(request.user, participant)
    can_edit = access.can_market_for(request.user, participant)
    needs_consent = not access.consent_is_open(participant, ConsentPurpose.MARKETPLACES)
    missing = refusal if refusal is not None else services.missing_licences(product)
    reviews = list(selectors.curation_history(product))
    pending = next((r for r in reviews if r.status == ReviewStatus.PENDING), None)
    photos = list(product.photos.all())
    return {
        "product": product,
        "participant": participant,
        "is_self": is_self,
        "can_edit": can_edit,
        "home_url": _home_url(request, participant),
        "photos": photos,
        "can_add_photo": can_edit and len(photos) < MAX_PHOTOS,
        "max_photos": MAX_PHOTOS,
        "photo_form": photo_form or PhotoForm(),
        "licences": list(
            Licence.objects.filter(products=product)
            .select_related("licence_type")
            .order_by("licence_type__code")
        ),
        "required": list(product.category.required_licences.all()),
        "missing": _missing_rows(request, product, missing),
        "refused": refusal is not None,
        "needs_consent": needs_consent,
        "consent_text": CONSENT_EXPLANATIONS[ConsentPurpose.MARKETPLACES],
        "publish_form": publish_form or PublishForm(needs_consent=needs_consent, for_self=is_self),
        "reviews": reviews,
        "pending": pending,
        "next_level": services.next_level(product) if pending is None else None,
        "public": selectors.is_public(product),
    }


def _detail(
    request: AuthedHttpRequest,
    product: Product,
    *,
    publish_form: PublishForm | None = None,
    photo_form: PhotoForm | None = None,
    refusal: list[MissingLicence] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _detail_context(
        request, product, publish_form=publish_form, photo_form=photo_form, refusal=refusal
    )
    return TemplateResponse(request, "marketing/app/product.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def product_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, product_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    product = product_for(request.user, pk)
    if not access.can_market_for(request.user, product.participant):
        raise PermissionDenied
    form = ProductForm(
        request.POST or None,
        participant=product.participant,
        creating=False,
        initial=ProductForm.initial_for(product),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.product_update(product=product, data=_input(form.cleaned_data), actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("marketing:product", pk=product.pk)
        status = 422
    return TemplateResponse(
        request,
        "marketing/app/product_form.html",
        {
            "form": form,
            "participant": product.participant,
            "home_url": _home_url(request, product.participant),
            "product": product,
        },
        status=status,
    )


@login_required
@require_POST
def photo_upload(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Add one photo. With htmx only the photo list is redrawn."""
    product = product_for(request.user, pk)
    if not access.can_market_for(request.user, product.participant):
        raise PermissionDenied
    form = PhotoForm(request.POST, request.FILES)
    ok = False
    if form.is_valid():
        try:
            services.photo_add(product=product, upload=form.cleaned_data["photo"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            ok = True
    if is_htmx(request):
        context = _detail_context(request, product, photo_form=None if ok else form)
        html = render_to_string("marketing/app/product.html#photos", {**context, "just_saved": ok}, request)
        return HttpResponse(html, status=200 if ok else 422)
    if ok:
        messages.success(request, _("Photo added."))
        return redirect(reverse("marketing:product", args=[product.pk]) + "#photos")
    return _detail(request, product, photo_form=form, status=422)


@login_required
@require_POST
def photo_delete(request: AuthedHttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    product = product_for(request.user, pk)
    photo = get_object_or_404(ProductPhoto, pk=photo_pk, product=product)
    try:
        services.photo_remove(photo=photo, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Photo removed."))
    return redirect(reverse("marketing:product", args=[product.pk]) + "#photos")


@login_required
@require_POST
def product_publish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    product = product_for(request.user, pk)
    participant = product.participant
    if not access.can_market_for(request.user, participant):
        raise PermissionDenied
    needs_consent = not access.consent_is_open(participant, ConsentPurpose.MARKETPLACES)
    form = PublishForm(
        request.POST, needs_consent=needs_consent, for_self=access.is_self(request.user, participant)
    )
    if not form.is_valid():
        return _detail(request, product, publish_form=form, status=422)
    try:
        with transaction.atomic():
            if needs_consent:
                consent_grant(
                    participant=participant, purpose=ConsentPurpose.MARKETPLACES, actor=request.user
                )
            result = services.product_publish(product=product, actor=request.user)
    except services.LicencesMissing as refused:
        return _detail(request, product, publish_form=form, refusal=refused.missing, status=422)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _detail(request, product, publish_form=form, status=422)
    messages.success(request, _("“%(name)s” is now in the public catalogue.") % {"name": result.product.name})
    if result.p5_refusal:
        messages.info(
            request,
            _("Step P5 is not marked complete yet: %(rule)s It will be, automatically, once P4 is complete.")
            % {"rule": result.p5_refusal},
        )
    return redirect("marketing:product", pk=product.pk)


@login_required
@require_POST
def product_unpublish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    product = product_for(request.user, pk)
    try:
        services.product_unpublish(product=product, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(name)s” is no longer in the catalogue.") % {"name": product.name})
    return redirect("marketing:product", pk=product.pk)


@login_required
@require_POST
def curation_request(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    product = product_for(request.user, pk)
    try:
        review = services.curation_request(product=product, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Sent to %(office)s for curation at %(level)s level.")
            % {"office": review.organisation.name, "level": review.get_level_display()},
        )
    return redirect("marketing:product", pk=product.pk)


__all__ = [
    "curation_request",
    "mine",
    "participant_home",
    "photo_delete",
    "photo_upload",
    "product_create",
    "product_detail",
    "product_edit",
    "product_publish",
    "product_unpublish",
]
