from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Not published")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Taken down")


class CurationLevel(models.TextChoices):
    """Curation runs from the kecamatan up to the province (seed 001); each level passes a product up."""

    KECAMATAN = "kecamatan", _("Kecamatan")
    KOTA = "kota", _("City")
    PROVINCE = "province", _("Province")


CURATION_ORDER = [CurationLevel.KECAMATAN, CurationLevel.KOTA, CurationLevel.PROVINCE]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the curators")
    PASSED = "passed", _("Passed")
    RETURNED = "returned", _("Sent back")


class OpportunityKind(models.TextChoices):
    BAZAAR = "bazaar", _("Bazaar")
    EXHIBITION = "exhibition", _("Exhibition")
    RETAIL_SPACE = "retail_space", _("Retail space")
    ECOMMERCE = "ecommerce", _("E-commerce onboarding")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open for applications")
    ALLOCATED = "allocated", _("Places allocated")
    CANCELLED = "cancelled", _("Cancelled")


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Waiting for allocation")
    ALLOCATED = "allocated", _("Place given")
    WAITLISTED = "waitlisted", _("On the waiting list")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ATTENDED = "attended", _("Took part")
    NO_SHOW = "no_show", _("Did not come")


# Applications that hold (or held) a place: they count as "previous slots" for the rotation rule.
HOLDS_SLOT = frozenset({ApplicationStatus.ALLOCATED, ApplicationStatus.ATTENDED, ApplicationStatus.NO_SHOW})
# Applications still in the running for a place.
IN_RUNNING = frozenset({ApplicationStatus.APPLIED, ApplicationStatus.WAITLISTED})
ACTIVE_APPLICATION = frozenset(
    {
        ApplicationStatus.APPLIED,
        ApplicationStatus.ALLOCATED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.ATTENDED,
        ApplicationStatus.NO_SHOW,
    }
)
