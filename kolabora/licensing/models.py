"""Licensing (P4) as one case across organisations: licence types and their rules as data, the
application with its checklist, site survey, lurah recommendation, and the licences themselves."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import ApplicationStatus, ItemReview, LicenceStatus, RiskLevel, Zoning


class LicenceType(models.Model):
    """A kind of licence (NIB, IUMK, P-IRT, halal, merek, BPOM). ``issued_here`` is false for those issued
    elsewhere (NIB from OSS), which are recorded with proof and verified by PTSP instead."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    issued_here = models.BooleanField(_("issued through Kolabora"), default=False)
    validity_years = models.PositiveSmallIntegerField(_("valid for (years)"), null=True, blank=True)
    number_prefix = models.CharField(_("number prefix"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id


class RequirementDefinition(models.Model):
    """One item of a licence type's checklist: a document with allowed file types and a size limit."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="requirements")
    code = models.SlugField(_("code"), max_length=40)
    name_id = models.CharField(_("name (Indonesian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    help_id = models.TextField(_("help (Indonesian)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    extensions = models.JSONField(_("allowed file types"), default=list)
    max_mb = models.PositiveSmallIntegerField(_("largest size (MB)"), default=5)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["licence_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "code"], name="requirement_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id

    @property
    def help(self) -> str:
        return self.help_en if translation.get_language() == "en" else self.help_id


class StepDefinition(models.Model):
    """A step of a licence type's workflow, the kind of organisation that holds it and its service level."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="steps")
    code = models.SlugField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"))
    name_id = models.CharField(_("name (Indonesian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    holder_type = models.CharField(_("held by organisation type"), max_length=30)
    service_days = models.PositiveSmallIntegerField(_("service level (working days)"))

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["licence_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "code"], name="licence_step_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_id


class LicenceApplication(BaseModel):
    """One participant's application for one licence for one business.

    Invariants: ``status`` changes only through licensing.services, each change in one transaction that
    locks this row, finishes the current hand-off and opens the next, and writes one audit row; so two
    officers acting on the same step cannot both succeed.
    """

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="licence_applications"
    )
    business = models.ForeignKey(
        "participants.Business", on_delete=models.CASCADE, related_name="licence_applications"
    )
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="applications")
    kelurahan = models.ForeignKey(
        "regions.Region", verbose_name=_("business location"), on_delete=models.PROTECT, related_name="+"
    )
    location_address = models.TextField(_("business address"))
    ptsp = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("PTSP unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(_("times submitted"), default=0)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    refusal_advice = models.TextField(_("what the applicant can do"), blank=True)

    class Meta:
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.licence_type.code.upper()} — {self.business}"


def item_upload_to(instance: ApplicationItem, filename: str) -> str:
    return f"licensing/{instance.application_id}/{instance.requirement.code}/{filename}"


class ApplicationItem(BaseModel):
    """The document supplied for one requirement, and PTSP's verdict on it."""

    application = models.ForeignKey(LicenceApplication, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(RequirementDefinition, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=item_upload_to)
    review = models.CharField(
        _("check"), max_length=10, choices=ItemReview.choices, default=ItemReview.PENDING
    )
    review_reason = models.TextField(_("what to fix"), blank=True)

    class Meta:
        verbose_name = _("application item")
        verbose_name_plural = _("application items")
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="item_one_per_requirement")
        ]


class SiteSurvey(BaseModel):
    """The kelurahan's visit to the business location and its zoning decision."""

    application = models.OneToOneField(LicenceApplication, on_delete=models.CASCADE, related_name="survey")
    scheduled_on = models.DateField(_("survey date"), null=True, blank=True)
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("surveyor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    zoning = models.CharField(_("zoning"), max_length=20, choices=Zoning.choices, blank=True)
    allowed = models.BooleanField(_("location allowed"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("site survey")
        verbose_name_plural = _("site surveys")


def photo_upload_to(instance: SurveyPhoto, filename: str) -> str:
    return f"licensing/{instance.survey.application_id}/survey/{filename}"


class SurveyPhoto(models.Model):
    survey = models.ForeignKey(SiteSurvey, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_upload_to)
    taken_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey photo")
        verbose_name_plural = _("survey photos")

    def __str__(self) -> str:
        return self.image.name or ""


class Recommendation(BaseModel):
    """The lurah's signed recommendation: who decided, when, and why."""

    application = models.OneToOneField(
        LicenceApplication, on_delete=models.CASCADE, related_name="recommendation"
    )
    approved = models.BooleanField(_("recommended"))
    reason = models.TextField(_("reason"), blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")


def _verification_code() -> str:
    return secrets.token_urlsafe(9)


def proof_upload_to(instance: Licence, filename: str) -> str:
    return f"licensing/licences/{instance.participant_id}/{filename}"


class Licence(BaseModel):
    """A licence a business holds: issued here, or an existing one recorded with proof and verified.

    Invariants: ``verification_code`` is unguessable and unique; the public verification page shows only
    validity, business name, licence type and kelurahan.
    """

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="licences"
    )
    business = models.ForeignKey("participants.Business", on_delete=models.CASCADE, related_name="licences")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences")
    application = models.OneToOneField(
        LicenceApplication, null=True, blank=True, on_delete=models.SET_NULL, related_name="licence"
    )
    number = models.CharField(_("licence number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=12, choices=RiskLevel.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    existing = models.BooleanField(_("recorded existing licence"), default=False)
    proof = models.FileField(_("proof"), upload_to=proof_upload_to, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    verification_code = models.CharField(
        max_length=20, unique=True, default=_verification_code, editable=False
    )

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "number"], name="licence_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.code.upper()} {self.number}"
