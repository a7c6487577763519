"""Audit action codes, numbered by domain so a code says where it came from.

0xx accounts and security, 1xx P1 registration … 7xx P7 financing, 8xx governance (organisations,
agreements), 9xx personal data and privacy. Codes are stored, so never renumber one.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.IntegerChoices):
    LOGIN = 10, _("Logged in")
    LOGOUT = 11, _("Logged out")
    LOGIN_FAILED = 12, _("Login failed")
    PASSWORD_CHANGED = 13, _("Password changed")
    PASSWORD_RESET = 14, _("Password reset")
    API_TOKEN_CREATED = 20, _("API token created")
    API_TOKEN_REVOKED = 21, _("API token revoked")

    ORGANISATION_CREATED = 801, _("Organisation created")
    ORGANISATION_UPDATED = 802, _("Organisation updated")
    MEMBERSHIP_ADDED = 803, _("Membership added")
    MEMBERSHIP_ENDED = 804, _("Membership ended")
    AGREEMENT_CREATED = 810, _("Agreement created")
    AGREEMENT_UPDATED = 811, _("Agreement updated")
    AGREEMENT_ACTIVATED = 812, _("Agreement activated")
    AGREEMENT_EXPIRED = 813, _("Agreement expired")
    AGREEMENT_TERMINATED = 814, _("Agreement terminated")
    REGIONS_LOADED = 850, _("Regions loaded")

    PERSONAL_DATA_VIEWED = 901, _("Personal data viewed")
    PERSONAL_DATA_EXPORTED = 902, _("Personal data exported")


class ProgrammeStage(models.TextChoices):
    """The seven steps of "7 Langkah PAS". The pathway app holds their rules; these are the codes
    agreements and organisations refer to."""

    P1 = "P1", _("P1 Registration")
    P2 = "P2", _("P2 Training")
    P3 = "P3", _("P3 Mentoring")
    P4 = "P4", _("P4 Licensing")
    P5 = "P5", _("P5 Marketing")
    P6 = "P6", _("P6 Financial reporting")
    P7 = "P7", _("P7 Capital")
