"""Writes of the analytics app: default targets, the audited recount, and the check that the live counters
equal a full recount (the same comparison the tests make)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import connections, router, transaction

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.timeutils import today
from kolabora.pathway.models import Programme, ProgrammeTarget, StageDefinition
from kolabora.pathway.services import programme_default
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from . import counters
from .columns import FIELDS
from .counters import WIDTHS
from .models import Cell, Delta
from .selectors import DEFAULT_TARGETS

if TYPE_CHECKING:
    from kolabora.accounts.models import User

CellKey = tuple[int, str, int]


def targets_seed(*, year: int | None = None, actor: User | None = None) -> int:
    """Write the default programme's default targets for ``year`` (this year by default) where none is set:
    40,000 for the programme's province and 900 for each kecamatan in it. One audit row. Returns how many
    targets were written."""
    year = year or today().year
    programme = programme_default()
    province = programme.region_id
    with transaction.atomic():
        have = set(
            ProgrammeTarget.objects.filter(programme=programme, year=year).values_list("region_id", flat=True)
        )
        wanted = [(province, DEFAULT_TARGETS[1])] + [
            (code, DEFAULT_TARGETS[3])
            for code in Region.objects.filter(
                level=RegionLevel.KECAMATAN, code__startswith=province + "."
            ).values_list("code", flat=True)
        ]
        new = [
            ProgrammeTarget(programme=programme, region_id=code, year=year, target=value)
            for code, value in wanted
            if code not in have
        ]
        ProgrammeTarget.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                action=AuditAction.TARGETS_SET,
                obj=programme,
                after={"year": year, "targets": len(new), "default": True},
            )
    return len(new)


def aggregates_rebuild(*, actor: User | None = None) -> int:
    """Recount the dashboards' aggregates from the stage rows (``counters.counters_rebuild``), audited."""
    with transaction.atomic():
        cells = counters.counters_rebuild()
        audit_record(
            actor=actor,
            action=AuditAction.AGGREGATES_REBUILT,
            object_type="analytics.cell",
            object_id="all",
            after={"cells": cells},
        )
    return cells


def _expand(
    into: dict[CellKey, list[int]], programme_id: int, kelurahan: str, cohort: int, values: list[int]
) -> None:
    for width in WIDTHS.values():
        for key in (cohort, cohort // 100 * 100, 0):
            vector = into.setdefault((programme_id, kelurahan[:width], key), [0] * len(FIELDS))
            for i, v in enumerate(values):
                vector[i] += int(v or 0)


def live_cells() -> dict[CellKey, list[int]]:
    """Every cell as readers see it: the folded row plus the pending deltas inside it (zero rows dropped)."""
    out: dict[CellKey, list[int]] = defaultdict(lambda: [0] * len(FIELDS))
    for row in Cell.objects.values_list("programme_id", "region", "cohort", *FIELDS):
        vector = out[(row[0], row[1], row[2])]
        for i, v in enumerate(row[3:]):
            vector[i] += v
    for row in Delta.objects.values_list("programme", "kelurahan", "cohort", *FIELDS):
        _expand(out, row[0], row[1], row[2], list(row[3:]))
    return {k: v for k, v in out.items() if any(v)}


def recount_cells() -> dict[CellKey, list[int]]:
    """Every cell recounted from the stage rows (the rebuild's SQL), without writing anything."""
    conn = connections[router.db_for_read(Cell)]
    counters.definitions_forget()
    out: dict[CellKey, list[int]] = {}
    with conn.cursor() as cursor:
        for programme_id in Programme.objects.order_by("pk").values_list("pk", flat=True):
            stage_ids = list(
                StageDefinition.objects.filter(programme_id=programme_id).values_list("pk", flat=True)
            )
            if not stage_ids:
                continue
            sql = counters.recount_sql(
                conn.vendor, stage_ids, counters.programme_stages(programme_id).prerequisites
            )
            cursor.execute(sql, [])  # [] so that "%%" reads as "%" on every backend
            for kelurahan, cohort, *values in cursor.fetchall():
                _expand(out, programme_id, kelurahan, int(cohort), list(values))
    return {k: v for k, v in out.items() if any(v)}


def differences() -> list[str]:
    """Cells whose live figures differ from a full recount, in words (empty when they agree)."""
    live, recount = live_cells(), recount_cells()
    found = []
    for key in sorted(set(live) | set(recount)):
        a, b = live.get(key, [0] * len(FIELDS)), recount.get(key, [0] * len(FIELDS))
        if a != b:
            diff = ", ".join(f"{FIELDS[i]} {a[i]} ≠ {b[i]}" for i in range(len(FIELDS)) if a[i] != b[i])
            found.append(f"programme {key[0]} region {key[1]} cohort {key[2]}: {diff}")
    return found
