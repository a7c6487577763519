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

    PARTICIPANT_REGISTERED = 100, _("Participant registered")
    P1_CHANGED = 101, _("P1 registration status changed")
    PARTICIPANT_UPDATED = 102, _("Participant data changed")
    ELIGIBILITY_VERIFIED = 103, _("Eligibility verified")
    PARTICIPANTS_MERGED = 104, _("Duplicate participants merged")
    BUSINESS_CREATED = 110, _("Business added")
    BUSINESS_UPDATED = 111, _("Business figures changed")
    DOCUMENT_UPLOADED = 112, _("Document uploaded")
    P2_CHANGED = 201, _("P2 training status changed")
    COURSE_PUBLISHED = 210, _("Course published")
    SESSION_CREATED = 211, _("Training session scheduled")
    ENROLLED = 212, _("Enrolled in a training session")
    ENROLMENT_CANCELLED = 213, _("Training enrolment cancelled")
    WAITLIST_PROMOTED = 214, _("Moved up from the waiting list")
    ATTENDANCE_RECORDED = 215, _("Training attendance recorded")
    FOLLOW_UP_ANSWERED = 216, _("Training follow-up answered")
    COURSE_CREATED = 217, _("Course created")
    COURSE_UPDATED = 218, _("Course changed")
    SESSION_UPDATED = 219, _("Training session changed")
    P3_CHANGED = 301, _("P3 mentoring status changed")
    MENTOR_ASSIGNED = 310, _("Mentor assigned")
    MENTOR_CHANGED = 311, _("Mentor changed")
    MENTORING_SESSION_LOGGED = 312, _("Mentoring session logged")
    READINESS_ASSESSED = 313, _("Readiness assessed")
    MENTOR_TARGET_SET = 314, _("Mentor target set")
    P4_CHANGED = 401, _("P4 licensing status changed")
    LICENCE_APPLICATION_OPENED = 410, _("Licence application started")
    LICENCE_APPLICATION_SUBMITTED = 411, _("Licence application submitted")
    LICENCE_APPLICATION_RETURNED = 412, _("Licence application returned for missing items")
    LICENCE_SURVEY_SCHEDULED = 413, _("Site survey scheduled")
    LICENCE_SURVEY_RECORDED = 414, _("Site survey recorded")
    LICENCE_RECOMMENDATION = 415, _("Lurah recommendation signed")
    LICENCE_ISSUED = 416, _("Licence issued")
    LICENCE_REFUSED = 417, _("Licence application refused")
    LICENCE_EXISTING_RECORDED = 418, _("Existing licence recorded")
    LICENCE_EXISTING_VERIFIED = 419, _("Existing licence verified")
    LICENCE_DOCUMENT_UPLOADED = 420, _("Licence document uploaded")
    P5_CHANGED = 501, _("P5 marketing status changed")
    P6_CHANGED = 601, _("P6 financial reporting status changed")
    P7_CHANGED = 701, _("P7 capital status changed")

    HANDOFF_OPENED = 860, _("Step handed to an organisation")
    HANDOFF_DONE = 861, _("Step done")
    HANDOFF_REASSIGNED = 862, _("Step reassigned")
    HANDOFF_OVERDUE = 863, _("Step overdue")

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
    CONSENT_GRANTED = 910, _("Consent given")
    CONSENT_WITHDRAWN = 911, _("Consent withdrawn")
    DATA_REQUEST_MADE = 920, _("Data request made")
    DATA_REQUEST_ANSWERED = 921, _("Data request answered")
    RELATIONSHIP_OPENED = 930, _("Relationship with a partner opened")
    RELATIONSHIP_ENDED = 931, _("Relationship with a partner ended")


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


# Stage changes: P1 = 101 … P7 = 701 (the domain's hundred), so the code alone says which stage moved.
STAGE_CHANGED = {f"P{n}": AuditAction(n * 100 + 1) for n in range(1, 8)}
