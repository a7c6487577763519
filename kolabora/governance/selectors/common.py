"""What every governance figure is computed over: a set of regions and a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kolabora.core.access import region_q
from kolabora.core.timeutils import today

# Participant columns by the depth of a region code (no LIKE on the indexed columns).
_AREA_COLUMN = {1: "province_code", 2: "kota_code", 3: "kecamatan_code", 4: "kelurahan_id"}


@dataclass(frozen=True)
class Scope:
    """Regions (``codes``; None means everywhere) and the first day of the period (``since``; None: all)."""

    codes: tuple[str, ...] | None = None
    since: dt.date | None = None
    on: dt.date = field(default_factory=today)

    @property
    def since_dt(self) -> dt.datetime | None:
        if self.since is None:
            return None
        return timezone.make_aware(dt.datetime.combine(self.since, dt.time.min))

    def area_q(self, prefix: str = "participant__") -> Q:
        """Rows whose participant (through ``prefix``) lives inside the scope's regions."""
        if self.codes is None:
            return Q()
        q = Q(pk__in=[])
        for c in self.codes:
            q |= Q(**{f"{prefix}{_AREA_COLUMN[c.count('.') + 1]}": c})
        return q

    def region_q(self, field: str = "region") -> Q:
        """Rows whose region (foreign key ``field``) lies inside the scope's regions."""
        return Q() if self.codes is None else region_q(self.codes, field)

    def since_q(self, field: str) -> Q:
        return Q() if self.since_dt is None else Q(**{f"{field}__gte": self.since_dt})

    @property
    def single_code(self) -> str | None:
        """The one region code for selectors of other apps that take one (None for everywhere)."""
        return None if self.codes is None else (self.codes[0] if len(self.codes) == 1 else None)


def per_code(fn: Callable[..., Any], scope: Scope, **kwargs: Any) -> list[Any]:
    """Call another app's selector once per region of the scope (once with None for everywhere)."""
    codes: Iterable[str | None] = [None] if scope.codes is None else scope.codes
    return [fn(since=scope.since, region_code=code, **kwargs) for code in codes]


def pct(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator`` as a percentage (None when the denominator is 0)."""
    return round(100 * numerator / denominator, 1) if denominator else None
