"""Pages for programme managers: organisations, their members, and agreements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.accounts.services import user_invite
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx

from . import selectors, services
from .choices import OrganisationType
from .forms import (
    AgreementFilterForm,
    AgreementForm,
    MembershipForm,
    OrganisationFilterForm,
    OrganisationForm,
    TerminateForm,
)
from .models import Membership, Organisation

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET"])
def organisation_list(request: AuthedHttpRequest) -> HttpResponse:
    if not access.can(request.user, Action.ORGANISATION_VIEW):
        raise access.PermissionDenied
    form = OrganisationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.organisation_list(user=request.user, q=filters.get("q", ""), type=filters.get("type", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "organisations/organisation_list.html"
    if is_htmx(request):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {"form": form, "page": page, "can_create": access.can(request.user, Action.ORGANISATION_CREATE)},
    )


@login_required
@require_http_methods(["GET"])
def organisation_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = access.access_organisation(request.user, pk, Action.ORGANISATION_VIEW)
    can_manage = access.can(request.user, Action.ORGANISATION_MANAGE, org)
    return TemplateResponse(
        request,
        "organisations/organisation_detail.html",
        {
            "org": org,
            "members": selectors.organisation_members(organisation=org)
            if can_manage
            else selectors.organisation_members(organisation=org).filter(is_active=True),
            "agreements": selectors.agreement_list(user=request.user, organisation=org)[:50],
            "children": access.scope(request.user, org.children.all(), Action.ORGANISATION_VIEW),
            "can_manage": can_manage,
            "membership_form": MembershipForm() if can_manage else None,
        },
    )


def _parent_choices(request: AuthedHttpRequest) -> QuerySet[Organisation]:
    return access.scope(request.user, Organisation.objects.order_by("name"), Action.ORGANISATION_VIEW)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: AuthedHttpRequest) -> HttpResponse:
    access.require(request.user, Action.ORGANISATION_CREATE)
    form = OrganisationForm(request.POST or None, parents=_parent_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Organisation “%(name)s” was added.") % {"name": org.name})
            return redirect("organisations:detail", pk=org.pk)
    return TemplateResponse(request, "organisations/organisation_form.html", {"form": form, "org": None})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = access.access_organisation(request.user, pk, Action.ORGANISATION_MANAGE)
    form = OrganisationForm(
        request.POST or None, instance=org, parents=_parent_choices(request).exclude(pk=org.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=org, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisations:detail", pk=org.pk)
    return TemplateResponse(request, "organisations/organisation_form.html", {"form": form, "org": org})


@login_required
@require_POST
def membership_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = access.access_organisation(request.user, pk, Action.ORGANISATION_MANAGE)
    form = MembershipForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = data["user"] or user_invite(
                    username=data["username"].strip(),
                    email=data["email"],
                    full_name=data.get("full_name", ""),
                    actor=request.user,
                    request_domain=request.get_host(),
                )
                services.membership_add(organisation=org, user=user, role=data["role"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(user)s now acts for this organisation.") % {"user": user})
            return redirect("organisations:detail", pk=org.pk)
    members = selectors.organisation_members(organisation=org)
    return TemplateResponse(
        request,
        "organisations/organisation_detail.html",
        {
            "org": org,
            "members": members,
            "agreements": selectors.agreement_list(user=request.user, organisation=org)[:50],
            "children": access.scope(request.user, org.children.all(), Action.ORGANISATION_VIEW),
            "can_manage": True,
            "membership_form": form,
        },
        status=422,
    )


@login_required
@require_POST
def membership_end(request: AuthedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    org = access.access_organisation(request.user, pk, Action.ORGANISATION_MANAGE)
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=org)
    try:
        services.membership_end(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The membership has ended."))
    return redirect("organisations:detail", pk=org.pk)


# --- agreements ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def agreement_list(request: AuthedHttpRequest) -> HttpResponse:
    if not access.can(request.user, Action.AGREEMENT_VIEW):
        raise access.PermissionDenied
    form = AgreementFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.agreement_list(
        user=request.user, q=f.get("q", ""), status=f.get("status", ""), stage=f.get("stage", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "organisations/agreement_list.html"
    if is_htmx(request):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {"form": form, "page": page, "can_create": access.can(request.user, Action.AGREEMENT_CREATE)},
    )


@login_required
@require_http_methods(["GET"])
def agreement_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    agreement = access.access_agreement(request.user, pk, Action.AGREEMENT_VIEW)
    from kolabora.core.models import AuditEvent

    history = AuditEvent.objects.filter(
        object_type="organisations.agreement", object_id=str(agreement.pk)
    ).select_related("actor")[:50]
    return TemplateResponse(
        request,
        "organisations/agreement_detail.html",
        {
            "agreement": agreement,
            "can_manage": access.can(request.user, Action.AGREEMENT_MANAGE, agreement),
            "terminate_form": TerminateForm(),
            "history": history,
        },
    )


def _party_choices(request: AuthedHttpRequest) -> dict[str, object]:
    """Partners come from the organisations the user may see; the lead is a government agency."""
    active = Organisation.objects.filter(is_active=True).order_by("name")
    return {
        "leads": active.filter(
            Q(type=OrganisationType.GOVERNMENT_AGENCY)
            | Q(pk__in=access.member_organisation_ids(request.user))
        ),
        "partners": access.scope(request.user, active, Action.ORGANISATION_VIEW),
    }


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: AuthedHttpRequest) -> HttpResponse:
    access.require(request.user, Action.AGREEMENT_CREATE)
    form = AgreementForm(request.POST or None, request.FILES or None, **_party_choices(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        doc = data.pop("signed_document", None) or None
        try:
            agreement = services.agreement_create(actor=request.user, signed_document=doc, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Agreement %(number)s was recorded as a draft.") % {"number": agreement.number}
            )
            return redirect("organisations:agreement_detail", pk=agreement.pk)
    return TemplateResponse(request, "organisations/agreement_form.html", {"form": form, "agreement": None})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    agreement = access.access_agreement(request.user, pk, Action.AGREEMENT_MANAGE)
    form = AgreementForm(
        request.POST or None, request.FILES or None, instance=agreement, **_party_choices(request)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        doc = data.pop("signed_document", None)
        new_doc = doc if doc and doc != agreement.signed_document else None
        try:
            services.agreement_update(
                agreement=agreement, actor=request.user, signed_document=new_doc, **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisations:agreement_detail", pk=agreement.pk)
    return TemplateResponse(
        request, "organisations/agreement_form.html", {"form": form, "agreement": agreement}
    )


@login_required
@require_POST
def agreement_activate(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    agreement = access.access_agreement(request.user, pk, Action.AGREEMENT_MANAGE)
    try:
        services.agreement_activate(agreement=agreement, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The agreement is now active."))
    return redirect("organisations:agreement_detail", pk=agreement.pk)


@login_required
@require_POST
def agreement_terminate(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    agreement = access.access_agreement(request.user, pk, Action.AGREEMENT_MANAGE)
    form = TerminateForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_terminate(
                agreement=agreement, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The agreement was terminated."))
    else:
        messages.error(request, _("Give the reason for terminating the agreement."))
    return redirect("organisations:agreement_detail", pk=agreement.pk)


@login_required
@require_http_methods(["GET"])
def agreement_document(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """The signed document, only to those who may see the agreement (uploads are never public)."""
    from django.http import FileResponse, Http404

    agreement = access.access_agreement(request.user, pk, Action.AGREEMENT_VIEW)
    if not agreement.signed_document:
        raise Http404
    name = (agreement.signed_document.name or "").rsplit("/", 1)[-1]
    return FileResponse(agreement.signed_document.open("rb"), as_attachment=True, filename=name)
