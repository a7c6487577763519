from django.db import models
from django.utils.translation import gettext_lazy as _


class DomicileBasis(models.TextChoices):
    KTP_DKI = "ktp_dki", _("DKI Jakarta KTP")
    DOMICILE_LETTER = "domicile_letter", _("Domicile letter from the lurah")


class EntryTrack(models.TextChoices):
    PEMULA = "pemula", _("New entrepreneur (pemula)")
    NAIK_KELAS = "naik_kelas", _("Existing business (naik kelas)")


class Sex(models.TextChoices):
    FEMALE = "P", _("Female")
    MALE = "L", _("Male")


class Sector(models.TextChoices):
    KULINER = "kuliner", _("Culinary")
    FASHION = "fashion", _("Fashion")
    KRIYA = "kriya", _("Crafts (kriya)")
    JASA_REPARASI = "jasa_reparasi", _("Repair services")
    KECANTIKAN = "kecantikan", _("Beauty")
    PERTANIAN_PERIKANAN = "pertanian_perikanan", _("Agriculture / fisheries")
    PERDAGANGAN = "perdagangan", _("Trade")
    DIGITAL_KREATIF = "digital_kreatif", _("Digital / creative")
    JASA_LAINNYA = "jasa_lainnya", _("Other services")


class BusinessScale(models.TextChoices):
    MIKRO = "mikro", _("Micro")
    KECIL = "kecil", _("Small")
    MENENGAH = "menengah", _("Medium")
    BESAR = "besar", _("Above medium")


class ConsentPurpose(models.TextChoices):
    PROGRAMME = "programme", _("Programme administration")
    TRAINING_PARTNERS = "training_partners", _("Sharing with training partners")
    LICENSING_OFFICES = "licensing_offices", _("Sharing with licensing offices")
    FINANCIAL_INSTITUTIONS = "financial_institutions", _("Sharing with financial institutions")
    MARKETPLACES = "marketplaces", _("Sharing with marketplaces")
    STATISTICS = "statistics", _("Anonymised statistics")


# The version of the consent texts shown to participants; bump it when a text changes.
CONSENT_TEXT_VERSION = "2026-11"


class RegistrationChannel(models.TextChoices):
    ONLINE = "online", _("Online self-registration")
    WALK_IN = "walk_in", _("Walk-in at the kecamatan")
    API = "api", _("Partner system (API)")
    IMPORT = "import", _("Spreadsheet import")


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another record")


class RelationshipKind(models.TextChoices):
    """Why a partner organisation deals with a participant; each needs the matching consent."""

    TRAINING = "training", _("Training")
    MENTORING = "mentoring", _("Mentoring")
    LICENSING = "licensing", _("Licensing")
    MARKETING = "marketing", _("Marketing")
    FINANCING = "financing", _("Financing")


CONSENT_FOR_RELATIONSHIP = {
    RelationshipKind.TRAINING: ConsentPurpose.TRAINING_PARTNERS,
    RelationshipKind.MENTORING: ConsentPurpose.PROGRAMME,
    RelationshipKind.LICENSING: ConsentPurpose.LICENSING_OFFICES,
    RelationshipKind.MARKETING: ConsentPurpose.MARKETPLACES,
    RelationshipKind.FINANCING: ConsentPurpose.FINANCIAL_INSTITUTIONS,
}


class DataRequestKind(models.TextChoices):
    ACCESS = "access", _("Access to and a copy of my data")
    CORRECTION = "correction", _("Correction of my data")
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Withdrawal of a consent")
    ERASURE = "erasure", _("Erasure of my data")


class DataRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    REJECTED = "rejected", _("Rejected")


class DocumentKind(models.TextChoices):
    KTP = "ktp", _("KTP")
    DOMICILE_LETTER = "domicile_letter", _("Domicile letter")
    OWNERSHIP_PROOF = "ownership_proof", _("Proof of business ownership")
    LICENCE = "licence", _("Existing licence")
    OTHER = "other", _("Other")
