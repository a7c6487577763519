from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import access
from .access import Action


def kolabora(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the user may open, decided by the access gate."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "organisations": access.can(user, Action.ORGANISATION_VIEW),
            "agreements": access.can(user, Action.AGREEMENT_VIEW),
            "participants": access.can(user, Action.PARTICIPANT_VIEW),
            "admin": user.is_staff and access.is_system_admin(user),
        }
    }
