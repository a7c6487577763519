"""Participants (UMKM actors), their businesses, consents, documents and data-subject requests."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import (
    BusinessScale,
    ConsentPurpose,
    DataRequestKind,
    DataRequestStatus,
    DocumentKind,
    DomicileBasis,
    EntryTrack,
    ParticipantStatus,
    RegistrationChannel,
    RelationshipKind,
    Sector,
    Sex,
)

DOCUMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]


class Participant(BaseModel):
    """A person taking part in the programme.

    Invariants: one row per NIK (a unique constraint); ``sex`` and ``birth_date`` are derived from the
    NIK; ``kelurahan`` is a kelurahan-level region and ``kecamatan_code``/``kota_code``/``province_code``
    are its ancestors, stored so that region-scoped lists filter on an indexed equality. A merged
    participant keeps its row (``status`` merged, ``merged_into`` set) so history stays traceable; every
    related record has been moved to the surviving one.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant",
    )
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    # Upper-cased, single-spaced name: the key that finds likely duplicates registered under another NIK.
    name_key = models.CharField(max_length=150, editable=False, default="")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=16, help_text=_("E.164, e.g. +6281234567890"))
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), blank=True)
    # Indexed by ``participant_kel_idx`` (kelurahan, -id), which leads with it.
    kelurahan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kelurahan"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    kecamatan_code = models.CharField(_("kecamatan code"), max_length=8, editable=False)
    kota_code = models.CharField(_("kota code"), max_length=5, editable=False)
    # Not indexed: the programme has one province, so an index on it would select every row.
    province_code = models.CharField(_("province code"), max_length=2, editable=False)
    domicile_basis = models.CharField(_("domicile basis"), max_length=20, choices=DomicileBasis.choices)
    domicile_since = models.DateField(_("living in Jakarta since"), null=True, blank=True)
    entry_track = models.CharField(_("entry track"), max_length=12, choices=EntryTrack.choices, db_index=True)
    eligibility_verified_at = models.DateTimeField(_("eligibility verified at"), null=True, blank=True)
    eligibility_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index below: most rows have none
    )
    channel = models.CharField(_("registered through"), max_length=10, choices=RegistrationChannel.choices)
    registered_on = models.DateField(_("registered on"), db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial index below: most rows have none
    )
    # History that breaks today's rules (e.g. marketed before licensed) is kept and flagged, never refused.
    rule_flags = models.JSONField(_("rule flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [
            models.Index(fields=["kecamatan_code", "-id"], name="participant_kec_idx"),
            models.Index(fields=["kota_code", "-id"], name="participant_kota_idx"),
            models.Index(fields=["kelurahan", "-id"], name="participant_kel_idx"),
            models.Index(fields=["name_key", "birth_date", "kelurahan"], name="participant_dupe_idx"),
            # Only the rows that have one: an import of a million rows then adds nothing to these.
            models.Index(
                fields=["eligibility_verified_by"],
                name="participant_verified_by_idx",
                condition=Q(eligibility_verified_by__isnull=False),
            ),
            models.Index(
                fields=["merged_into"],
                name="participant_merged_into_idx",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(nik__regex=r"^[0-9]{16}$"), name="participant_nik_16_digits"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)

    def age_on(self, day: dt.date) -> int:
        return (
            day.year
            - self.birth_date.year
            - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
        )

    @property
    def whatsapp_url(self) -> str:
        return f"https://wa.me/{self.phone.lstrip('+')}" if self.phone.startswith("+628") else ""


def mask_nik(nik: str) -> str:
    """``3175••••••••0012``: the region part and the serial, never the birth date."""
    return f"{nik[:4]}{'•' * 8}{nik[-4:]}" if len(nik) == 16 else "•" * len(nik)


class Business(BaseModel):
    """A participant's business. ``scale`` follows PP 7/2021 and is recomputed whenever figures change;
    ``BusinessFigures`` keeps each measurement so growth ("naik kelas") shows over time."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="businesses"
    )
    name = models.CharField(_("business name"), max_length=150)
    sector = models.CharField(_("sector"), max_length=24, choices=Sector.choices, db_index=True)
    kbli_code = models.CharField(_("KBLI code"), max_length=5, blank=True)
    nib = models.CharField(
        _("NIB"), max_length=13, blank=True, help_text=_("Business ID number from OSS, 13 digits")
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    workers = models.PositiveIntegerField(_("workers"), default=0)
    assets = models.BigIntegerField(_("business capital (Rp)"), default=0, validators=[MinValueValidator(0)])
    monthly_turnover = models.BigIntegerField(
        _("monthly turnover (Rp)"), default=0, validators=[MinValueValidator(0)]
    )
    scale = models.CharField(
        _("scale"), max_length=10, choices=BusinessScale.choices, default=BusinessScale.MIKRO
    )

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class BusinessFigures(models.Model):
    """One measurement of a business's capital and turnover, with the scale it gave."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="figures")
    measured_on = models.DateField(_("measured on"))
    assets = models.BigIntegerField(_("business capital (Rp)"))
    monthly_turnover = models.BigIntegerField(_("monthly turnover (Rp)"))
    workers = models.PositiveIntegerField(_("workers"))
    scale = models.CharField(_("scale"), max_length=10, choices=BusinessScale.choices)

    class Meta:
        verbose_name = _("business figures")
        verbose_name_plural = _("business figures")
        ordering = ["measured_on", "id"]

    def __str__(self) -> str:
        return f"{self.business_id} {self.measured_on}: {self.scale}"


class Consent(models.Model):
    """A participant's consent to one purpose, with the text version shown.

    Invariants: at most one open (not withdrawn) consent per participant and purpose; withdrawing sets
    ``withdrawn_at`` and keeps the row, so the record of processing stays complete.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose.choices)
    text_version = models.CharField(_("text version"), max_length=20)
    granted_at = models.DateTimeField(_("granted at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["purpose", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_open_per_purpose",
            )
        ]
        indexes = [
            models.Index(
                fields=["purpose", "participant"],
                name="consent_open_idx",
                condition=Q(withdrawn_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "open"
        return f"{self.participant_id} {self.purpose} ({state})"


def document_upload_to(instance: ParticipantDocument, filename: str) -> str:
    return f"participants/{instance.participant_id}/{instance.kind}/{filename}"


class ParticipantDocument(BaseModel):
    """An uploaded document (KTP, domicile letter, proof of ownership, licence). Never served publicly."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(
        _("file"), upload_to=document_upload_to, validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)]
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]


class Relationship(BaseModel):
    """An active dealing between a partner organisation and a participant (an enrolment, a licence
    application, a referral, a listing). Opened and closed by the services of those domains; the access
    gate reads it, together with the matching consent."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="relationships")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=RelationshipKind.choices)
    source = models.CharField(
        _("source"), max_length=80, help_text=_("The record that opened it, e.g. enrolment:12")
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "organisation", "kind", "source"], name="relationship_unique_source"
            )
        ]
        indexes = [models.Index(fields=["organisation", "kind", "participant"], name="relationship_org_idx")]


class DataRequest(BaseModel):
    """A data subject's request under UU PDP 27/2022, answered within 3×24 hours (``due_at``)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="data_requests")
    kind = models.CharField(_("kind"), max_length=20, choices=DataRequestKind.choices)
    details = models.TextField(_("details"), blank=True)
    due_at = models.DateTimeField(_("answer due"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DataRequestStatus.choices,
        default=DataRequestStatus.OPEN,
        db_index=True,
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        ordering = ["due_at"]
