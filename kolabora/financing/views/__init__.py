"""Financing referral pages (namespace ``financing``).

The participant's side (``/permodalan/``): eligibility with a reason for every rule, the declaration about
current loans, starting a referral and following it. Mentors, kecamatan staff and community organisations
open the same page for a participant they may refer (``access.can_refer``), and list the referrals they
follow with the eligible participants not referred yet.

The institution's side: the inbox of its referrals, one page per referral with the shared package and the
form for the current step (take into review, approve or decline, record the payout). Only the institution's
bank officers act (``access.can_decide_referral``); the participant's consent and an agreement in force are
checked there too.

Programme figures per institution, and the export of potential KUR debtors for SIKP.

Every view checks access first, then the form, then one service. Services refuse what the user may not do
(``PermissionDenied`` → 403) and what the referral no longer allows (``ValidationError`` → a message on the
page, nothing changed).
"""

from .participant import declare, mine, participant_home, refer
from .programme import export_csv, export_page, figures, referral_list
from .referral import approve, decline, disburse, inbox, referral_detail, report, review, withdraw

__all__ = [
    "approve",
    "declare",
    "decline",
    "disburse",
    "export_csv",
    "export_page",
    "figures",
    "inbox",
    "mine",
    "participant_home",
    "refer",
    "referral_detail",
    "referral_list",
    "report",
    "review",
    "withdraw",
]
