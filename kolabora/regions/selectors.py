"""Reads of the region table."""

from __future__ import annotations

from django.db.models import QuerySet

from .choices import RegionLevel
from .models import Region


def region_get(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_children(*, parent_code: str | None) -> QuerySet[Region]:
    if parent_code:
        return Region.objects.filter(parent_id=parent_code).order_by("code")
    return Region.objects.filter(level=RegionLevel.PROVINSI).order_by("code")


def region_chain(*, region: Region) -> list[Region]:
    """The region's ancestors, province first."""
    by_code = Region.objects.in_bulk(region.ancestor_codes)
    return [by_code[c] for c in region.ancestor_codes if c in by_code]


def region_choices(*, levels: list[str], within: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(level__in=levels).order_by("code")
    if within:
        qs = qs.filter(code__startswith=within + ".") | Region.objects.filter(code=within, level__in=levels)
    return qs
