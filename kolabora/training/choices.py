"""Training (P2) states and vocabularies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    HARD_SKILL = "hard_skill", _("Hard skill")
    SOFT_SKILL = "soft_skill", _("Soft skill")


class Track(models.TextChoices):
    """OK OCE's three approaches, each fitted to where a participant starts (seed 003)."""

    RESKILLING = "reskilling", _("Reskilling")
    UPSKILLING = "upskilling", _("Upskilling")
    NEW_SKILLING = "new_skilling", _("New skilling")


class Level(models.IntegerChoices):
    """P2's levels. Finishing a course of level n raises the participant's P2 level to n."""

    T1 = 1, _("T1 basic")
    T2 = 2, _("T2 intermediate")
    T3 = 3, _("T3 advanced")


class Topic(models.TextChoices):
    # Digital marketing is taught in steps, from WhatsApp to marketplaces to live selling (seed 003).
    WHATSAPP_SOCIAL = "whatsapp_social", _("Selling through WhatsApp and social media")
    ECOMMERCE = "ecommerce", _("Selling on e-commerce marketplaces")
    LIVE_SELLING = "live_selling", _("Live selling")
    BOOKKEEPING = "bookkeeping", _("Bookkeeping and financial reports")
    LICENSING = "licensing", _("Product licensing (NIB, P-IRT, halal)")
    PACKAGING = "packaging", _("Packaging and branding")
    PRODUCT_PHOTO = "product_photo", _("Product photography")
    PRODUCTION = "production", _("Production skills (culinary, fashion, crafts)")
    BUSINESS_MANAGEMENT = "business_management", _("Business management")
    FINANCING = "financing", _("Access to financing")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


# Enrolments that still count (one per participant and session).
OPEN = frozenset(
    {EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT}
)
# Enrolments that hold one of the session's seats.
HOLDS_SEAT = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT})
# Enrolments that may still be cancelled (before the session starts).
CANCELLABLE = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED})
# Enrolments on the attendance list.
ON_ROSTER = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT})


class AttendanceMethod(models.TextChoices):
    LIST = "list", _("Trainer's list")
    CODE = "code", _("Attendance code")
