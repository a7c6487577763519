from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from kolabora.core import access

from .schemas import ERRORS

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    role: str
    region: str


class MeOut(Schema):
    username: str
    full_name: str
    memberships: list[MembershipOut]


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    """The caller and the organisations they act for."""
    user = request.user
    return MeOut(
        username=user.get_username(),
        full_name=user.get_full_name() or user.get_username(),  # type: ignore[union-attr]
        memberships=[
            MembershipOut(
                organisation_id=m.organisation_id,
                organisation=m.organisation.name,
                role=m.role,
                region=m.organisation.region_id,
            )
            for m in access.memberships(user)
        ],
    )
