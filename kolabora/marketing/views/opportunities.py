"""Marketing opportunities (``/pemasaran/peluang/``).

Organisers (a government office's staff, or a partner's staff under an agreement covering P5) and staff
overseeing the region create an opportunity, see its applications, allocate the places by the rotation rule
(every decision shown with its reasons) and record who took part. Participants see the opportunities open
to them, apply (or are applied for by staff helping them) and see why they got a place or wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.core.timeutils import today
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant

from .. import selectors, services
from ..choices import HOLDS_SLOT, IN_RUNNING, ApplicationStatus, OpportunityStatus
from ..forms import ApplyForm, OpportunityForm
from ..models import Opportunity, OpportunityApplication
from ._common import participant_of
from .products import WITHDRAWABLE


def _opportunity(user: Any, pk: int) -> Opportunity:
    opportunity = Opportunity.objects.select_related("organiser", "region").filter(pk=pk).first()
    if opportunity is None:
        raise Http404
    if not access.can_view_opportunity(user, opportunity):
        raise PermissionDenied
    return opportunity


def _managed(user: Any, pk: int) -> Opportunity:
    opportunity = _opportunity(user, pk)
    if not access.can_manage_opportunity(user, opportunity):
        raise PermissionDenied
    return opportunity


@login_required
@require_http_methods(["GET"])
def opportunity_list(request: AuthedHttpRequest) -> HttpResponse:
    """Participants: what is open to them and their applications. Staff: what they run or oversee."""
    participant = participant_of(request.user)
    managed = list(selectors.managed_opportunities(request.user)) if access.memberships(request.user) else []
    return TemplateResponse(
        request,
        "marketing/staff/opportunity_list.html",
        {
            "participant": participant,
            "open": list(selectors.open_opportunities(participant)) if participant else [],
            "applications": list(selectors.participant_applications(participant)) if participant else [],
            "managed": managed,
            "can_create": bool(access.organising_organisations(request.user)),
            "today": today(),
        },
    )


def _input(data: dict[str, Any], organiser: Any) -> services.OpportunityInput:
    return services.OpportunityInput(
        organiser=organiser,
        kind=data["kind"],
        title=data["title"],
        description=data.get("description") or "",
        location=data.get("location") or "",
        region=data["region"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        apply_by=data["apply_by"],
        slots=data["slots"],
        product_required=bool(data.get("product_required")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request: AuthedHttpRequest) -> HttpResponse:
    organisations = access.organising_organisations(request.user)
    partner_without_agreement = not organisations and any(
        m.role in access.OPPORTUNITY_PARTNER_ROLES for m in access.memberships(request.user)
    )
    if not organisations and not partner_without_agreement:
        raise PermissionDenied
    form = OpportunityForm(request.POST or None, user=request.user)
    status = 200
    if organisations and request.method == "POST":
        if form.is_valid():
            try:
                opportunity = services.opportunity_create(
                    data=_input(form.cleaned_data, form.cleaned_data["organiser"]), actor=request.user
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request, _("“%(title)s” is open for applications.") % {"title": opportunity.title}
                )
                return redirect("marketing:opportunity", pk=opportunity.pk)
        status = 422
    elif request.method == "POST":
        status = 403
    return TemplateResponse(
        request,
        "marketing/staff/opportunity_form.html",
        {"form": form, "opportunity": None, "no_agreement": partner_without_agreement},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = _managed(request.user, pk)
    form = OpportunityForm(
        request.POST or None,
        user=request.user,
        editing=opportunity,
        initial=OpportunityForm.initial_for(opportunity),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.opportunity_update(
                    opportunity=opportunity,
                    data=_input(form.cleaned_data, opportunity.organiser),
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("marketing:opportunity", pk=opportunity.pk)
        status = 422
    return TemplateResponse(
        request,
        "marketing/staff/opportunity_form.html",
        {"form": form, "opportunity": opportunity, "no_agreement": False},
        status=status,
    )


@dataclass(frozen=True)
class ApplicantRow:
    application: OpportunityApplication
    name: str
    visible: bool
    reasons: list[str]


def _applicant_rows(user: Any, applications: list[OpportunityApplication]) -> list[ApplicantRow]:
    """Names only of participants the user may see now (a partner loses them when consent is withdrawn)."""
    visible = set(
        access.scope(
            user,
            Participant.objects.filter(pk__in={a.participant_id for a in applications}),
            Action.PARTICIPANT_VIEW,
        ).values_list("pk", flat=True)
    )
    return [
        ApplicantRow(
            application=a,
            name=a.participant.full_name
            if a.participant_id in visible
            else _("Participant (data not shared)"),
            visible=a.participant_id in visible,
            reasons=selectors.explanation_lines(a),
        )
        for a in applications
    ]


def _detail(
    request: AuthedHttpRequest,
    opportunity: Opportunity,
    *,
    apply_form: ApplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manages = access.can_manage_opportunity(request.user, opportunity)
    participant = participant_of(request.user)
    mine = (
        OpportunityApplication.objects.filter(opportunity=opportunity, participant=participant)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("product")
        .first()
        if participant
        else None
    )
    refusal = services.apply_refusal(opportunity, participant) if participant and not mine else None
    if participant and not mine and not refusal and apply_form is None:
        apply_form = ApplyForm(
            participant=participant,
            product_required=opportunity.product_required,
            needs_consent=services.needs_marketplace_consent(opportunity, participant),
        )
    context: dict[str, Any] = {
        "opportunity": opportunity,
        "manages": manages,
        "participant": participant,
        "mine": mine,
        "my_reasons": selectors.explanation_lines(mine) if mine else [],
        "refusal": refusal,
        "can_withdraw": bool(mine and mine.status in WITHDRAWABLE and opportunity.starts_on > today()),
        "apply_form": apply_form,
        "today": today(),
    }
    if manages:
        applications = list(
            opportunity.applications.exclude(status=ApplicationStatus.WITHDRAWN)
            .select_related("participant", "product")
            .order_by(F("rank").asc(nulls_last=True), "applied_at", "pk")
        )
        rows = _applicant_rows(request.user, applications)
        given = [r for r in rows if r.application.status in HOLDS_SLOT]
        free = max(opportunity.slots - len(given), 0)
        context.update(
            {
                "given": given,
                "waiting": [r for r in rows if r.application.status in IN_RUNNING],
                "free": free,
                "can_allocate": free > 0
                and opportunity.status != OpportunityStatus.CANCELLED
                and opportunity.ends_on >= today()
                and any(r.application.status in IN_RUNNING for r in rows),
                "can_record": bool(given) and today() >= opportunity.starts_on,
                "can_cancel": opportunity.status != OpportunityStatus.CANCELLED
                and opportunity.ends_on >= today(),
            }
        )
    return TemplateResponse(request, "marketing/staff/opportunity.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def opportunity_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _opportunity(request.user, pk))


@login_required
@require_POST
def opportunity_apply(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Apply: the participant for themselves, or staff for the participant named in ``participant``."""
    opportunity = _opportunity(request.user, pk)
    own = participant_of(request.user)
    raw = request.POST.get("participant")
    if raw:
        try:
            participant = access.access_participant(request.user, int(raw), Action.PARTICIPANT_VIEW)
        except ValueError:
            raise Http404 from None
    elif own is not None:
        participant = own
    else:
        raise PermissionDenied
    if not access.can_market_for(request.user, participant):
        raise PermissionDenied
    for_self = access.is_self(request.user, participant)
    needs_consent = services.needs_marketplace_consent(opportunity, participant)
    form = ApplyForm(
        request.POST,
        participant=participant,
        product_required=opportunity.product_required,
        needs_consent=needs_consent,
        for_self=for_self,
    )
    back = "marketing:opportunity" if for_self else None
    if form.is_valid():
        try:
            with transaction.atomic():
                if needs_consent:
                    consent_grant(
                        participant=participant, purpose=ConsentPurpose.MARKETPLACES, actor=request.user
                    )
                services.opportunity_apply(
                    opportunity=opportunity,
                    participant=participant,
                    product=form.cleaned_data.get("product"),
                    actor=request.user,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Application sent. Places are given by the rotation rule after %(date)s.")
                % {"date": date_format(opportunity.apply_by)},
            )
            if back:
                return redirect(back, pk=opportunity.pk)
            return redirect("marketing:participant", participant_pk=participant.pk)
    if for_self:
        return _detail(request, opportunity, apply_form=form, status=422)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("marketing:participant", participant_pk=participant.pk)


@login_required
@require_POST
def application_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        OpportunityApplication.objects.select_related("participant", "opportunity"), pk=pk
    )
    access.require(request.user, Action.PARTICIPANT_VIEW, application.participant)
    try:
        services.application_withdraw(application=application, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Application withdrawn."))
    if access.is_self(request.user, application.participant):
        return redirect("marketing:opportunity", pk=application.opportunity_id)
    return redirect("marketing:participant", participant_pk=application.participant_id)


@login_required
@require_POST
def opportunity_allocate(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = _managed(request.user, pk)
    try:
        result = services.opportunity_allocate(opportunity=opportunity, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(given)s place given by the rotation rule; %(waiting)s on the waiting list.",
                "%(given)s places given by the rotation rule; %(waiting)s on the waiting list.",
                len(result.allocated),
            )
            % {"given": len(result.allocated), "waiting": len(result.waitlisted)},
        )
    return redirect("marketing:opportunity", pk=opportunity.pk)


@login_required
@require_POST
def opportunity_cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = _managed(request.user, pk)
    try:
        services.opportunity_cancel(
            opportunity=opportunity, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("“%(title)s” is cancelled; the applicants are told why.") % {"title": opportunity.title},
        )
    return redirect("marketing:opportunity", pk=opportunity.pk)


@login_required
@require_POST
def attendance_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    opportunity = _managed(request.user, pk)
    try:
        attended = {int(v) for v in request.POST.getlist("attended")}
    except ValueError:
        attended = set()
        messages.error(request, _("Tick the participants who took part."))
        return redirect("marketing:opportunity", pk=opportunity.pk)
    try:
        refusals = services.attendance_record(opportunity=opportunity, actor=request.user, attended=attended)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Attendance saved."))
        for refusal in refusals:
            messages.info(request, _("P5 not complete yet for %(who)s") % {"who": refusal})
    return redirect("marketing:opportunity", pk=opportunity.pk)
