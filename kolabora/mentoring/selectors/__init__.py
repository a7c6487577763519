"""Reads for mentoring, always through the access gate (``kolabora.core.access``); nothing here writes.

A mentor is a user with an active membership in the mentor role. Which mentors may take a participant is
decided from the gate's own facts: a government office (the kecamatan secretariat) whose region covers
the participant, or a community organisation covering them while an agreement in force covers P3
(``access.organisation_serves_stage``) and the participant consents to the sharing.
"""

from __future__ import annotations

from .caseload import (
    CaseloadRow,
    CompletionCheck,
    caseload,
    completion_check,
)
from .mentors import (
    CLOSED_P3,
    OPEN_P3,
    Candidate,
    assignment_history,
    assignment_list,
    can_manage_mentors,
    can_see_mentoring,
    candidate_for,
    caseload_counts,
    community_refusal,
    criteria_get,
    current_assignment,
    is_mentor,
    manageable_kecamatan,
    managed_mentors,
    mentor_candidates,
    mentor_memberships,
    mentors_in,
    open_p3,
    p3_status,
    participant_programme,
    session_list,
    visible_participants,
)
from .progress import (
    BoardRow,
    ExportParticipantRow,
    Progress,
    TargetView,
    board,
    export_participants,
    progress_by_mentor,
    targets_for,
    unmentored,
    unmentored_kecamatan,
    year_bounds,
)

__all__ = [
    "CLOSED_P3",
    "OPEN_P3",
    "BoardRow",
    "Candidate",
    "CaseloadRow",
    "CompletionCheck",
    "ExportParticipantRow",
    "Progress",
    "TargetView",
    "assignment_history",
    "assignment_list",
    "board",
    "can_manage_mentors",
    "can_see_mentoring",
    "candidate_for",
    "caseload",
    "caseload_counts",
    "community_refusal",
    "completion_check",
    "criteria_get",
    "current_assignment",
    "export_participants",
    "is_mentor",
    "manageable_kecamatan",
    "managed_mentors",
    "mentor_candidates",
    "mentor_memberships",
    "mentors_in",
    "open_p3",
    "p3_status",
    "participant_programme",
    "progress_by_mentor",
    "session_list",
    "targets_for",
    "unmentored",
    "unmentored_kecamatan",
    "visible_participants",
    "year_bounds",
]
