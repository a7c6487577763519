"""The public accountability page of a region: the programme's progress, targets and attainment, counts
per stage and per sub-region, and the service levels kept by the organisations there. Anonymous, computed
live from the aggregates, no personal data; small counts hidden and every count rounded (``funnel.published``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kolabora.organisations.choices import OrganisationType
from kolabora.pathway.services import programme_default

from . import exports, funnel, selectors, wording
from .columns import COLUMNS, STAGES
from .counters import OTHER, programme_stages
from .query import LEVEL_LABELS, REGION_CODE
from .selectors import Cohort, Funnel, cohort_parse, depth

PUBLIC_TABLES = ("stages", "regions", "services")


def _year(request: HttpRequest) -> Cohort:
    try:
        cohort = cohort_parse(str(request.GET.get("tahun", "")))
    except ValueError:
        return Cohort()
    return Cohort(cohort.year * 100) if cohort.year else Cohort()


def _load(request: HttpRequest, code: str | None) -> tuple[Funnel, Cohort, Any]:
    region = code or str(settings.KOLABORA["DEFAULT_PROVINCE"])
    if not REGION_CODE.match(region):
        raise Http404
    cohort = _year(request)
    programme = programme_default()
    try:
        f = selectors.funnel_get(
            programme_id=programme.pk, region=region, level=min(depth(region) + 1, 4), cohort=cohort
        )
    except KeyError:
        raise Http404 from None
    return f, cohort, programme_stages(programme.pk)


def _stage_label(code: str, stages: Any, language: str | None) -> str:
    if code == OTHER:
        return _("Other steps")
    return f"{code} {stages.name(code, language)}"


@require_GET
def progress(request: HttpRequest, code: str | None = None) -> HttpResponse:
    f, cohort, stages = _load(request, code)
    language = translation.get_language()
    levels, tallied_at = selectors.service_levels(region=f.place.code)
    type_labels = dict(OrganisationType.choices)
    licensed = funnel.published(f.total.success)
    target = f.total.target
    this_year = timezone.localdate().year
    projection = f.total.projection if f.year == this_year else None

    def cells(r: selectors.FunnelRow) -> list[int | None]:
        return [funnel.published(r.counts[c]) for c in COLUMNS]

    query = {"tahun": cohort.year} if cohort.key else {}
    context = {
        "funnel": f,
        "cohort": cohort,
        "years": list(range(this_year, 2017, -1)),
        "chain": f.chain,
        "columns": [
            (
                c,
                _("Training level %(level)s") % {"level": c[1:]}
                if c.startswith("T")
                else stages.name(c, language),
            )
            for c in COLUMNS
        ],
        "total_cells": cells(f.total),
        "rows": [
            {
                "place": r.place,
                "url": reverse("analytics_public:region", args=[r.place.code])
                + ("?" + urlencode(query) if query else ""),
                "cells": cells(r),
            }
            for r in f.rows
        ],
        "child_level": LEVEL_LABELS[min(f.place.level + 1, 4)],
        "registered": funnel.published(f.total.counts["P1"]),
        "licensed": licensed,
        "target": target,
        # From the published (rounded) count, so the percentage reveals nothing the count hides.
        "attainment": (licensed / target.value) if target and licensed is not None and target.value else None,
        "projection": funnel.published(projection) if projection is not None else None,
        "year": f.year,
        "stages": [
            {
                "code": s.code,
                "name": stages.name(s.code, language),
                "reached": funnel.published(s.reached),
                "completed": funnel.published(s.completed),
                "dropped": funnel.published(s.dropped),
            }
            for s in funnel.stage_figures(f.total.vector)
        ],
        "services": [
            {
                "stage": _stage_label(s.stage, stages, language),
                "type": type_labels.get(s.organisation_type, s.organisation_type),
                "done": funnel.published(s.done),
                "within": funnel.published(s.within),
                "share": funnel.published_ratio(s.within, s.done),
                "overdue": funnel.published(s.overdue),
            }
            for s in levels
        ],
        "tallied_at": tallied_at,
        "notes": wording.public_notes(),
        "csv_query": ("?" + urlencode(query)) if query else "",
    }
    return TemplateResponse(request, "analytics/public.html", context)


@require_GET
def progress_csv(request: HttpRequest, code: str, table: str) -> HttpResponse:
    """The public page's tables as CSV, with the same protection (hidden and rounded counts)."""
    if table not in PUBLIC_TABLES:
        raise Http404
    f, cohort, stages = _load(request, code)
    language = translation.get_language()
    if table == "stages":
        rows: exports.Table = [[_("Stage"), _("Reached"), _("Completed"), _("Dropped out")]]
        for s in funnel.stage_figures(f.total.vector):
            rows.append(
                [
                    f"{s.code} {stages.name(s.code, language)}",
                    exports.shown(s.reached),
                    exports.shown(s.completed),
                    exports.shown(s.dropped),
                ]
            )
    elif table == "regions":
        rows = [[_("Code"), _("Region"), *COLUMNS]]
        for r in [*f.rows, f.total]:
            rows.append([r.place.code, r.place.name, *(exports.shown(r.counts[c]) for c in COLUMNS)])
    else:
        levels, _at = selectors.service_levels(region=f.place.code)
        rows = exports.service_table(
            levels,
            {s: _stage_label(s, stages, language) for s in (*STAGES, OTHER)},
            {k: str(v) for k, v in OrganisationType.choices},
        )
    suffix = f"-{cohort.year}" if cohort.key else ""
    return exports.csv_response(rows, f"capaian-{table}-{f.place.code.replace('.', '')}{suffix}")
