"""``{% governance_nav as nav %}``: which governance pages the user may open (the access gate decides)."""

from __future__ import annotations

from typing import Any

from django import template

from kolabora.core import access
from kolabora.core.access import Action

from ..selectors.assessments import may_read_instruments

register = template.Library()


@register.simple_tag(takes_context=True)
def governance_nav(context: dict[str, Any]) -> dict[str, bool]:
    user = context["request"].user
    staff = bool(access.memberships(user)) or access.is_system_admin(user)
    reader = access.can_view_governance(user)
    return {
        "indicators": reader,
        "network": reader,
        "accountability": reader or bool(access.member_organisation_ids(user)),
        "rounds": staff,
        "feedback": staff,
        "feedback_reader": access.governance_codes(user, Action.FEEDBACK_VIEW) != [],
        "instruments": staff and may_read_instruments(user),
    }
