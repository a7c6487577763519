"""The funnel (Tabel 2) for partner systems: counts per stage of a region's sub-regions, with targets."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from kolabora.api.errors import ApiError
from kolabora.api.schemas import ERRORS
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.pathway.services import programme_default

from . import selectors
from .columns import COLUMNS
from .query import QueryError, funnel_query

router = Router(tags=["analytics"])


class FunnelParams(Schema):
    region: str = ""
    level: str = ""
    cohort: str = ""


class RegionRef(Schema):
    code: str
    name: str


class FunnelRowOut(Schema):
    region: RegionRef
    counts: dict[str, int]
    target: int | None
    attainment: float | None


class FunnelOut(Schema):
    columns: list[str]
    rows: list[FunnelRowOut]
    totals: FunnelRowOut


def _row(r: selectors.FunnelRow) -> dict[str, object]:
    # Plain data, validated once against FunnelRowOut on the way out (building Schema objects for 267
    # kelurahan would cost more than reading them).
    return {
        "region": {"code": r.place.code, "name": r.place.name},
        "counts": r.counts,
        "target": r.target.value if r.target else None,
        "attainment": round(r.attainment, 4) if r.attainment is not None else None,
    }


@router.get("/analytics/funnel", response={200: FunnelOut, **ERRORS})
def analytics_funnel(request: HttpRequest, params: Query[FunnelParams]) -> dict[str, object]:
    """Participants who reached each stage (P1, P2's levels T1–T3, P3 … P7: in progress or completed), per
    region at ``level`` (kota, kecamatan or kelurahan; default the level below ``region``) inside ``region``
    (default your widest region), registered in ``cohort`` (YYYY or YYYY-MM; default everyone).

    ``target``: the region's target of licensed participants (P4 completed) for the cohort's year (this
    year without a cohort); ``attainment``: participants registered that year who are licensed so far ÷
    target (0–1). ``totals`` is the same for ``region`` as a whole. 403 outside your regions."""
    if not access.can(request.user, Action.ANALYTICS_VIEW):
        raise PermissionDenied
    try:
        query = funnel_query(request.user, region=params.region, level=params.level, cohort=params.cohort)
    except QueryError as exc:
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": k, "message": v} for k, v in exc.errors.items()],
        ) from None
    try:
        f = selectors.funnel_get(
            programme_id=programme_default().pk, region=query.region, level=query.level, cohort=query.cohort
        )
    except KeyError:
        raise ApiError(
            422,
            _("The request has invalid fields."),
            [{"field": "region", "message": _("Unknown region code: %(code)s") % {"code": query.region}}],
        ) from None
    return {"columns": list(COLUMNS), "rows": [_row(r) for r in f.rows], "totals": _row(f.total)}
