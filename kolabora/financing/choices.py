"""States and categories of financing referrals (P7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received by the institution")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    DISBURSED = "disbursed", _("Disbursed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Waiting for the institution's decision; the participant may still withdraw.
UNDECIDED = frozenset({ReferralStatus.RECEIVED, ReferralStatus.IN_REVIEW})
# Still moving: at most one such referral per participant and institution.
ACTIVE = frozenset({ReferralStatus.RECEIVED, ReferralStatus.IN_REVIEW, ReferralStatus.APPROVED})
TERMINAL = frozenset({ReferralStatus.DECLINED, ReferralStatus.DISBURSED, ReferralStatus.WITHDRAWN})
# Approved, whether or not the money has gone out yet.
APPROVED_GROUP = frozenset({ReferralStatus.APPROVED, ReferralStatus.DISBURSED})
DECIDED = frozenset({ReferralStatus.APPROVED, ReferralStatus.DECLINED, ReferralStatus.DISBURSED})
# The status machine: received → in review → approved or declined; approved → disbursed; withdrawn
# while undecided.
ALLOWED = {
    ReferralStatus.RECEIVED: frozenset({ReferralStatus.IN_REVIEW, ReferralStatus.WITHDRAWN}),
    ReferralStatus.IN_REVIEW: frozenset(
        {ReferralStatus.APPROVED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.APPROVED: frozenset({ReferralStatus.DISBURSED}),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.DISBURSED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}
# The existing badge colours each status takes (components/status_badge.html): blue while at the
# institution, green when approved or paid out, red when declined, grey when withdrawn.
BADGE = {
    ReferralStatus.RECEIVED: "submitted",
    ReferralStatus.IN_REVIEW: "survey",
    ReferralStatus.APPROVED: "valid",
    ReferralStatus.DECLINED: "refused",
    ReferralStatus.DISBURSED: "issued",
    ReferralStatus.WITHDRAWN: "withdrawn",
}
# The hand-off (step) that is open in each status, and the status it belongs to.
STATUS_STEP = {
    ReferralStatus.RECEIVED: "acknowledge",
    ReferralStatus.IN_REVIEW: "decide",
    ReferralStatus.APPROVED: "disburse",
}


class DeclineCategory(models.TextChoices):
    INCOMPLETE_DOCUMENTS = "incomplete_documents", _("Documents incomplete")
    NOT_FEASIBLE = "not_feasible", _("Business not yet feasible")
    REPAYMENT_CAPACITY = "repayment_capacity", _("Repayment capacity too low")
    CREDIT_HISTORY = "credit_history", _("Credit history not clean (SLIK)")
    EXISTING_LOAN = "existing_loan", _("Already has a productive loan")
    NOT_REACHABLE = "not_reachable", _("Participant could not be reached")
    OUTSIDE_AREA = "outside_area", _("Business outside the institution's service area")
    OTHER = "other", _("Other reason")


class ReferrerKind(models.TextChoices):
    SELF = "self", _("The participant")
    MENTOR = "mentor", _("Mentor")
    KECAMATAN = "kecamatan", _("Kecamatan secretariat")
    COMMUNITY = "community", _("Community organisation")
    PROGRAMME = "programme", _("Programme office")


class ProductScheme(models.TextChoices):
    KUR = "kur", _("KUR (state-subsidised people's business credit)")
    REGIONAL = "regional", _("Regional programme credit")
    COMMERCIAL = "commercial", _("Institution's own product")


class LoanPurpose(models.TextChoices):
    WORKING_CAPITAL = "working_capital", _("Working capital")
    INVESTMENT = "investment", _("Investment (equipment, premises)")
