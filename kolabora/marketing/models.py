"""Marketing (P5): products and their photos, the licences each category needs before it may be published,
curation from kecamatan up to province, and marketing opportunities with their slots and applications."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import (
    ApplicationStatus,
    CurationLevel,
    OpportunityKind,
    OpportunityStatus,
    ProductStatus,
    ReviewStatus,
)


class ProductCategory(models.Model):
    """A kind of product and the licence types a product of this kind needs before it is published
    (seed 003: legality before marketing). Data: administrators change the list and its requirements in
    the admin site; the data migration starts with food and drinks needing P-IRT and halal."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    required_licences = models.ManyToManyField(
        "licensing.LicenceType",
        verbose_name=_("licences required before publishing"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id


class Product(BaseModel):
    """A product a participant's business sells.

    Invariants: ``business`` belongs to ``participant``; ``status`` becomes published only through
    ``marketing.services.product_publish``, which refuses while a licence the category requires is not
    valid and covering the product; ``curation_level``/``curation_score`` are the highest level passed and
    its score, written only by the curation services. Price is whole Rupiah.
    """

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="products"
    )
    business = models.ForeignKey(
        "participants.Business", verbose_name=_("business"), on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(_("product name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    price = models.PositiveBigIntegerField(_("price (Rp)"))
    unit = models.CharField(_("sold per"), max_length=60, blank=True)
    licences = models.ManyToManyField(
        "licensing.Licence",
        verbose_name=_("licences covering this product"),
        blank=True,
        related_name="products",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    show_whatsapp = models.BooleanField(_("show a WhatsApp button"), default=True)
    curation_level = models.CharField(
        _("curated up to"), max_length=10, choices=CurationLevel.choices, blank=True, default=""
    )
    curation_score = models.PositiveSmallIntegerField(_("curation score"), null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "category", "-published_at"], name="product_catalogue_idx"),
            models.Index(fields=["status", "-published_at"], name="product_published_idx"),
        ]

    def __str__(self) -> str:
        return self.name


def photo_upload_to(instance: ProductPhoto, filename: str) -> str:
    # The name is ours, never the uploader's: it is served publicly once the product is published.
    return f"marketing/products/{instance.product_id}/{uuid.uuid4().hex}.jpg"


def thumbnail_upload_to(instance: ProductPhoto, filename: str) -> str:
    return f"marketing/products/{instance.product_id}/{uuid.uuid4().hex}-kecil.jpg"


class ProductPhoto(models.Model):
    """A product photo as stored: re-encoded JPEG at most 1200 px (EXIF gone), with a 400 px thumbnail."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_upload_to)
    thumbnail = models.FileField(_("thumbnail"), upload_to=thumbnail_upload_to)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.image.name or ""


class CurationCriterion(models.Model):
    """One of the programme's curation criteria (seed 001: taste, packaging, hygiene, halal, photo), scored
    1–5 by curators. Data: administrators add, reword, reweigh or retire criteria in the admin site."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    help_id = models.CharField(_("what to look at (Indonesian)"), max_length=250, blank=True)
    help_en = models.CharField(_("what to look at (English)"), max_length=250, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("curation criterion")
        verbose_name_plural = _("curation criteria")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id

    @property
    def help(self) -> str:
        return self.help_en if translation.get_language() == "en" else self.help_id


class CurationReview(BaseModel):
    """One level's curation of one product, held by the office of that level (kecamatan secretariat, the
    city's agency, the province's agency) as a hand-off with a service level.

    Invariants: at most one pending review per product; ``scores`` maps criterion codes to 1–5 and
    ``score`` is their weighted mean on a 0–100 scale, both set when the review is decided; a returned
    review carries the curators' notes.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    level = models.CharField(_("level"), max_length=10, choices=CurationLevel.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("curated by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("score (0–100)"), null=True, blank=True)
    notes = models.TextField(_("notes for the participant"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("curator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("curation review")
        verbose_name_plural = _("curation reviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(status="pending"), name="curation_one_pending_per_product"
            )
        ]
        indexes = [models.Index(fields=["status", "level", "organisation"], name="curation_queue_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.level} ({self.status})"


class Opportunity(BaseModel):
    """A marketing opportunity with a number of places (slots): a bazaar, an exhibition, a retail space
    such as Thamrin 10, or an e-commerce onboarding, run by a government office or by a partner under an
    agreement in force covering P5.

    Invariants: ``organiser`` may run P5 opportunities when it is created (services check it);
    ``region`` is where participants may apply from; places are given only by
    ``marketing.services.opportunity_allocate``, by the rotation rule, never by hand.
    """

    organiser = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="marketing_opportunities",
    )
    kind = models.CharField(_("kind"), max_length=14, choices=OpportunityKind.choices)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("place"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("open to participants from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    apply_by = models.DateField(_("apply by"))
    slots = models.PositiveSmallIntegerField(_("places"))
    product_required = models.BooleanField(_("a published product is required"), default=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
        db_index=True,
    )
    allocated_at = models.DateTimeField(_("last allocated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("marketing opportunity")
        verbose_name_plural = _("marketing opportunities")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="opportunity_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(apply_by__lte=F("ends_on")), name="opportunity_apply_by_in_time"
            ),
            models.CheckConstraint(condition=Q(slots__gte=1), name="opportunity_has_slots"),
        ]

    def __str__(self) -> str:
        return self.title


class OpportunityApplication(BaseModel):
    """A participant's application for a place at an opportunity, and what the allocation decided.

    Invariants: one live application per participant and opportunity; ``rank`` and ``explanation`` are
    written by the allocation that decided it (the keys of the rotation rule, so anyone can check the
    order); applying opened a marketing relationship with the organiser.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="applications")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="marketing_applications"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
        db_index=True,
    )
    applied_at = models.DateTimeField(_("applied at"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rank = models.PositiveIntegerField(_("place in the order"), null=True, blank=True)
    explanation = models.JSONField(_("why"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("opportunity application")
        verbose_name_plural = _("opportunity applications")
        ordering = ["applied_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "participant"],
                condition=~Q(status=ApplicationStatus.WITHDRAWN),
                name="opportunity_one_live_application",
            )
        ]
        indexes = [models.Index(fields=["participant", "status"], name="opp_application_person_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}:{self.participant_id} ({self.status})"
