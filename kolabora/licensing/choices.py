from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Checking completeness")
    RETURNED = "returned", _("Returned for missing items")
    SURVEY = "survey", _("Site survey")
    RECOMMENDATION = "recommendation", _("Lurah recommendation")
    ISSUANCE = "issuance", _("Issuance")
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.RETURNED,
        ApplicationStatus.SURVEY,
        ApplicationStatus.RECOMMENDATION,
        ApplicationStatus.ISSUANCE,
    }
)
# Which step each in-flight status is at (the step codes of StepDefinition).
STATUS_STEP = {
    ApplicationStatus.SUBMITTED: "verification",
    ApplicationStatus.SURVEY: "survey",
    ApplicationStatus.RECOMMENDATION: "recommendation",
    ApplicationStatus.ISSUANCE: "issuance",
}


class ItemReview(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Needs fixing")


class Zoning(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial / trade")
    MIXED = "mixed", _("Mixed use")
    INDUSTRIAL = "industrial", _("Industrial")
    GREEN_BELT = "green_belt", _("Green belt (jalur hijau)")
    PUBLIC_FACILITY = "public_facility", _("Public facility / road side")


# Zones where no business may be licensed (seed 000: green-belt locations are refused).
FORBIDDEN_ZONES = frozenset({Zoning.GREEN_BELT, Zoning.PUBLIC_FACILITY})


class LicenceStatus(models.TextChoices):
    PENDING_VERIFICATION = "pending_verification", _("Waiting for PTSP verification")
    VALID = "valid", _("Valid")
    REJECTED = "rejected", _("Not accepted")
    REVOKED = "revoked", _("Revoked")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM_LOW = "medium_low", _("Medium-low")
    MEDIUM_HIGH = "medium_high", _("Medium-high")
    HIGH = "high", _("High")
