"""The cash book pages: the entry screen, cancelling an entry, receipts, the monthly summary, the
statements, declaring assets and liabilities, and the bankable PDF.

Each view: ``require_http_methods`` → ``selectors.access_*`` (404 absent, 403 not allowed) → form →
service → render; a refused write is told on the form, nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.core.timeutils import today
from kolabora.participants.models import Business, Participant

from .. import selectors, services
from ..forms import DeclarationForm, EntryForm, VoidForm, entry_initial
from ..models import BalanceDeclaration, CashEntry, CashMonth
from ..months import add_months, month_end, month_param, month_start, parse_month
from ..reports import MONTHS_MAX, bankable_report_pdf
from .common import audit_view, book_context, staff_may_list

RECENT = 12
REPORT_CHOICES = (3, 6, 12)


def _own_participant(user: Any) -> Participant | None:
    participant: Participant | None = getattr(user, "participant", None)
    if participant is None or participant.status != "active":
        return None
    return participant


@login_required
@require_http_methods(["GET"])
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """The participant's cash book (a choice when they run several businesses); staff go to their list."""
    participant = _own_participant(request.user)
    if participant is None:
        if any(staff_may_list(request.user)):
            return redirect("bookkeeping:consistency")
        raise PermissionDenied
    businesses = list(participant.businesses.order_by("created_at", "id"))
    if len(businesses) == 1:
        return redirect("bookkeeping:cashbook", business_pk=businesses[0].pk)
    return TemplateResponse(
        request,
        "bookkeeping/choose.html",
        {"participant": participant, "businesses": businesses, "is_self": True},
    )


@login_required
@require_http_methods(["GET"])
def participant_home(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    """A participant's cash books, for staff who may read them (straight to the book when there is one)."""
    participant = Participant.objects.select_related("kelurahan").filter(pk=participant_pk).first()
    if participant is None or participant.status != "active":
        raise Http404
    if not access.can_view_cashbook(request.user, participant):
        raise PermissionDenied
    businesses = list(participant.businesses.order_by("created_at", "id"))
    if len(businesses) == 1:
        return redirect("bookkeeping:cashbook", business_pk=businesses[0].pk)
    return TemplateResponse(
        request,
        "bookkeeping/choose.html",
        {
            "participant": participant,
            "businesses": businesses,
            "is_self": access.is_self(request.user, participant),
        },
    )


def _last_category(business: Business) -> str | None:
    return (
        CashEntry.objects.filter(business=business, voided_at__isnull=True, category__is_active=True)
        .order_by("-created_at", "-id")
        .values_list("category__code", flat=True)
        .first()
    )


def _day_param(request: AuthedHttpRequest) -> dt.date | None:
    """``?tgl=2026-03-31``: the date the form starts with (after back-filling an earlier day)."""
    try:
        day = dt.date.fromisoformat(request.GET.get("tgl", ""))
    except ValueError:
        return None
    return day if day <= today() else None


def _cashbook_context(
    request: AuthedHttpRequest, business: Business, form: EntryForm | None, saved: CashEntry | None = None
) -> dict[str, Any]:
    day = today()
    context = book_context(request, business, "cashbook")
    month = CashMonth.objects.filter(business=business, month=month_start(day)).first()
    if form is None and context["can_keep"]:
        form = EntryForm(initial=entry_initial(day=_day_param(request), category=_last_category(business)))
    return {
        **context,
        "form": form,
        "saved": saved,
        "month": month,
        "this_month": month_start(day),
        "c": selectors.consistency(business=business, today=day),
        "recent": list(
            CashEntry.objects.filter(business=business)
            .select_related("category", "recorded_by")
            .order_by("-occurred_on", "-id")[:RECENT]
        ),
        "void_form": VoidForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def cashbook(request: AuthedHttpRequest, business_pk: int) -> HttpResponse:
    """The entry screen: one short form, this month's totals, the streak, the latest entries. With htmx a
    saved entry redraws only the book (the form comes back empty with the same date and category)."""
    business = selectors.access_business(request.user, business_pk, keep=request.method == "POST")
    template = "bookkeeping/cashbook.html"
    if request.method == "GET":
        audit_view(request, business, "cashbook")
        return TemplateResponse(request, template, _cashbook_context(request, business, None))
    form = EntryForm(request.POST, request.FILES)
    entry: CashEntry | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_record(
                business=business,
                actor=request.user,
                data=services.EntryInput(
                    occurred_on=data["occurred_on"],
                    category=data["category"],
                    amount=data["amount"],
                    note=data["note"],
                    receipt=data["receipt"],
                ),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
    if entry is None:
        if is_htmx(request):
            return TemplateResponse(
                request, template + "#book", _cashbook_context(request, business, form), status=422
            )
        return TemplateResponse(request, template, _cashbook_context(request, business, form), status=422)
    if is_htmx(request):
        fresh = EntryForm(initial=entry_initial(day=entry.occurred_on, category=entry.category.code))
        # Ready for the next entry at once (a phone opens its number pad).
        fresh.fields["amount"].widget.attrs["autofocus"] = True
        return TemplateResponse(
            request, template + "#book", _cashbook_context(request, business, fresh, entry)
        )
    messages.success(
        request,
        _("Saved: %(category)s %(amount)s.") % {"category": entry.category.name, "amount": _rp(entry.amount)},
    )
    url = reverse("bookkeeping:cashbook", args=[business.pk])
    if entry.occurred_on != today():
        url += f"?tgl={entry.occurred_on.isoformat()}"
    return redirect(url)


def _rp(amount: int) -> str:
    from ..templatetags.bookkeeping_extras import rp

    return rp(amount)


def _next(request: AuthedHttpRequest, fallback: str) -> str:
    """Where to go back to: a page of this site named in the form, else ``fallback``."""
    target = request.POST.get("next", "")
    return target if target.startswith("/pembukuan/") and "//" not in target else fallback


@login_required
@require_POST
def entry_void(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    entry = selectors.access_entry(request.user, pk, keep=True)
    form = VoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.entry_void(entry=entry, actor=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Cancelled: %(category)s %(amount)s of %(date)s. It no longer counts in any total.")
            % {
                "category": entry.category.name,
                "amount": _rp(entry.amount),
                "date": entry.occurred_on.strftime("%d/%m/%Y"),
            },
        )
    return redirect(_next(request, reverse("bookkeeping:cashbook", args=[entry.business_id])))


@login_required
@require_http_methods(["GET"])
def receipt(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """A receipt photo, to those who may read the cash book; never cached, audited for staff."""
    entry = selectors.access_entry(request.user, pk)
    if not entry.receipt:
        raise Http404
    audit_view(request, entry.business, f"receipt:{entry.pk}")
    response = FileResponse(entry.receipt.open("rb"), as_attachment=False, filename=f"struk-{entry.pk}.jpg")
    response["Content-Type"] = "image/jpeg"
    response["Content-Security-Policy"] = "sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET"])
def summary(request: AuthedHttpRequest, business_pk: int) -> HttpResponse:
    """Twelve months side by side, and one month (``?bulan=2026-03``) by category with its entries."""
    business = selectors.access_business(request.user, business_pk)
    day = today()
    this_month = month_start(day)
    chosen = parse_month(request.GET.get("bulan")) or this_month
    chosen = min(chosen, this_month)
    # Twelve months at most, from the first month with entries (no rows of zeros before the book began).
    first = add_months(this_month, -11)
    started = (
        CashEntry.objects.filter(business=business, voided_at__isnull=True).order_by("occurred_on").first()
    )
    if started is not None:
        first = max(first, month_start(started.occurred_on))
    rows = selectors.month_rows(business=business, first=min(first, chosen), last=this_month)
    audit_view(request, business, "summary")
    return TemplateResponse(
        request,
        "bookkeeping/summary.html",
        {
            **book_context(request, business, "summary"),
            "rows": list(reversed(rows)),
            "chosen": chosen,
            "previous": add_months(chosen, -1),
            "next": add_months(chosen, 1) if chosen < this_month else None,
            "s": selectors.income_statement(business=business, start=chosen, end=month_end(chosen)),
            "entries": list(
                CashEntry.objects.filter(
                    business=business, occurred_on__gte=chosen, occurred_on__lte=month_end(chosen)
                )
                .select_related("category", "recorded_by")
                .order_by("-occurred_on", "-id")
            ),
            "void_form": VoidForm(),
            "month_param": month_param(chosen),
        },
    )


def _period(request: AuthedHttpRequest) -> tuple[dt.date, dt.date, str]:
    """(first month, last month, the quick choice it matches) from ``?dari=…&sampai=…`` or ``?periode=…``."""
    this_month = month_start(today())
    quick = {
        "bulan-ini": (this_month, this_month),
        "3-bulan": (add_months(this_month, -2), this_month),
        "6-bulan": (add_months(this_month, -5), this_month),
        "tahun-ini": (this_month.replace(month=1), this_month),
    }
    chosen = request.GET.get("periode", "")
    if chosen in quick:
        return *quick[chosen], chosen
    first = parse_month(request.GET.get("dari"))
    last = parse_month(request.GET.get("sampai"))
    if first is None and last is None:
        return *quick["6-bulan"], "6-bulan"
    last = min(last or this_month, this_month)
    first = first or add_months(last, -5)
    if first > last:
        first, last = last, first
    first = max(first, add_months(last, -(MONTHS_MAX - 1)))
    return first, last, ""


@login_required
@require_http_methods(["GET"])
def statements(request: AuthedHttpRequest, business_pk: int) -> HttpResponse:
    """The income statement for a period and the latest financial position, in the shape of SAK EMKM."""
    business = selectors.access_business(request.user, business_pk)
    first, last, quick = _period(request)
    end = min(month_end(last), today())
    declared = selectors.position(business=business)
    audit_view(request, business, "statements")
    return TemplateResponse(
        request,
        "bookkeeping/statements.html",
        {
            **book_context(request, business, "statements"),
            "first": first,
            "last": last,
            "end": end,
            "quick": quick,
            "quick_choices": [
                ("bulan-ini", _("This month")),
                ("3-bulan", _("3 months")),
                ("6-bulan", _("6 months")),
                ("tahun-ini", _("This year")),
            ],
            "dari": month_param(first),
            "sampai": month_param(last),
            "s": selectors.income_statement(business=business, start=first, end=end),
            "position": declared,
            "check": selectors.cash_check(business=business, closing=declared),
            "report_choices": REPORT_CHOICES,
            "report_first": selectors.report_period(today=today(), months=6)[0],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: AuthedHttpRequest, business_pk: int) -> HttpResponse:
    """Declare what the business owns and owes (the statement of financial position's figures)."""
    business = selectors.access_business(request.user, business_pk, keep=request.method == "POST")
    latest = selectors.position(business=business)
    status = 200
    if request.method == "POST":
        form = DeclarationForm(request.POST)
        if form.is_valid():
            try:
                row = services.balance_declare(
                    business=business,
                    actor=request.user,
                    as_of=form.cleaned_data["as_of"],
                    amounts=form.amounts(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Declared for %(date)s: equity %(equity)s.")
                    % {"date": row.as_of.strftime("%d/%m/%Y"), "equity": _rp(row.equity)},
                )
                return redirect("bookkeeping:statements", business_pk=business.pk)
        status = 422
    else:
        audit_view(request, business, "declarations")
        initial: dict[str, Any] = {"as_of": today()}
        if latest is not None:
            # As people write them (1.500.000); the field reads the dots back.
            initial.update(
                {name: _rp(getattr(latest, name)).replace("Rp ", "") for name in BalanceDeclaration.AMOUNTS}
            )
        form = DeclarationForm(initial=initial)
    context = book_context(request, business, "statements")
    return TemplateResponse(
        request,
        "bookkeeping/declare.html",
        {
            **context,
            "form": form if context["can_keep"] else None,
            "history": list(BalanceDeclaration.objects.filter(business=business).order_by("-as_of")[:24]),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def report_pdf(request: AuthedHttpRequest, business_pk: int) -> HttpResponse:
    """The bankable report as PDF over the last ``?bulan=`` complete months (6 by default). Every copy
    made is audited: it is personal financial data leaving the platform."""
    business = selectors.access_business(request.user, business_pk)
    try:
        months = int(request.GET.get("bulan", "6"))
    except ValueError:
        months = 6
    months = max(1, min(MONTHS_MAX, months))
    participant = business.participant
    audit_record(
        actor=request.user,
        action=AuditAction.BANKABLE_REPORT_ISSUED,
        obj=participant,
        organisation=None
        if access.is_self(request.user, participant)
        else access.acting_organisation(request.user, access.Action.CASHBOOK_VIEW, participant.kelurahan_id),
        after={"business": business.pk, "months": months},
    )
    pdf = bankable_report_pdf(business=business, months=months)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="laporan-keuangan-{business.pk}-{today():%Y%m%d}.pdf"'
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
