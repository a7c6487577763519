from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionMode(models.TextChoices):
    """How a mentoring session took place."""

    VISIT = "visit", _("Home or business visit")
    PHONE = "phone", _("Phone call")
    WHATSAPP = "whatsapp", _("WhatsApp")
    ONLINE = "online", _("Online meeting")
    GROUP = "group", _("Group session")


# Modes in which mentor and participant met face to face.
IN_PERSON = frozenset({SessionMode.VISIT, SessionMode.GROUP})


class Topic(models.TextChoices):
    """What a session was about; a session has one or more."""

    BUSINESS_PLAN = "business_plan", _("Business plan")
    PRODUCT = "product", _("Product and packaging")
    PRICING = "pricing", _("Costing and pricing")
    MARKETING = "marketing", _("Marketing and sales")
    DIGITAL = "digital", _("Selling online")
    LICENSING = "licensing", _("Licensing (NIB, P-IRT, halal)")
    BOOKKEEPING = "bookkeeping", _("Bookkeeping")
    FINANCING = "financing", _("Capital and financing")
    OTHER = "other", _("Other")


class AssignmentMethod(models.TextChoices):
    """How a mentor came to a participant."""

    AUTOMATIC = "automatic", _("Automatic (lightest caseload)")
    CHOSEN = "chosen", _("Chosen by the secretariat")
    FIRST_SESSION = "first_session", _("Mentor logged the first session")


class TargetMeasure(models.TextChoices):
    """What a mentor's target counts, within its period."""

    MENTORED = "mentored", _("Participants mentored (at least one session)")
    P3_COMPLETED = "p3_completed", _("Participants who completed mentoring (P3)")
    P4_REACHED = "p4_reached", _("Participants who reached licensing (P4)")


class Urgency(models.IntegerChoices):
    """Where a participant stands in a mentor's caseload; lower comes first."""

    AT_RISK = 0, _("At risk")
    OVERDUE = 1, _("Next step overdue")
    NOT_VISITED = 2, _("No session yet")
    UPCOMING = 3, _("Next step planned")
    ON_TRACK = 4, _("No next step set")
