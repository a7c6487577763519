from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    KECAMATAN_SECRETARIAT = "kecamatan_secretariat", _("Kecamatan secretariat")
    PTSP_UNIT = "ptsp_unit", _("PTSP unit")
    KELURAHAN_OFFICE = "kelurahan_office", _("Kelurahan office")
    BANK = "bank", _("Bank")
    FINANCIAL_INSTITUTION = "financial_institution", _("Other financial institution")
    COMPANY = "company", _("Company or marketplace")
    UNIVERSITY = "university", _("University")
    COMMUNITY = "community", _("Community organisation")
    DEVELOPMENT_PARTNER = "development_partner", _("Development partner")


class Role(models.TextChoices):
    """What a person does for an organisation (DESIGN.md §3). Participants are not members."""

    SYSTEM_ADMIN = "system_admin", _("System administrator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    REGIONAL_COORDINATOR = "regional_coordinator", _("Regional coordinator")
    KECAMATAN_STAFF = "kecamatan_staff", _("Kecamatan secretariat staff")
    MENTOR = "mentor", _("Mentor (pendamping)")
    PTSP_OFFICER = "ptsp_officer", _("PTSP officer")
    KELURAHAN_STAFF = "kelurahan_staff", _("Kelurahan staff")
    LURAH = "lurah", _("Lurah")
    PARTNER_STAFF = "partner_staff", _("Training or marketing partner staff")
    BANK_OFFICER = "bank_officer", _("Bank / financial institution officer")
    COMMUNITY_STAFF = "community_staff", _("Community organisation staff")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


AGREEMENT_TERMINAL = frozenset({AgreementStatus.EXPIRED, AgreementStatus.TERMINATED})
AGREEMENT_EDITABLE = frozenset({AgreementStatus.DRAFT, AgreementStatus.ACTIVE})


class DataCategory(models.TextChoices):
    """Kinds of participant data an agreement lets a partner receive (with the participant's consent)."""

    IDENTITY = "identity", _("Identity (name, masked NIK)")
    CONTACT = "contact", _("Contact (phone, email, address)")
    BUSINESS = "business", _("Business profile")
    PATHWAY = "pathway", _("Programme progress")
    LICENCES = "licences", _("Licences")
    FINANCIAL = "financial", _("Financial statements")
    DOCUMENTS = "documents", _("Uploaded documents")
