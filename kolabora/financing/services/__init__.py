"""Financing referrals (P7). Every write is one function that locks the referral, checks its state and the
actor through the access gate, moves the hand-offs, writes one audit row, and tells the participant and the
referrer after the commit. Approval (or disbursement) completes P7 through the pathway.

The steps at the institution, each a hand-off with its service level (``defaults.STEP_SERVICE_DAYS``):
``acknowledge`` (opened when the referral is received, finished when an officer takes it into review),
``decide`` (opened then, finished on approval or decline) and ``disburse`` (opened on approval, finished
when the money is paid out).
"""

from .common import (
    REFERRAL_RULES,
    REPORT_MONTHS,
    STEP_NAMES,
    SUBJECT,
    consent_needed,
    institution_agreement,
    institutions_for,
    products_for,
    shared_categories,
    step_of,
)
from .decisions import (
    Approval,
    approval_errors,
    referral_approve,
    referral_decline,
    referral_disburse,
    referral_review_start,
    referral_transition,
)
from .declarations import loan_declaration_record
from .history import referral_import
from .referrals import ReferralInput, referral_create, referral_withdraw, referrals_stop_for_consent

__all__ = [
    "REFERRAL_RULES",
    "REPORT_MONTHS",
    "STEP_NAMES",
    "SUBJECT",
    "Approval",
    "ReferralInput",
    "approval_errors",
    "consent_needed",
    "institution_agreement",
    "institutions_for",
    "loan_declaration_record",
    "products_for",
    "referral_approve",
    "referral_create",
    "referral_decline",
    "referral_disburse",
    "referral_import",
    "referral_review_start",
    "referral_transition",
    "referral_withdraw",
    "referrals_stop_for_consent",
    "shared_categories",
    "step_of",
]
