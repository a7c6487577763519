"""The participant's page (and the same page for staff who refer them): eligibility, the loan declaration,
making a referral."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.forms_self import CONSENT_EXPLANATIONS
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant

from .. import selectors, services
from ..choices import ACTIVE
from ..eligibility import eligibility_check
from ..forms import (
    LoanDeclarationForm,
    ReferralForm,
)
from ..models import FinancingProduct

# --- the participant's side --------------------------------------------------------------------------------


def _participant_of(user: Any) -> Participant | None:
    participant: Participant | None = getattr(user, "participant", None)
    if participant is None or participant.status != "active":
        return None
    return participant


def _home_url(request: AuthedHttpRequest, participant: Participant) -> str:
    if access.is_self(request.user, participant):
        return reverse("financing:mine")
    return reverse("financing:participant", args=[participant.pk])


def _referrable(user: Any, pk: int) -> Participant:
    participant = access.access_participant(user, pk, Action.PARTICIPANT_VIEW)
    if not access.can_refer(user, participant):
        raise PermissionDenied
    return participant


def _home(
    request: AuthedHttpRequest,
    participant: Participant,
    *,
    declaration_form: LoanDeclarationForm | None = None,
    referral_form: ReferralForm | None = None,
    status: int = 200,
) -> HttpResponse:
    is_self = access.is_self(request.user, participant)
    check = eligibility_check(participant)
    referrals = selectors.participant_referrals(user=request.user, participant=participant)
    institutions = services.institutions_for(participant)
    active = {r.institution_id for r in referrals if r.status in ACTIVE}
    open_to = [o for o in institutions if o.pk not in active]
    needs_consent = services.consent_needed(participant)
    may_refer = all(check.passed(code) for code in services.REFERRAL_RULES if code != "consent")
    if declaration_form is None:
        initial = {}
        if check.declaration is not None:
            initial = {
                "has_loan": LoanDeclarationForm.YES
                if check.declaration.has_productive_loan
                else LoanDeclarationForm.NO,
                "lender": check.declaration.lender,
            }
        declaration_form = LoanDeclarationForm(initial=initial)
    if referral_form is None and may_refer and open_to:
        referral_form = ReferralForm(
            participant=participant, institutions=open_to, needs_consent=needs_consent, for_self=is_self
        )
    return TemplateResponse(
        request,
        "financing/eligibility.html",
        {
            "participant": participant,
            "is_self": is_self,
            "check": check,
            "referrals": referrals,
            "institutions": institutions,
            "open_to": open_to,
            "may_refer": may_refer,
            "needs_consent": needs_consent,
            "consent_text": CONSENT_EXPLANATIONS[ConsentPurpose.FINANCIAL_INSTITUTIONS],
            "declaration_form": declaration_form,
            "referral_form": referral_form,
            "age_only_failed": check.failed == ["age"],
            "products": FinancingProduct.objects.filter(is_active=True).order_by("order", "code"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """The participant's own eligibility and referrals."""
    participant = _participant_of(request.user)
    if participant is None:
        # Staff have no credit of their own: point them at their work.
        return TemplateResponse(
            request,
            "financing/no_participant.html",
            {
                "inbox": bool(access.referral_institution_ids(request.user)),
                "follows": access.can(request.user, Action.REFERRAL_CREATE),
                "figures": access.can_view_referral_figures(request.user),
            },
        )
    return _home(request, participant)


@login_required
@require_http_methods(["GET"])
def participant_home(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    """The same page for staff who may refer the participant (mentor, kecamatan, community)."""
    return _home(request, _referrable(request.user, participant_pk))


@login_required
@require_POST
def declare(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    participant = _referrable(request.user, participant_pk)
    form = LoanDeclarationForm(request.POST)
    if form.is_valid():
        has_loan = form.cleaned_data["has_loan"] == LoanDeclarationForm.YES
        try:
            services.loan_declaration_record(
                participant=participant,
                has_productive_loan=has_loan,
                lender=form.cleaned_data["lender"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Recorded: the business has a current productive loan.")
                if has_loan
                else _("Recorded: no current productive loan."),
            )
            return redirect(_home_url(request, participant) + "#loan")
    return _home(request, participant, declaration_form=form, status=422)


@login_required
@require_POST
def refer(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    participant = _referrable(request.user, participant_pk)
    needs_consent = services.consent_needed(participant)
    institutions = services.institutions_for(participant)
    form = ReferralForm(
        request.POST,
        participant=participant,
        institutions=institutions,
        needs_consent=needs_consent,
        for_self=access.is_self(request.user, participant),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if needs_consent:
                    consent_grant(
                        participant=participant,
                        purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS,
                        actor=request.user,
                    )
                referral = services.referral_create(
                    participant=participant,
                    data=services.ReferralInput(
                        business=data["business"],
                        institution=data["institution"],
                        requested_amount=data["requested_amount"],
                        purpose=data["purpose"],
                        note=data["note"],
                    ),
                    actor=request.user,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            handoff = selectors.referral_steps(referral)[-1]
            messages.success(
                request,
                _(
                    "Referred to %(institution)s. It takes the referral into review by %(date)s; follow it here."
                )
                % {"institution": referral.institution.name, "date": date_format(handoff.due_on)},
            )
            return redirect("financing:referral", pk=referral.pk)
    return _home(request, participant, referral_form=form, status=422)
