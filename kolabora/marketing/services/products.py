"""Products: add, change, photos, and publishing, which is refused until the licences the product's
category requires are valid and cover the product (seed 003: legality before marketing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record, changed
from kolabora.core.choices import AuditAction
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.notifications.services import notify
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Business, Participant

from ..choices import ProductStatus
from ..images import MAX_PHOTOS, ProcessedPhoto, photo_process
from ..models import Product, ProductCategory, ProductPhoto
from ._common import p5_complete, p5_start

if TYPE_CHECKING:
    from kolabora.accounts.models import User

MAX_PRICE = 10**12  # Rp 1 trillion: anything above is a typing mistake
NAME_MAX = 120
DESCRIPTION_MAX = 2000


@dataclass(frozen=True)
class ProductInput:
    name: str
    category: ProductCategory
    price: int
    description: str = ""
    unit: str = ""
    show_whatsapp: bool = True
    licences: Sequence[Licence] = field(default_factory=tuple)


@dataclass(frozen=True)
class MissingLicence:
    """A licence type the product's category requires that no valid licence covering the product gives.
    ``held`` is a valid licence of that type the business already holds but has not ticked for this
    product (then ticking it is all that is needed)."""

    licence_type: LicenceType
    held: Licence | None = None


class LicencesMissing(ValidationError):
    """Publishing refused: ``missing`` says which licences, for the page and the API to link to them."""

    def __init__(self, missing: list[MissingLicence]) -> None:
        self.missing = missing
        super().__init__({"licences": [legality_message(missing)]})


@dataclass(frozen=True)
class PublishResult:
    product: Product
    # The pathway's rule in words when publishing could not complete P5 (P4 not complete yet).
    p5_refusal: str | None


def valid_licence_q(day: dt.date) -> Q:
    return Q(status=LicenceStatus.VALID) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def legality_message(missing: list[MissingLicence]) -> str:
    """One sentence naming every missing licence, and what to do about each."""
    names = ", ".join(m.licence_type.name for m in missing)
    message = _(
        "Not published yet: this product needs a valid %(licences)s first (legality before marketing)."
    ) % {"licences": names}
    held = [m for m in missing if m.held is not None]
    if held:
        message += " " + _(
            "Your business already holds %(licences)s: tick it under “Licences covering this product”."
        ) % {"licences": ", ".join(f"{m.licence_type.name} {m.held.number}" for m in held if m.held)}
    if len(held) < len(missing):
        message += " " + _("Apply for the others on your licences page; the link is next to each licence.")
    return message


def missing_licences(product: Product, *, day: dt.date | None = None) -> list[MissingLicence]:
    """The licence types the category requires that no valid licence covering this product provides."""
    day = day or timezone.localdate()
    required = list(product.category.required_licences.filter(is_active=True).order_by("code"))
    if not required:
        return []
    covered = set(
        product.licences.filter(valid_licence_q(day), business_id=product.business_id).values_list(
            "licence_type_id", flat=True
        )
    )
    gaps = [t for t in required if t.pk not in covered]
    if not gaps:
        return []
    held: dict[int, Licence] = {}
    for licence in (
        Licence.objects.filter(valid_licence_q(day), business_id=product.business_id)
        .filter(licence_type__in=gaps)
        .order_by("-issued_on")
    ):
        held.setdefault(licence.licence_type_id, licence)
    return [MissingLicence(licence_type=t, held=held.get(t.pk)) for t in gaps]


def _errors(participant: Participant, business: Business, data: ProductInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if business.participant_id != participant.pk:
        errors["business"] = _("This business belongs to someone else.")
    name = data.name.strip()
    if not name:
        errors["name"] = _("Give the product a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Keep the name within %(n)s characters.") % {"n": NAME_MAX}
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _("Keep the description within %(n)s characters.") % {"n": DESCRIPTION_MAX}
    if data.price < 1 or data.price > MAX_PRICE:
        errors["price"] = _("Give the price in whole Rupiah, for example 25.000.")
    if not data.category.is_active:
        errors["category"] = _("This category is no longer used; choose another one.")
    foreign = [lic for lic in data.licences if lic.business_id != business.pk]
    if foreign:
        errors["licences"] = _("%(licence)s belongs to another business.") % {"licence": foreign[0]}
    return errors


def _photo_create(product: Product, processed: ProcessedPhoto, order: int) -> ProductPhoto:
    return ProductPhoto.objects.create(
        product=product,
        image=processed.image,
        thumbnail=processed.thumbnail,
        width=processed.width,
        height=processed.height,
        order=order,
    )


def _lock(product: Product) -> Product:
    return (
        Product.objects.select_for_update(of=("self",))
        .select_related("participant", "business", "category")
        .get(pk=product.pk)
    )


def _fields(product: Product) -> dict[str, object]:
    return {
        "name": product.name,
        "category": product.category.code,
        "price": product.price,
        "unit": product.unit,
        "description": product.description,
        "show_whatsapp": product.show_whatsapp,
        "licences": sorted(product.licences.values_list("pk", flat=True)),
    }


def product_create(
    *,
    participant: Participant,
    business: Business,
    data: ProductInput,
    actor: User,
    photo: File | None = None,
) -> Product:
    """Add a product (a draft until published). The participant, or staff helping them in their area."""
    if not access.can_market_for(actor, participant):
        raise PermissionDenied
    errors = _errors(participant, business, data)
    if errors:
        raise ValidationError(errors)
    try:
        processed = photo_process(photo) if photo else None
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from None
    with transaction.atomic():
        product = Product.objects.create(
            participant=participant,
            business=business,
            name=data.name.strip(),
            description=data.description.strip(),
            category=data.category,
            price=data.price,
            unit=data.unit.strip(),
            show_whatsapp=data.show_whatsapp,
        )
        product.licences.set(data.licences)
        if processed is not None:
            _photo_create(product, processed, 0)
        audit_record(
            actor=actor,
            action=AuditAction.PRODUCT_CREATED,
            obj=product,
            after={**_fields(product), "participant": participant.pk, "photos": 1 if processed else 0},
        )
        p5_start(participant=participant, reason=_("First product added: %(name)s") % {"name": product.name})
    return product


def product_update(*, product: Product, data: ProductInput, actor: User) -> Product:
    """Change a product. A published product must keep its licences: a change that would leave it without
    one its category requires is refused (take it down first)."""
    if not access.can_market_for(actor, product.participant):
        raise PermissionDenied
    errors = _errors(product.participant, product.business, data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        p = _lock(product)
        before = _fields(p)
        p.name = data.name.strip()
        p.description = data.description.strip()
        p.category = data.category
        p.price = data.price
        p.unit = data.unit.strip()
        p.show_whatsapp = data.show_whatsapp
        p.save()
        p.licences.set(data.licences)
        if p.status == ProductStatus.PUBLISHED:
            missing = missing_licences(p)
            if missing:
                raise ValidationError(
                    {
                        "licences": _(
                            "This product is published, so it must keep a valid %(licences)s. Take it down "
                            "from the catalogue first if you need this change."
                        )
                        % {"licences": ", ".join(m.licence_type.name for m in missing)}
                    }
                )
        old, new = changed(before, _fields(p))
        if new:
            audit_record(actor=actor, action=AuditAction.PRODUCT_UPDATED, obj=p, before=old, after=new)
    return p


def photo_add(*, product: Product, upload: File, actor: User) -> ProductPhoto:
    if not access.can_market_for(actor, product.participant):
        raise PermissionDenied
    processed = photo_process(upload)
    with transaction.atomic():
        p = _lock(product)
        count = p.photos.count()
        if count >= MAX_PHOTOS:
            raise ValidationError(
                _("A product has at most %(n)s photos; remove one before adding another.") % {"n": MAX_PHOTOS}
            )
        photo = _photo_create(p, processed, count)
        audit_record(
            actor=actor,
            action=AuditAction.PRODUCT_PHOTO_ADDED,
            obj=p,
            after={"photo": photo.pk, "width": photo.width, "height": photo.height},
        )
    return photo


def photo_remove(*, photo: ProductPhoto, actor: User) -> None:
    product = photo.product
    if not access.can_market_for(actor, product.participant):
        raise PermissionDenied
    with transaction.atomic():
        _lock(product)
        found = ProductPhoto.objects.filter(pk=photo.pk, product=product).first()
        if found is None:
            raise ValidationError(_("This photo has already been removed."))
        files = [found.image, found.thumbnail]
        found.delete()
        audit_record(
            actor=actor, action=AuditAction.PRODUCT_PHOTO_REMOVED, obj=product, before={"photo": photo.pk}
        )

        def delete_files() -> None:
            for f in files:
                if f.name:
                    f.storage.delete(f.name)

        transaction.on_commit(delete_files)


def product_publish(*, product: Product, actor: User, at: dt.datetime | None = None) -> PublishResult:
    """Show the product in the public catalogue. Refused (``LicencesMissing``, naming each licence) while
    a licence its category requires is missing; needs the participant's consent to sharing with
    marketplaces, since the public sees the product, the business and the WhatsApp button. The first
    published product completes P5 when the pathway's rules allow it (P4 complete); otherwise the product
    is published all the same and the refusal is returned in words."""
    if not access.can_market_for(actor, product.participant):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        p = _lock(product)
        if p.status == ProductStatus.PUBLISHED:
            raise ValidationError(_("This product is already in the catalogue."))
        missing = missing_licences(p, day=timezone.localdate(now))
        if missing:
            raise LicencesMissing(missing)
        if not access.consent_is_open(p.participant, ConsentPurpose.MARKETPLACES):
            raise ValidationError(
                {
                    "consent": _(
                        "The catalogue shows the product, the business name, its kecamatan and a WhatsApp "
                        "button to everyone: the participant must first agree to sharing with marketplaces."
                    )
                }
            )
        p.status = ProductStatus.PUBLISHED
        p.published_at = now
        p.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.PRODUCT_PUBLISHED,
            obj=p,
            after={"licences": sorted(p.licences.values_list("pk", flat=True))},
        )
        refusal = p5_complete(
            participant=p.participant,
            reason=_("Product published in the catalogue: %(name)s") % {"name": p.name},
        )
    return PublishResult(product=p, p5_refusal=refusal)


def product_unpublish(*, product: Product, actor: User | None, reason: str = "") -> Product:
    """Take a product down from the catalogue (the participant or their helpers; the sweep when a licence
    lapses, with ``actor`` None)."""
    if actor is not None and not access.can_market_for(actor, product.participant):
        raise PermissionDenied
    with transaction.atomic():
        p = _lock(product)
        if p.status != ProductStatus.PUBLISHED:
            raise ValidationError(_("This product is not in the catalogue."))
        p.status = ProductStatus.UNPUBLISHED
        p.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=AuditAction.PRODUCT_UNPUBLISHED, obj=p, reason=reason.strip())
    return p


def products_unpublish_lapsed(*, day: dt.date | None = None) -> list[int]:
    """Take down published products whose required licences are no longer valid (expired, revoked) and tell
    the participant which licence to renew. Returns the ids taken down."""
    from django.urls import reverse

    day = day or timezone.localdate()
    done: list[int] = []
    published = (
        Product.objects.filter(status=ProductStatus.PUBLISHED, category__required_licences__isnull=False)
        .distinct()
        .select_related("category", "participant__user")
    )
    for product in published:
        missing = missing_licences(product, day=day)
        if not missing:
            continue
        names = ", ".join(m.licence_type.name for m in missing)
        with transaction.atomic():
            product_unpublish(
                product=product,
                actor=None,
                reason=_("Licence no longer valid: %(licences)s") % {"licences": names},
            )
            user = product.participant.user
            if user is not None:
                notify(
                    users=[user],
                    subject=_("“%(name)s” was taken down from the catalogue") % {"name": product.name},
                    body=_(
                        "%(licences)s for this product is no longer valid. Renew it, then publish the product again."
                    )
                    % {"licences": names},
                    link=reverse("marketing:product", args=[product.pk]),
                    kind="marketing",
                )
        done.append(product.pk)
    return done
