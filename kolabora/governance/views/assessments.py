"""Assessment pages: the instruments, rounds (create, open, close), answering, and the results.

Running rounds needs ``ASSESSMENT_MANAGE`` over the round's region; answering needs an invitation;
results need ``ANALYTICS_VIEW`` or ``ASSESSMENT_MANAGE`` over the round's region (or part of it, for
which only that part's results are shown).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.organisations.models import Organisation
from kolabora.regions.models import Region

from .. import services
from ..charts import radar_svg
from ..choices import Likert, RoundStatus
from ..exports import csv_response
from ..forms import ResponseForm, RoundForm, region_choices
from ..models import AssessmentRound, Dimension, Framework, Invitation, Item
from ..selectors import assessments as selectors


def _round(request: AuthedHttpRequest, pk: int) -> AssessmentRound:
    """The round, when the user may see it (manager, reader or invited); 404 when absent, 403 otherwise."""
    rnd = get_object_or_404(AssessmentRound.objects.select_related("framework", "region"), pk=pk)
    if not selectors.rounds_visible(request.user).filter(pk=rnd.pk).exists():
        raise PermissionDenied
    return rnd


@login_required
@require_http_methods(["GET"])
def instruments(request: AuthedHttpRequest) -> HttpResponse:
    """The frameworks, their dimensions and statements, as staff answer them."""
    if not selectors.may_read_instruments(request.user):
        raise PermissionDenied
    frameworks = Framework.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "dimensions",
            queryset=Dimension.objects.order_by("order").prefetch_related(
                Prefetch("items", queryset=Item.objects.filter(is_active=True).order_by("order"))
            ),
        )
    )
    return TemplateResponse(
        request, "governance/instruments.html", {"frameworks": frameworks, "scale": Likert.choices}
    )


@login_required
@require_http_methods(["GET"])
def rounds(request: AuthedHttpRequest) -> HttpResponse:
    """The rounds the user runs, reads or is invited to (staff only; the list is scoped)."""
    if not (access.memberships(request.user) or access.is_system_admin(request.user)):
        raise PermissionDenied
    visible = list(selectors.rounds_visible(request.user).order_by("-period_end", "-pk")[:100])
    invited = {
        i.round_id: i
        for i in Invitation.objects.filter(user_id=request.user.pk, round_id__in=[r.pk for r in visible])
    }
    can_manage = access.can_manage_assessment(request.user)
    rows = [
        {
            "round": r,
            "invitation": invited.get(r.pk),
            "to_answer": r.pk in invited
            and invited[r.pk].responded_at is None
            and r.status == RoundStatus.OPEN,
            "can_read": access.can_view_assessment_results(request.user, r.region_id),
        }
        for r in visible
    ]
    return TemplateResponse(
        request,
        "governance/rounds.html",
        {"rows": rows, "to_answer": [r for r in rows if r["to_answer"]], "can_manage": can_manage},
    )


def _round_form(request: AuthedHttpRequest) -> RoundForm:
    codes = access.governance_codes(request.user, Action.ASSESSMENT_MANAGE)
    organisations = access.scope(
        request.user, Organisation.objects.filter(is_active=True), Action.ORGANISATION_VIEW
    ).order_by("type", "name")
    return RoundForm(request.POST or None, regions=region_choices(codes), organisations=organisations)


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: AuthedHttpRequest) -> HttpResponse:
    if not access.can_manage_assessment(request.user):
        raise PermissionDenied
    form = _round_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = Region.objects.get(code=data["region"])
        try:
            rnd = services.round_create(
                actor=request.user,
                framework=data["framework"],
                title=data["title"],
                region=region,
                period_start=data["period_start"],
                period_end=data["period_end"],
                closes_on=data["closes_on"],
                organisations=data["organisations"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Round saved as a draft. Check it, then open it to invite the members.")
            )
            return redirect("governance:round", pk=rnd.pk)
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(request, "governance/round_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET"])
def round_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    invitation = selectors.invitation_for(request.user, rnd)
    can_manage = access.can_manage_assessment(request.user, rnd.region_id)
    can_read = access.can_view_assessment_results(request.user, rnd.region_id)
    rates: list[selectors.OrganisationRate] = []
    if can_manage or can_read:
        _invited, rates = selectors.organisation_rates(
            rnd, access.assessment_result_codes(request.user, rnd.region_id)
        )
    return TemplateResponse(
        request,
        "governance/round_detail.html",
        {
            "round": rnd,
            "invitation": invitation,
            "can_manage": can_manage,
            "can_read": can_read,
            "organisations": rnd.organisations.order_by("name"),
            "rates": rates,
            "items": len(services.framework_items(rnd.framework)),
        },
    )


@login_required
@require_POST
def round_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    try:
        done = services.round_open(round=rnd, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Round opened: %(n)s members were invited and notified.") % {"n": done.invited_count},
        )
    return redirect("governance:round", pk=rnd.pk)


@login_required
@require_POST
def round_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    try:
        services.round_close(round=rnd, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Round closed. The results are final."))
    return redirect("governance:round", pk=rnd.pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_respond(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(AssessmentRound.objects.select_related("framework", "region"), pk=pk)
    invitation = selectors.invitation_for(request.user, rnd)
    if invitation is None:
        raise PermissionDenied
    items = services.framework_items(rnd.framework)
    form = ResponseForm(request.POST or None, items=items)
    closed = rnd.status != RoundStatus.OPEN
    if request.method == "POST" and not closed and invitation.responded_at is None and form.is_valid():
        try:
            services.response_submit(
                round=rnd, actor=request.user, scores=form.scores(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("governance:round_respond", pk=rnd.pk)
    elif request.method == "POST" and (closed or invitation.responded_at is not None):
        messages.error(
            request,
            _("You have already answered this round; each member answers once.")
            if invitation.responded_at
            else _("This round is not open for answers."),
        )
        return redirect("governance:round_respond", pk=rnd.pk)
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "governance/round_respond.html",
        {"round": rnd, "invitation": invitation, "form": form, "closed": closed, "scale": Likert.choices},
        status=status,
    )


def _results(request: AuthedHttpRequest, pk: int) -> selectors.RoundResults:
    rnd = get_object_or_404(AssessmentRound.objects.select_related("framework", "region"), pk=pk)
    if not access.can_view_assessment_results(request.user, rnd.region_id):
        raise PermissionDenied
    return selectors.round_results(rnd, access.assessment_result_codes(request.user, rnd.region_id))


@login_required
@require_http_methods(["GET"])
def round_results(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    results = _results(request, pk)
    return TemplateResponse(
        request,
        "governance/round_results.html",
        {
            "results": results,
            "round": results.round,
            "radar": radar_svg(results),
            "min_respondents": selectors.MIN_RESPONDENTS,
            "part": results.codes is not None,
        },
    )


@login_required
@require_http_methods(["GET"])
def round_results_csv(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    results = _results(request, pk)
    table = request.GET.get("table", "")
    if table == "regions":
        labels = [d.label for d in results.dimensions]
        return csv_response(
            f"hasil-penilaian-{results.round.pk}-wilayah.csv",
            [_("Region"), _("People"), *labels],
            (
                [r.name, r.respondents, *[r.means.get(d.code) if r.shown else "" for d in results.dimensions]]
                for r in results.regions
            ),
        )
    if table == "rates":
        return csv_response(
            f"hasil-penilaian-{results.round.pk}-tingkat-jawaban.csv",
            [_("Organisation"), _("Invited"), _("Answered"), _("Rate")],
            ([r.name, r.invited, r.responded, r.rate] for r in results.rates),
        )
    rows: list[list[object]] = []
    if results.shown:
        previous = {d.code: d for d in results.previous_dimensions or []}
        for d in results.dimensions:
            rows.append([d.label, "", d.mean, d.answers, previous[d.code].mean if d.code in previous else ""])
            for part in d.parts:
                rows.append([d.label, part.label, part.mean, part.answers, ""])
    return csv_response(
        f"hasil-penilaian-{results.round.pk}.csv",
        [_("Dimension"), _("Part"), _("Mean score (1–5)"), _("Answers"), _("Previous round")],
        rows,
    )
