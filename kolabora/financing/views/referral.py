"""One referral: its page for everyone who may see it, the institution's steps, withdrawing, the bankable
report, and the institution's inbox."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.core.timeutils import today
from kolabora.organisations.choices import DataCategory
from kolabora.participants.choices import Sector

from .. import selectors, services
from ..choices import APPROVED_GROUP, DeclineCategory, ReferralStatus
from ..forms import (
    ApproveForm,
    DeclineForm,
    DisburseForm,
    WithdrawForm,
)
from ..models import Referral
from .participant import _home_url

# --- one referral ---------------------------------------------------------------------------------------------


def _sector_label(code: str) -> str:
    return str(Sector(code).label) if code in Sector.values else code


def _package_context(request: AuthedHttpRequest, referral: Referral) -> dict[str, Any]:
    """What the viewer may see of the shared package: the referral's categories and the viewer's own."""
    participant = referral.participant
    allowed = set(access.participant_data_categories(request.user, participant))
    shared = set(referral.package.get("categories", []))
    categories = allowed & shared if not access.is_self(request.user, participant) else shared
    return {
        "categories": sorted(categories),
        "category_labels": [str(DataCategory(c).label) for c in DataCategory.values if c in shared],
        "show_identity": DataCategory.IDENTITY in categories,
        "show_contact": DataCategory.CONTACT in categories,
        "show_business": DataCategory.BUSINESS in categories and "business" in referral.package,
        "show_licence": DataCategory.LICENCES in categories and "licence" in referral.package,
        "show_report": DataCategory.FINANCIAL in categories and referral.package.get("bankable_report"),
        "full_nik": access.can(request.user, Action.PARTICIPANT_NIK, participant),
        "business_data": referral.package.get("business", {}),
        "sector_label": _sector_label(referral.package.get("business", {}).get("sector", "")),
        "licence_data": referral.package.get("licence", {}),
    }


def _referral_page(
    request: AuthedHttpRequest, referral: Referral, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    forms = forms or {}
    may_decide = access.can_decide_referral(request.user, referral)
    is_self = access.is_self(request.user, referral.participant)
    may_withdraw = referral.is_undecided and access.can_refer(request.user, referral.participant)
    context: dict[str, Any] = {
        "referral": referral,
        "status_label": ReferralStatus(referral.status).label,
        "steps": selectors.referral_steps(referral),
        "may_decide": may_decide,
        "may_withdraw": may_withdraw,
        "is_self": is_self,
        "home_url": _home_url(request, referral.participant)
        if access.can_refer(request.user, referral.participant)
        else "",
        "inbox": bool(access.referral_institution_ids(request.user)),
        "decline_label": DeclineCategory(referral.decline_category).label
        if referral.decline_category
        else "",
        "approved": referral.status in APPROVED_GROUP,
        **_package_context(request, referral),
    }
    if may_decide:
        products = services.products_for(referral.institution)
        context["products"] = products
        if referral.status == ReferralStatus.IN_REVIEW:
            context["approve_form"] = forms.get("approve") or ApproveForm(products=products)
            context["decline_form"] = forms.get("decline") or DeclineForm()
        elif referral.status == ReferralStatus.APPROVED:
            context["disburse_form"] = forms.get("disburse") or DisburseForm(
                initial={"disbursed_on": today(), "amount": referral.approved_amount}
            )
    if may_withdraw:
        context["withdraw_form"] = forms.get("withdraw") or WithdrawForm()
    return TemplateResponse(request, "financing/referral.html", context, status=status)


def _viewer_organisation(request: AuthedHttpRequest, referral: Referral) -> Any:
    return (
        referral.institution
        if referral.institution_id in access.referral_institution_ids(request.user)
        else access.acting_organisation(
            request.user, Action.PARTICIPANT_VIEW, referral.participant.kelurahan_id
        )
    )


def _audit_view(request: AuthedHttpRequest, referral: Referral, what: dict[str, Any]) -> None:
    if access.is_self(request.user, referral.participant):
        return
    audit_record(
        actor=request.user,
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=referral.participant,
        organisation=_viewer_organisation(request, referral),
        after={"referral": referral.pk, **what},
    )


@login_required
@require_http_methods(["GET"])
def referral_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = access.access_referral(request.user, pk)
    categories = _package_context(request, referral)["categories"]
    _audit_view(request, referral, {"page": "financing_referral", "categories": categories})
    return _referral_page(request, referral)


def _acted(request: AuthedHttpRequest, referral: Referral, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("financing:referral", pk=referral.pk)


def _refused(
    request: AuthedHttpRequest, referral: Referral, exc: ValidationError, key: str, form: Any
) -> HttpResponse:
    """A service said no. Field problems go back on the form; a referral that moved on is told as a message."""
    if hasattr(exc, "error_dict") and set(exc.error_dict) & set(form.fields):
        apply_validation_error(form, exc)
        return _referral_page(request, referral, forms={key: form}, status=422)
    messages.error(request, " ".join(exc.messages))
    return redirect("financing:referral", pk=referral.pk)


def _bank_referral(request: AuthedHttpRequest, pk: int) -> Referral:
    referral = access.access_referral(request.user, pk)
    if not access.can_decide_referral(request.user, referral):
        raise PermissionDenied
    return referral


@login_required
@require_POST
def review(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = _bank_referral(request, pk)
    try:
        services.referral_review_start(referral=referral, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("financing:referral", pk=referral.pk)
    return _acted(request, referral, _("Taken into review. The participant and the referrer are told."))


@login_required
@require_POST
def approve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = _bank_referral(request, pk)
    form = ApproveForm(request.POST, products=services.products_for(referral.institution))
    if not form.is_valid():
        return _referral_page(request, referral, forms={"approve": form}, status=422)
    data = form.cleaned_data
    try:
        done = services.referral_approve(
            referral=referral,
            actor=request.user,
            approval=services.Approval(
                product=data["product"],
                amount=data["amount"],
                rate=data["rate"],
                tenor_months=data["tenor_months"],
            ),
        )
    except ValidationError as exc:
        return _refused(request, referral, exc, "approve", form)
    if done.stage_note:
        messages.warning(
            request,
            _("Approved. The programme step P7 could not be marked complete: %(rule)s")
            % {"rule": done.stage_note},
        )
        return redirect("financing:referral", pk=referral.pk)
    return _acted(request, referral, _("Approved. Record the payout here once the money is paid out."))


@login_required
@require_POST
def decline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = _bank_referral(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, referral, forms={"decline": form}, status=422)
    try:
        services.referral_decline(
            referral=referral,
            actor=request.user,
            category=form.cleaned_data["category"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        return _refused(request, referral, exc, "decline", form)
    return _acted(request, referral, _("Declined. The participant sees the reason and your explanation."))


@login_required
@require_POST
def disburse(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = _bank_referral(request, pk)
    form = DisburseForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, referral, forms={"disburse": form}, status=422)
    try:
        services.referral_disburse(
            referral=referral,
            actor=request.user,
            disbursed_on=form.cleaned_data["disbursed_on"],
            amount=form.cleaned_data["amount"],
        )
    except ValidationError as exc:
        return _refused(request, referral, exc, "disburse", form)
    return _acted(request, referral, _("Disbursement recorded."))


@login_required
@require_POST
def withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = access.access_referral(request.user, pk)
    if not access.can_refer(request.user, referral.participant):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, referral, forms={"withdraw": form}, status=422)
    try:
        services.referral_withdraw(referral=referral, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _refused(request, referral, exc, "withdraw", form)
    return _acted(request, referral, _("The referral is withdrawn; the institution is told."))


@login_required
@require_http_methods(["GET"])
def report(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """The bankable report of the referred business over the last months, from its books; for whoever may
    receive the participant's financial statements. Every copy made is audited (as the bookkeeping pages do):
    it is personal financial data leaving the platform."""
    referral = access.access_referral(request.user, pk)
    context = _package_context(request, referral)
    if not context["show_report"] and not access.is_self(request.user, referral.participant):
        raise PermissionDenied
    if not referral.package.get("bankable_report"):
        raise Http404
    from kolabora.bookkeeping.reports import bankable_report_pdf

    months = int(referral.package.get("report_months") or services.REPORT_MONTHS)
    pdf = bankable_report_pdf(business=referral.business, months=months)
    audit_record(
        actor=request.user,
        action=AuditAction.BANKABLE_REPORT_ISSUED,
        obj=referral.participant,
        organisation=None
        if access.is_self(request.user, referral.participant)
        else _viewer_organisation(request, referral),
        after={"business": referral.business_id, "months": months, "referral": referral.pk},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"laporan-keuangan-{referral.business.pk}-{timezone.localdate():%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Content-Security-Policy"] = "sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- the institution's inbox ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def inbox(request: AuthedHttpRequest) -> HttpResponse:
    """The referrals of the user's institutions: what to pick up, decide and pay out, the most urgent first."""
    if not access.referral_institution_ids(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    rows = selectors.bank_inbox(user=request.user, status=status)
    counts = selectors.bank_counts(user=request.user)
    chips: list[tuple[str, str, int]] = [
        ("", _("To do"), sum(counts.get(s, 0) for s in ("received", "in_review", "approved")))
    ]
    chips += [(s.value, str(s.label), counts.get(s.value, 0)) for s in ReferralStatus]
    return TemplateResponse(
        request,
        "financing/inbox.html",
        {"rows": rows, "status": status, "chips": chips, "overdue": sum(1 for r in rows if r.overdue)},
    )
