"""Organisations, the people acting for them, and the agreements (PKS/MoU) that bound what they do."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import AgreementStatus, OrganisationType, Role


class Organisation(BaseModel):
    """A government office, bank, company, university or community organisation taking part.

    Invariants: ``region`` is the area the organisation serves; staff of the organisation see what lies
    inside it. A partner receives anything beyond that only through an agreement in force.
    """

    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=30, choices=OrganisationType.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region served"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="organisation_unique_name_region")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    """A user acting for an organisation in one role. A user may hold several.

    Invariants: one row per (user, organisation, role); an ended membership (``is_active`` false) grants
    nothing and is kept for the audit trail.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"


def agreement_upload_to(instance: Agreement, filename: str) -> str:
    return f"agreements/{dt.date.today():%Y/%m}/{filename}"


class Agreement(BaseModel):
    """A cooperation agreement (PKS/MoU) between the lead agency and a partner organisation.

    Invariants: it grants something only while ``status`` is active **and** today (Asia/Jakarta) lies
    between ``starts_on`` and ``ends_on`` inclusive, so it stops granting the day after it ends even
    before the sweep marks it expired. ``stages`` and ``data_categories`` hold codes from
    ``ProgrammeStage`` and ``DataCategory``. Status changes only through the services.
    """

    number = models.CharField(_("agreement number"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=250)
    lead = models.ForeignKey(
        Organisation, verbose_name=_("lead agency"), on_delete=models.PROTECT, related_name="agreements_led"
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="agreements_as_partner",
    )
    stages = models.JSONField(_("stages covered"), default=list)
    data_categories = models.JSONField(_("data the partner may receive"), default=list, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
        db_index=True,
    )
    signed_document = models.FileField(
        _("signed document"),
        upload_to=agreement_upload_to,
        blank=True,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
    )
    status_reason = models.TextField(_("reason for the last status change"), blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="agreement_dates_ordered"),
            models.CheckConstraint(condition=~Q(lead=F("partner")), name="agreement_two_parties"),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"

    def in_force(self, on: dt.date) -> bool:
        return self.status == AgreementStatus.ACTIVE and self.starts_on <= on <= self.ends_on

    def stage_labels(self) -> list[str]:
        from kolabora.core.choices import ProgrammeStage

        return [str(ProgrammeStage(s).label) for s in self.stages if s in ProgrammeStage.values]

    def data_category_labels(self) -> list[str]:
        from .choices import DataCategory

        return [str(DataCategory(c).label) for c in self.data_categories if c in DataCategory.values]

    def covers_stage(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def grants(self) -> bool:
        from kolabora.core.timeutils import today

        return self.in_force(today())
