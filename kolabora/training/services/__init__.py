"""Writes for training (P2). Each is keyword-only and typed, locks the rows it changes (the session row
first, whenever seats or attendance move), checks the actor and the current state, and writes one audit
row per change in the same transaction. Completion feeds the pathway through ``stage_transition`` only.
"""

from .attendance import CODE_ATTEMPTS, attendance_check_in, attendance_record, visible_participant_ids
from .courses import course_create, course_publish, course_update, require_offer
from .enrolments import enrolment_cancel, enrolment_create, relationship_source, waitlist_promote
from .follow_ups import follow_up_answer
from .reminders import follow_ups_remind, session_remind
from .sessions import attendance_code_new, session_create, session_update

__all__ = [
    "CODE_ATTEMPTS",
    "attendance_check_in",
    "attendance_code_new",
    "attendance_record",
    "course_create",
    "course_publish",
    "course_update",
    "enrolment_cancel",
    "enrolment_create",
    "follow_up_answer",
    "follow_ups_remind",
    "relationship_source",
    "require_offer",
    "session_create",
    "session_remind",
    "session_update",
    "visible_participant_ids",
    "waitlist_promote",
]
