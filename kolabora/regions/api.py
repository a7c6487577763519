"""Public reference data: the Kemendagri regions."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS

from . import selectors

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str


class RegionDetailOut(RegionOut):
    kind: str
    postal_code: str
    parents: list[RegionOut]


@router.get("", response={200: list[RegionOut], **ERRORS}, auth=None)
def list_regions(request: HttpRequest, parent: str | None = None) -> list[RegionOut]:
    """Children of ``parent`` (the provinces when omitted)."""
    if parent and selectors.region_get(code=parent) is None:
        raise ApiError(404, _("Unknown region code: %(code)s") % {"code": parent})
    return [
        RegionOut(code=r.code, name=r.name, level=r.level)
        for r in selectors.region_children(parent_code=parent).only("code", "name", "level")
    ]


@router.get("/{code}", response={200: RegionDetailOut, **ERRORS}, auth=None)
def get_region(request: HttpRequest, code: str) -> RegionDetailOut:
    """One region with its parent chain, province first."""
    region = selectors.region_get(code=code)
    if region is None:
        raise ApiError(404, _("Unknown region code: %(code)s") % {"code": code})
    return RegionDetailOut(
        code=region.code,
        name=region.name,
        level=region.level,
        kind=region.kind,
        postal_code=region.postal_code,
        parents=[
            RegionOut(code=p.code, name=p.name, level=p.level) for p in selectors.region_chain(region=region)
        ],
    )
