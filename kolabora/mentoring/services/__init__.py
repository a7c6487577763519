"""Writes for mentoring (P3). Each state change is one atomic function: it locks the participant row,
checks the current state, requires an actor (None only for the platform's own automatic work) and writes
exactly one audit row for the change it makes. The stage itself moves only through
``pathway.services.stage_transition``.
"""

from __future__ import annotations

from .assignments import (
    assign_locked,
    lock_participant,
    mentor_assign,
    mentor_assign_auto,
    mentor_name,
    mentors_assign_everywhere,
    mentors_assign_unmentored,
    require_manager,
)
from .sessions import (
    BACKDATE_DAYS,
    ReadinessInput,
    SessionInput,
    p3_complete,
    photo_check,
    readiness_assess,
    session_log,
    session_validate,
)
from .targets import (
    mentor_target_set,
)

__all__ = [
    "BACKDATE_DAYS",
    "ReadinessInput",
    "SessionInput",
    "assign_locked",
    "lock_participant",
    "mentor_assign",
    "mentor_assign_auto",
    "mentor_name",
    "mentor_target_set",
    "mentors_assign_everywhere",
    "mentors_assign_unmentored",
    "p3_complete",
    "photo_check",
    "readiness_assess",
    "require_manager",
    "session_log",
    "session_validate",
]
