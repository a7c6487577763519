"""Programme staff: the referrals they follow, the per-institution figures, and the SIKP export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.participants.models import Participant

from .. import export, selectors
from ..choices import ACTIVE, ReferralStatus
from ..eligibility import eligible
from ..forms import (
    FiguresForm,
    RegionChoiceForm,
)

# --- programme staff: the referrals they follow -----------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def referral_list(request: AuthedHttpRequest) -> HttpResponse:
    """Referrals of the participants the user follows, and eligible participants not referred yet."""
    if not access.can_follow_referrals(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    referrals = selectors.referral_list(user=request.user)
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    candidates = []
    if access.can(request.user, Action.REFERRAL_CREATE):
        reachable = access.scope(request.user, Participant.objects.all(), Action.REFERRAL_CREATE)
        candidates = list(
            eligible(reachable)
            .exclude(financing_referrals__status__in=sorted(ACTIVE))
            .select_related("kelurahan")
            .order_by("full_name")[:50]
        )
    return TemplateResponse(
        request,
        "financing/referrals.html",
        {
            "referrals": list(referrals[:200]),
            "status": status,
            "statuses": list(ReferralStatus),
            "candidates": candidates,
            "can_export": access.can(request.user, Action.PARTICIPANT_EXPORT),
            "figures": access.can_view_referral_figures(request.user),
        },
    )


# --- figures and the SIKP export ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def figures(request: AuthedHttpRequest) -> HttpResponse:
    """Per institution: referred, approval rate, median days to a decision, amounts approved and paid out.
    Analysts see their region's participants; bank officers their own institution."""
    if not access.can_view_referral_figures(request.user):
        raise PermissionDenied
    analyst = access.can(request.user, Action.ANALYTICS_VIEW)
    regions = export.regions_for(request.user, Action.ANALYTICS_VIEW) if analyst else []
    form = FiguresForm(request.GET or None, regions=regions, everything=_("All my areas"))
    data = form.cleaned_data if form.is_valid() else {}
    since = data.get("sejak")
    region = data.get("wilayah") or ""
    institution_ids: set[int] | None = None
    areas: list[str] | None = None
    if analyst:
        if not region and not access.is_system_admin(request.user):
            areas = access.region_codes(request.user, Action.ANALYTICS_VIEW)
    else:
        institution_ids = access.referral_institution_ids(request.user)
        region = ""
    rows = selectors.referral_totals_by_institution(
        since=since, region_code=region or None, region_codes=areas, institution_ids=institution_ids
    )
    for row in rows:
        rate = selectors.approval_rate(row)
        row["approval_rate"] = round(rate * 100) if rate is not None else None
    total = {
        key: sum(r[key] for r in rows)
        for key in ("referred", "approved", "declined", "disbursed", "amount_approved", "amount_disbursed")
    }
    rate = selectors.approval_rate(total)
    total["approval_rate"] = round(rate * 100) if rate is not None else None
    return TemplateResponse(
        request,
        "financing/figures.html",
        {"rows": rows, "total": total, "form": form, "analyst": analyst, "since": since, "region": region},
    )


def _export_form(request: AuthedHttpRequest) -> tuple[RegionChoiceForm, str]:
    if not access.can(request.user, Action.PARTICIPANT_EXPORT):
        raise PermissionDenied
    regions = export.regions_for(request.user, Action.PARTICIPANT_EXPORT)
    form = RegionChoiceForm(request.GET or None, regions=regions, everything=_("All my areas"))
    region = form.cleaned_data.get("wilayah", "") if form.is_valid() else ""
    return form, region


@login_required
@require_http_methods(["GET"])
def export_page(request: AuthedHttpRequest) -> HttpResponse:
    """What the SIKP export holds, column by column, and how many rows the chosen area gives."""
    form, region = _export_form(request)
    count = export.kur_candidates(user=request.user, region_code=region).count()
    return TemplateResponse(
        request,
        "financing/export.html",
        {"form": form, "region": region, "count": count, "columns": export.COLUMNS},
    )


@login_required
@require_http_methods(["GET"])
def export_csv(request: AuthedHttpRequest) -> HttpResponse:
    _form, region = _export_form(request)
    if request.GET.get("wilayah") and not region:
        raise PermissionDenied
    result = export.kur_debtors_csv(user=request.user, region_code=region)
    response = HttpResponse(result.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response["Cache-Control"] = "no-store"
    return response
