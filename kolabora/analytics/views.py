"""Staff pages: the funnel and targets of a region (Tabel 2) with its charts, anomalies and exports, and the
list of participants behind a figure. Figures come from the aggregates only; the list is a participant
list scoped by the access gate."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.participants.selectors import page_after
from kolabora.pathway.services import programme_default
from kolabora.regions.models import Region

from . import charts, exports, funnel, selectors, wording
from .columns import COLUMNS
from .counters import ProgrammeStages, programme_stages
from .query import LEVEL_LABELS, FunnelQuery, QueryError, funnel_query
from .selectors import LEVEL_NAMES, Cohort, Funnel, PeopleFilter, cohort_parse, depth

PAGE_SIZE = 25
MONTHS = [
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
]


class FunnelForm(forms.Form):
    """The filters as a phone-friendly form (selects); links carry the same as ``region``/``level``/``cohort``."""

    region = forms.CharField(widget=forms.HiddenInput, required=False)
    level = forms.ChoiceField(label=gettext_lazy("Rows"), required=False)
    year = forms.ChoiceField(label=gettext_lazy("Registered in (year)"), required=False)
    month = forms.ChoiceField(label=gettext_lazy("Month"), required=False)

    def __init__(self, *args: Any, query: FunnelQuery, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        top = depth(query.region)
        this_year = timezone.localdate().year
        choices: dict[str, list[tuple[str, Any]]] = {
            "level": [(LEVEL_NAMES[d], LEVEL_LABELS[d]) for d in range(max(top, 2), 5)],
            "year": [("", _("All years")), *((str(y), str(y)) for y in range(this_year, 2017, -1))],
            "month": [("", _("Whole year")), *((f"{i:02d}", m) for i, m in enumerate(MONTHS, 1))],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options


def _cohort_text(get: Any) -> str:
    """``cohort`` as given, or composed from the form's year and month selects."""
    if "cohort" in get:
        return str(get.get("cohort", ""))
    year, month = str(get.get("year", "")).strip(), str(get.get("month", "")).strip()
    return f"{year}-{month}" if year and month else year or (f"-{month}" if month else "")


def _query(request: AuthedHttpRequest) -> tuple[FunnelQuery, dict[str, str]]:
    """The request's query; faulty parameters are replaced by their defaults and reported."""
    if not access.can(request.user, Action.ANALYTICS_VIEW):
        raise PermissionDenied
    get = request.GET
    try:
        return (
            funnel_query(
                request.user, region=get.get("region"), level=get.get("level"), cohort=_cohort_text(get)
            ),
            {},
        )
    except QueryError as exc:
        if exc.fallback is None:
            return funnel_query(request.user, region=None, level=None, cohort=None), exc.errors
        return exc.fallback, exc.errors


def _funnel(query: FunnelQuery) -> tuple[Funnel, ProgrammeStages]:
    programme = programme_default()
    try:
        f = selectors.funnel_get(
            programme_id=programme.pk, region=query.region, level=query.level, cohort=query.cohort
        )
    except KeyError:
        raise Http404 from None
    return f, programme_stages(programme.pk)


def _people_url(base: str, region: str, column: str, kind: str, cohort: Cohort) -> str:
    """The list behind a figure. Codes, columns, kinds and cohort labels are URL-safe as they are (checked
    on the way in), so the address is written directly: the page has a few thousand of them."""
    url = f"{base}?region={region}&column={column}"
    if kind != "reached":
        url += f"&kind={kind}"
    if cohort.key:
        url += f"&cohort={cohort.label}"
    return url


def _tabel2_rows(rows: list[dict[str, Any]]) -> SafeString:
    """Tabel 2's body as HTML, written here rather than by the template language: at kelurahan level a
    province has 267 rows of 13 cells, and per-cell template work would cost most of the page's time.
    Names are escaped; figures and addresses are made of digits, codes and separators (and escaped too)."""
    out = []
    count = wording.counter()
    for view in rows:
        r: selectors.FunnelRow = view["row"]
        name, short = escape(r.place.name), escape(r.place.short)
        head = f'<a href="{escape(view["drill"])}" title="{name}">{short}</a>' if view["drill"] else short
        cells = "".join(
            f'<td class="num"><a href="{escape(url)}">{n}</a></td>' if url else f'<td class="num">{n}</td>'
            for n, url in view["cells"]
        )
        target = count(r.target.value) if r.target else "—"
        out.append(
            f'<tr><th scope="row">{head}</th>{cells}<td class="num">{target}</td>'
            f'<td class="num">{count(r.success)}</td><td class="num">{wording.share(r.attainment)}</td></tr>'
        )
    return mark_safe("".join(out))


def _column_title(code: str, stages: ProgrammeStages, language: str | None) -> str:
    if code.startswith("T"):
        return _("Training level %(level)s") % {"level": code[1:]}
    return stages.name(code, language)


@login_required
@require_GET
def funnel_page(request: AuthedHttpRequest) -> HttpResponse:
    """Tabel 2 for a region: its sub-regions' counts per stage, conversion, drop-out, time in stage,
    targets, attainment and projection, anomalies in words, and charts. Reads aggregates only."""
    query, errors = _query(request)
    f, stages = _funnel(query)
    language = translation.get_language()
    user = request.user
    may_list = access.can_list_people_behind(user, query.region)
    anomalies = funnel.anomalies(f.total.vector, stages.prerequisites)
    figures = funnel.stage_figures(f.total.vector)
    steps = {s.target: s.conversion for s in funnel.conversions(f.total.vector)}
    trend = f.trend

    people = reverse("analytics:people")
    here = reverse("analytics:funnel")
    count = wording.counter()

    def row_view(r: selectors.FunnelRow, is_total: bool) -> dict[str, Any]:
        drill = None
        if not is_total and r.place.level < 4:
            drill = f"{here}?{urlencode(FunnelQuery(r.place.code, min(r.place.level + 1, 4), query.cohort).params())}"
        return {
            "row": r,
            "drill": drill,
            # (figure as shown, the list behind it): formatted here, a few thousand cells on a big page.
            "cells": [
                (
                    count(r.counts[c]),
                    _people_url(people, r.place.code, c, "reached", query.cohort)
                    if may_list and r.counts[c]
                    else None,
                )
                for c in COLUMNS
            ],
        }

    chain = [p for p in f.chain if access.can_view_analytics(user, p.code)]
    context = {
        "query": query,
        "errors": errors,
        "form": FunnelForm(
            initial={
                "region": query.region,
                "level": LEVEL_NAMES[query.level],
                "year": str(query.cohort.year or ""),
                "month": f"{query.cohort.month:02d}" if query.cohort.month else "",
            },
            query=query,
        ),
        "funnel": f,
        "level_label": LEVEL_LABELS[query.level],
        "place_level_label": LEVEL_LABELS[f.place.level],
        "chain": [
            (p, "?" + urlencode(FunnelQuery(p.code, min(p.level + 1, 4), query.cohort).params()))
            for p in chain
        ],
        "columns": [(c, _column_title(c, stages, language)) for c in COLUMNS],
        "rows_html": _tabel2_rows([row_view(r, False) for r in f.rows]),
        "total": row_view(f.total, True),
        "stages": [
            {
                "figures": s,
                "name": stages.name(s.code, language),
                "conversion": steps.get("T1" if s.code == "P2" else s.code),
                "dropped_url": _people_url(people, query.region, s.code, "dropped", query.cohort)
                if may_list and s.dropped
                else None,
            }
            for s in figures
        ],
        "anomalies": [
            {
                "anomaly": a,
                "headline": wording.anomaly_headline(a, stages, language),
                "detail": wording.anomaly_detail(a, stages, language),
                "url": _people_url(people, query.region, a.stage, "ahead", query.cohort)
                if may_list
                else None,
            }
            for a in anomalies
        ],
        "definitions": wording.definitions(),
        "may_list": may_list,
        "export_params": urlencode(query.params()),
        "funnel_chart": charts.funnel_chart(_("Participants per stage"), f.total.counts, _("Participants")),
        "bars_chart": charts.region_bars(
            _("Registered and licensed by %(level)s") % {"level": str(LEVEL_LABELS[query.level]).lower()},
            [r.place.short for r in f.rows],
            [
                (_("Registered (P1)"), [r.counts["P1"] for r in f.rows]),
                (_("Licensed (P4 completed)"), [r.licensed for r in f.rows]),
            ],
        )
        if len(f.rows) > 1
        else "",
        "trend_chart": charts.trend_chart(
            _("Registrations per month"),
            [f"{k // 100}-{k % 100:02d}" for k, _a, _b in trend],
            [
                (_("Registered (P1)"), [a for _k, a, _b in trend]),
                (_("Licensed (P4 completed)"), [b for _k, _a, b in trend]),
            ],
        ),
        "trend": trend,
        "projection": f.total.projection if f.year == timezone.localdate().year else None,
    }
    return TemplateResponse(request, "analytics/funnel.html", context)


# --- exports ----------------------------------------------------------------------------------------------

CSV_TABLES = ("funnel", "stages", "trend", "anomalies")


@login_required
@require_GET
def export_csv(request: AuthedHttpRequest, table: str) -> HttpResponse:
    """One of the funnel page's tables as CSV (aggregates only: no personal data)."""
    if table not in CSV_TABLES:
        raise Http404
    query, errors = _query(request)
    if errors:
        return _bad_request(errors)
    f, stages = _funnel(query)
    language = translation.get_language()
    if table == "funnel":
        rows = exports.funnel_table(f)
    elif table == "stages":
        rows = exports.stages_table(f.total.vector, stages, language)
    elif table == "trend":
        rows = exports.trend_table(f.trend)
    else:
        rows = exports.anomalies_table(funnel.anomalies(f.total.vector, stages.prerequisites))
    return exports.csv_response(rows, _file_name(table, query))


@login_required
@require_GET
def export_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    """Tabel 2 as an Excel workbook: a sheet per region level below the region, the stages' figures and
    the definitions."""
    query, errors = _query(request)
    if errors:
        return _bad_request(errors)
    language = translation.get_language()
    sheets: list[tuple[str, exports.Table, bool]] = []
    last: Funnel | None = None
    stages: ProgrammeStages | None = None
    for d in range(min(depth(query.region) + 1, 4), 5):
        f, stages = _funnel(FunnelQuery(query.region, d, query.cohort))
        sheets.append((str(LEVEL_LABELS[d]), exports.funnel_table(f), True))
        last = f
    assert last is not None and stages is not None
    sheets.append((_("Stages"), exports.stages_table(last.total.vector, stages, language), False))
    cohort = query.cohort.label or _("all registrations")
    notes = [
        _("Tabel 2: participants per stage, %(region)s, cohort %(cohort)s, as of %(when)s.")
        % {
            "region": last.place.name,
            "cohort": cohort,
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
        *wording.definitions(),
    ]
    return exports.xlsx_response(exports.workbook(sheets, notes), _file_name("tabel2", query))


def _file_name(table: str, query: FunnelQuery) -> str:
    cohort = f"-{query.cohort.label}" if query.cohort.key else ""
    return f"{table}-{query.region.replace('.', '')}{cohort}-{timezone.localdate():%Y%m%d}"


def _bad_request(errors: dict[str, str]) -> HttpResponse:
    return HttpResponse(" ".join(errors.values()), status=422, content_type="text/plain; charset=utf-8")


# --- the participants behind a figure ---------------------------------------------------------------------


class PeopleForm(forms.Form):
    region = forms.CharField(max_length=13)
    column = forms.ChoiceField(choices=[(c, c) for c in (*COLUMNS, "P2")])
    kind = forms.ChoiceField(choices=[(k, k) for k in selectors.PEOPLE_KINDS], required=False)
    cohort = forms.CharField(required=False, max_length=7)
    after = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or "reached"
        column = data.get("column", "")
        if kind != "reached" and column.startswith("T"):
            self.add_error(
                "column", _("Drop-outs, completions and stages ahead are counted per stage (P1–P7).")
            )
        data["kind"] = kind
        try:
            data["cohort_value"] = cohort_parse(data.get("cohort") or "")
        except ValueError as exc:
            self.add_error("cohort", str(exc))
        return data


KIND_TITLES = {
    "reached": gettext_lazy("In %(stage)s (in progress or completed)"),
    "completed": gettext_lazy("Completed %(stage)s"),
    "dropped": gettext_lazy("Dropped out of %(stage)s"),
    "ahead": gettext_lazy("In %(stage)s before completing its prerequisites"),
}


@login_required
@require_GET
def people(request: AuthedHttpRequest) -> HttpResponse:
    """The participants a funnel figure counts (that the user may see), newest first, 25 at a time."""
    form = PeopleForm(request.GET)
    if not form.is_valid():
        if "region" in form.errors or "column" in form.errors:
            raise Http404
        return TemplateResponse(request, "analytics/people.html", {"form": form, "invalid": True}, status=422)
    data = form.cleaned_data
    region = data["region"]
    if not access.can_list_people_behind(request.user, region):
        raise PermissionDenied
    programme = programme_default()
    stages = programme_stages(programme.pk)
    filters = PeopleFilter(
        region=region, column=data["column"], kind=data["kind"], cohort=data["cohort_value"]
    )
    qs = selectors.people_list(
        user=request.user, programme_id=programme.pk, filters=filters, prerequisites=stages.prerequisites
    ).prefetch_related(selectors.stage_prefetch())
    rows, cursor = page_after(qs, after=data.get("after"), size=PAGE_SIZE)
    language = translation.get_language()
    stage = "P2" if data["column"].startswith("T") else data["column"]
    name = (
        f"{data['column']} {_column_title(data['column'], stages, language)}"
        if data["column"].startswith("T")
        else f"{stage} {stages.name(stage, language)}"
    )
    params = {k: v for k, v in request.GET.items() if k != "after"}
    place = Region.objects.filter(code=region).only("code", "name").first()
    return TemplateResponse(
        request,
        "analytics/people.html",
        {
            "form": form,
            "title": KIND_TITLES[data["kind"]] % {"stage": name},
            "region": place,
            "cohort": filters.cohort,
            "rows": rows,
            "next_url": "?" + urlencode({**params, "after": cursor}) if cursor else "",
            "first_url": "?" + urlencode(params) if data.get("after") else "",
            "back_url": reverse("analytics:funnel")
            + "?"
            + urlencode(FunnelQuery(region, min(depth(region) + 1, 4), filters.cohort).params()),
        },
    )
