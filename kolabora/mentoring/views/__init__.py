"""Pages for mentoring (P3). Each view takes the same steps: the access gate (``kolabora.core.access``,
composed in ``mentoring.selectors``), a form, one service call, a response. Rules stay in the services.
"""

from __future__ import annotations

from .mentor import (
    FILTERS,
    complete,
    contact_allowed,
    home,
    participant_detail,
    participant_for,
    readiness,
    session_log,
    session_photo,
    year_param,
)
from .secretariat import (
    UNMENTORED_SHOWN,
    assign,
    assign_unmentored,
    board,
    export,
    target_set,
)

__all__ = [
    "FILTERS",
    "UNMENTORED_SHOWN",
    "assign",
    "assign_unmentored",
    "board",
    "complete",
    "contact_allowed",
    "export",
    "home",
    "participant_detail",
    "participant_for",
    "readiness",
    "session_log",
    "session_photo",
    "target_set",
    "year_param",
]
