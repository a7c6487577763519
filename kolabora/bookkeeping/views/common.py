"""What the bookkeeping pages share: who is looking, the audit of staff views, and the page header."""

from __future__ import annotations

from typing import Any

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.participants.models import Business


def audit_view(request: AuthedHttpRequest, business: Business, page: str) -> None:
    """A staff member opened a cash book page: a view of personal financial data, audited. The owner's
    own views are not."""
    participant = business.participant
    if access.is_self(request.user, participant):
        return
    audit_record(
        actor=request.user,
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=participant,
        organisation=access.acting_organisation(request.user, Action.CASHBOOK_VIEW, participant.kelurahan_id),
        after={"cashbook": business.pk, "page": page},
    )


def book_context(request: AuthedHttpRequest, business: Business, section: str) -> dict[str, Any]:
    """The header every cash book page shows: whose book, the other businesses, the tabs."""
    participant = business.participant
    is_self = access.is_self(request.user, participant)
    return {
        "business": business,
        "participant": participant,
        "is_self": is_self,
        "can_keep": access.can_keep_cashbook(request.user, participant),
        "others": list(participant.businesses.exclude(pk=business.pk).order_by("created_at", "id")),
        "section": section,
    }


def staff_may_list(user: Any) -> tuple[bool, bool]:
    """(mentors someone, reads cash books over an area): who may open the consistency lists."""
    from kolabora.organisations.choices import Role

    is_mentor = any(m.role == Role.MENTOR for m in access.memberships(user))
    has_area = access.is_system_admin(user) or bool(access.region_codes(user, Action.CASHBOOK_VIEW))
    return is_mentor, has_area
