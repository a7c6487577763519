"""Indicators, the network map, accountability per organisation, and the governance report.

Each view: ``require_http_methods`` → the access gate (``access.can_view_governance`` and friends) →
the page's scope (regions the user may read, narrowed by the form) → selectors → render.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kolabora.core import access
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.organisations.models import Organisation

from .. import indicators as registry
from ..charts import radar_svg
from ..exports import csv_response, report_pdf
from ..models import Dimension, Feedback
from ..selectors import assessments as assessment_selectors
from ..selectors import feedback as feedback_selectors
from ..selectors.accountability import (
    SERVICE_LEVEL_TARGET,
    Accountability,
    accountability,
    organisation_steps,
)
from ..selectors.common import Scope
from ..selectors.network import network as network_of
from ..svg import network_svg, performance_points, performance_svg
from .common import PageScope, page_scope


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _deseve_dimensions() -> list[Dimension]:
    return list(Dimension.objects.filter(framework__code="deseve", parent__isnull=True).order_by("order"))


def _grouped(values: list[registry.IndicatorValue]) -> list[tuple[Any, list[registry.IndicatorValue]]]:
    by_dimension: dict[str, list[registry.IndicatorValue]] = {}
    for v in values:
        by_dimension.setdefault(v.dimension, []).append(v)
    return [(d, by_dimension.get(d.code, [])) for d in _deseve_dimensions()]


# --- indicators --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def indicators(request: AuthedHttpRequest) -> HttpResponse:
    ps = page_scope(request)
    values = registry.compute_all(ps.scope)
    return TemplateResponse(
        request,
        "governance/indicators.html",
        {"ps": ps, "groups": _grouped(values), "can_manage": access.can_manage_assessment(request.user)},
    )


@login_required
@require_http_methods(["GET"])
def indicators_csv(request: AuthedHttpRequest) -> HttpResponse:
    ps = page_scope(request)
    values = registry.compute_all(ps.scope)
    labels = {d.code: d.label for d in _deseve_dimensions()}
    return csv_response(
        "indikator-tata-kelola.csv",
        [
            _("Dimension"),
            _("Indicator"),
            _("Value"),
            _("Numerator"),
            _("Denominator"),
            _("Note"),
            _("Definition"),
        ],
        (
            [
                labels.get(v.dimension, v.dimension),
                v.name,
                _fmt(v.result.value),
                _fmt(v.result.numerator),
                _fmt(v.result.denominator),
                v.result.note,
                v.definition,
            ]
            for v in values
        ),
    )


# --- network -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def network(request: AuthedHttpRequest) -> HttpResponse:
    ps = page_scope(request)
    net = network_of(ps.scope)
    return TemplateResponse(
        request,
        "governance/network.html",
        {
            "ps": ps,
            "net": net,
            "svg": network_svg(
                net, title=_("Collaboration network: %(region)s") % {"region": ps.region_label}
            ),
            "edges": [
                (net.by_id[e.source].name, net.by_id[e.target].name, e)
                for e in sorted(net.edges, key=lambda e: (e.kind != "agreement", -e.weight))
                if e.source in net.by_id and e.target in net.by_id
            ],
        },
    )


@login_required
@require_http_methods(["GET"])
def network_csv(request: AuthedHttpRequest) -> HttpResponse:
    ps = page_scope(request)
    net = network_of(ps.scope)
    if request.GET.get("table") == "organisations":
        return csv_response(
            "jaringan-organisasi.csv",
            [_("Organisation"), _("Type"), _("Region"), _("Steps received")],
            ([n.name, n.type_label, n.region_id, n.received] for n in net.nodes),
        )
    kinds = {"agreement": _("Agreement"), "handoff": _("Hand-offs"), "referral": _("Referrals")}
    return csv_response(
        "jaringan-hubungan.csv",
        [_("From"), _("To"), _("Kind"), _("Volume"), _("In force"), _("Agreement number")],
        (
            [
                net.by_id[e.source].name if e.source in net.by_id else e.source,
                net.by_id[e.target].name if e.target in net.by_id else e.target,
                kinds[e.kind],
                e.weight,
                _("yes") if e.in_force else _("no"),
                e.label,
            ]
            for e in net.edges
        ),
    )


# --- accountability --------------------------------------------------------------------------------------


def _accountability(request: AuthedHttpRequest) -> tuple[PageScope, Accountability]:
    """Rows of the organisations the user may read in the page's scope, and always their own."""
    ps = page_scope(request, require=False)
    user = request.user
    if not (access.can_view_governance(user) or access.member_organisation_ids(user)):
        raise PermissionDenied
    own = access.member_organisation_ids(user)
    ids = list(
        access.scope_accountability_organisations(user, Organisation.objects.filter(is_active=True))
        .filter(ps.scope.region_q() | Q(pk__in=own))
        .values_list("pk", flat=True)
    )
    return ps, accountability(ps.scope, organisation_ids=ids)


@login_required
@require_http_methods(["GET"])
def accountability_page(request: AuthedHttpRequest) -> HttpResponse:
    ps, acc = _accountability(request)
    numbers = {r.organisation_id: i for i, r in enumerate(performance_points(acc.rows), start=1)}
    return TemplateResponse(
        request,
        "governance/accountability.html",
        {
            "ps": ps,
            "acc": acc,
            "totals": acc.totals,
            "table": [(numbers.get(r.organisation_id), r) for r in acc.rows],
            "target": SERVICE_LEVEL_TARGET,
            "svg": performance_svg(acc.rows, title=_("Stakeholder performance map")),
            "is_reader": access.can_view_governance(request.user),
        },
    )


ACCOUNTABILITY_HEADER = [
    gettext_lazy("Organisation"),
    gettext_lazy("Type"),
    gettext_lazy("Region"),
    gettext_lazy("Steps received"),
    gettext_lazy("Done"),
    gettext_lazy("Done within the service level"),
    gettext_lazy("Open past the due date"),
    gettext_lazy("Within the service level (%)"),
    gettext_lazy("Training attended"),
    gettext_lazy("Follow-ups answered"),
    gettext_lazy("Applying what they learned (%)"),
    gettext_lazy("Licence applications"),
    gettext_lazy("Licences issued"),
    gettext_lazy("Licences refused"),
    gettext_lazy("Referrals received"),
    gettext_lazy("Approved"),
    gettext_lazy("Declined"),
    gettext_lazy("Disbursed"),
    gettext_lazy("Approval rate (%)"),
    gettext_lazy("Median days to decide"),
    gettext_lazy("Feedback received"),
    gettext_lazy("Average rating"),
    gettext_lazy("Feedback answered within the service level (%)"),
]


@login_required
@require_http_methods(["GET"])
def accountability_csv(request: AuthedHttpRequest) -> HttpResponse:
    _ps, acc = _accountability(request)
    return csv_response(
        "akuntabilitas-organisasi.csv",
        [str(h) for h in ACCOUNTABILITY_HEADER],
        (
            [
                r.name,
                r.type_label,
                r.region_id,
                r.received,
                r.done,
                r.within,
                r.overdue,
                _fmt(r.within_share),
                r.attended,
                r.follow_ups,
                _fmt(r.application_rate),
                r.licence_submitted,
                r.licence_issued,
                r.licence_refused,
                r.referred,
                r.approved,
                r.declined,
                r.disbursed,
                _fmt(r.approval_rate),
                _fmt(r.median_days_to_decision),
                r.feedback,
                _fmt(r.feedback_rating),
                _fmt(r.feedback_within_share),
            ]
            for r in acc.rows
        ),
    )


def _organisation(request: AuthedHttpRequest, pk: int) -> tuple[Organisation, PageScope]:
    org = get_object_or_404(Organisation.objects.select_related("region", "parent"), pk=pk)
    if not access.can_view_accountability(request.user, org):
        raise PermissionDenied
    ps = page_scope(request, require=False)
    # The organisation's own figures: the period applies, the region filter does not.
    return org, PageScope(Scope(codes=None, since=ps.scope.since), ps.form, ps.region_label, ps.period_key)


@login_required
@require_http_methods(["GET"])
def organisation(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org, ps = _organisation(request, pk)
    acc = accountability(ps.scope, organisation_ids=[org.pk], only_active=False)
    feedback = feedback_selectors.feedback_summary(
        Feedback.objects.filter(organisation=org).filter(ps.scope.since_q("created_at")),
        ps.scope,
    )
    return TemplateResponse(
        request,
        "governance/organisation.html",
        {
            "org": org,
            "ps": ps,
            "row": acc.rows[0] if acc.rows else None,
            "financing_installed": acc.financing_installed,
            "steps": organisation_steps(org.pk, ps.scope),
            "feedback": feedback,
            "is_member": org.pk in access.member_organisation_ids(request.user),
        },
    )


@login_required
@require_http_methods(["GET"])
def organisation_csv(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org, ps = _organisation(request, pk)
    return csv_response(
        f"akuntabilitas-{org.pk}.csv",
        [
            _("Step"),
            _("Case"),
            _("Received"),
            _("Done"),
            _("Done within the service level"),
            _("Open past the due date"),
            _("Within the service level (%)"),
            _("Median days to done"),
        ],
        (
            [
                s.step_name,
                s.subject_type,
                s.received,
                s.done,
                s.within,
                s.overdue,
                _fmt(s.within_share),
                _fmt(s.median_days),
            ]
            for s in organisation_steps(org.pk, ps.scope)
        ),
    )


# --- report ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def report(request: AuthedHttpRequest) -> HttpResponse:
    """The governance report as PDF: indicators, network, accountability, the latest assessment results."""
    ps = page_scope(request)
    values = registry.compute_all(ps.scope)
    net = network_of(ps.scope)
    user = request.user
    own = access.member_organisation_ids(user)
    ids = list(
        access.scope_accountability_organisations(user, Organisation.objects.filter(is_active=True))
        .filter(ps.scope.region_q() | Q(pk__in=own))
        .values_list("pk", flat=True)
    )
    acc = accountability(ps.scope, organisation_ids=ids)
    results = None
    rnd = (
        assessment_selectors.rounds_visible(user)
        .filter(status="closed")
        .order_by("-period_end", "-pk")
        .first()
    )
    if rnd is not None and access.can_view_assessment_results(user, rnd.region_id):
        results = assessment_selectors.round_results(rnd, access.assessment_result_codes(user, rnd.region_id))
    context = {
        "ps": ps,
        "groups": _grouped(values),
        "net": net,
        "network_svg": network_svg(net, title=_("Collaboration network")),
        "acc": acc,
        "rows": acc.rows[:40],
        "more_rows": max(0, len(acc.rows) - 40),
        "performance_svg": performance_svg(acc.rows, title=_("Stakeholder performance map")),
        "points": performance_points(acc.rows),
        "results": results,
        "radar": radar_svg(results) if results is not None else "",
        "generated_at": timezone.localtime(),
        "user": user,
    }
    pdf = report_pdf(context)
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="laporan-tata-kelola-{stamp}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
