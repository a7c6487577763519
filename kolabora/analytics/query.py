"""What a funnel request asks for (region, level of its rows, cohort), checked the same way for the page,
the exports and the API: every problem in words, per parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.regions.choices import RegionLevel

from .selectors import LEVEL_BY_NAME, LEVEL_NAMES, Cohort, cohort_parse, depth

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
LEVEL_LABELS = {
    1: RegionLevel.PROVINSI.label,
    2: RegionLevel.KOTA.label,
    3: RegionLevel.KECAMATAN.label,
    4: RegionLevel.KELURAHAN.label,
}


@dataclass(frozen=True)
class FunnelQuery:
    region: str
    level: int
    cohort: Cohort

    def params(self, **override: str) -> dict[str, str]:
        """The query string that asks for this again (with ``override``)."""
        out = {"region": self.region, "level": LEVEL_NAMES[self.level]}
        if self.cohort.key:
            out["cohort"] = self.cohort.label
        out.update(override)
        return {k: v for k, v in out.items() if v}


class QueryError(Exception):
    """Parameters that cannot be answered; ``errors`` maps each parameter to what is wrong with it."""

    def __init__(self, errors: dict[str, str], fallback: FunnelQuery | None = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.fallback = fallback


def default_level(region: str) -> int:
    return min(depth(region) + 1, 4)


def funnel_query(user: AnyUser, *, region: str | None, level: str | None, cohort: str | None) -> FunnelQuery:
    """The checked request. Raises ``QueryError`` (with, where the region is usable, a ``fallback`` that
    ignores the faulty parameters) or ``PermissionDenied`` for a region outside the user's figures."""
    errors: dict[str, str] = {}
    mine = access.analytics_regions(user)
    code = (region or "").strip()
    if not code:
        if not mine:
            raise PermissionDenied
        code = mine[0]
    elif not REGION_CODE.match(code):
        errors["region"] = _("Unknown region code: %(code)s. Codes look like 31.75 or 31.75.10.") % {
            "code": code[:20]
        }
    usable = "region" not in errors
    if usable and not access.can_view_analytics(user, code):
        raise PermissionDenied
    depth_of = depth(code) if usable else 1
    rows = default_level(code) if usable else 2
    name = (level or "").strip().lower()
    if name:
        if name not in LEVEL_BY_NAME:
            errors["level"] = _("Choose the rows' level: kota, kecamatan or kelurahan.")
        elif usable and LEVEL_BY_NAME[name] < depth_of:
            allowed = ", ".join(LEVEL_NAMES[d] for d in range(max(depth_of, 2), 5))
            errors["level"] = _("%(code)s is a %(level)s: its rows can be %(allowed)s.") % {
                "code": code,
                "level": str(LEVEL_LABELS[depth_of]).lower(),
                "allowed": allowed,
            }
        else:
            rows = LEVEL_BY_NAME[name]
    try:
        chosen = cohort_parse(cohort or "")
    except ValueError as exc:
        errors["cohort"] = str(exc)
        chosen = Cohort()
    if errors:
        raise QueryError(errors, FunnelQuery(code, rows, chosen) if usable else None)
    return FunnelQuery(code, rows, chosen)
