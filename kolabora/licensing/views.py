"""Licensing pages (namespace ``licensing``).

The applicant's side: the participant's licences and applications (``/perizinan/``), one application with
its checklist, its returned items and its timeline. Mentors and kecamatan staff open the same pages for a
participant they help (``access.can_apply_for``).

The organisations' side: the inbox of open hand-offs, and one page per application where the organisation
holding the current step acts on it (completeness check, site survey, lurah recommendation, issuance), and
a page to verify an existing licence.

Every view checks access first (``access.require(user, PARTICIPANT_VIEW, participant)``; step pages also
need membership of an organisation taking part in the case), then the form, then one service. Services
refuse what the user may not do (``PermissionDenied`` → 403) and what the case no longer allows
(``ValidationError`` → a message on the page, nothing changed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import lokal
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.core.timeutils import today
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import handoff_reassign
from kolabora.organisations.choices import DataCategory, OrganisationType
from kolabora.organisations.models import Membership
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.forms_self import CONSENT_EXPLANATIONS
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant

from . import selectors, services
from .choices import STATUS_STEP, ApplicationStatus, ItemReview, LicenceStatus
from .forms import (
    ApplyForm,
    CompletenessForm,
    ExistingLicenceForm,
    ExistingVerifyForm,
    ItemUploadForm,
    ReassignForm,
    RecommendationForm,
    ScheduleForm,
    SurveyForm,
)
from .models import (
    ApplicationItem,
    Licence,
    LicenceApplication,
    LicenceType,
    Recommendation,
    RequirementDefinition,
    SiteSurvey,
    StepDefinition,
    SurveyPhoto,
)
from .selectors import TimelineStep
from .services import STEP_ROLES, SUBJECT

EXISTING = "licensing.licence"  # the hand-off subject of an existing licence awaiting verification
LICENSING_SUBJECTS = (SUBJECT, EXISTING)
WITH_APPLICANT = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
INBOX_LIMIT = 200

# --- helpers: access for this app's objects, and small reads that could move to licensing.selectors ---


def _participant_of(user: Any) -> Participant | None:
    participant: Participant | None = getattr(user, "participant", None)
    if participant is None or participant.status != "active":
        return None
    return participant


def _application(user: Any, pk: int) -> LicenceApplication:
    """The application, for anyone who may see its participant (404 when absent, 403 when not allowed)."""
    app = (
        LicenceApplication.objects.select_related(
            "participant__kelurahan", "business", "licence_type", "kelurahan", "ptsp"
        )
        .filter(pk=pk)
        .first()
    )
    if app is None:
        raise Http404
    access.require(user, Action.PARTICIPANT_VIEW, app.participant)
    return app


def _case_organisations(subject_type: str, subject_id: int) -> set[int]:
    return set(
        Handoff.objects.filter(subject_type=subject_type, subject_id=subject_id).values_list(
            "organisation_id", flat=True
        )
    )


def _takes_part(user: Any, organisation_ids: set[int]) -> bool:
    return access.is_system_admin(user) or bool(access.member_organisation_ids(user) & organisation_ids)


def _staff_application(user: Any, pk: int) -> LicenceApplication:
    """The application, for people of an organisation that holds or held one of its steps (or its PTSP)."""
    app = _application(user, pk)
    if not _takes_part(user, _case_organisations(SUBJECT, app.pk) | {app.ptsp_id}):
        raise PermissionDenied
    return app


def _open_handoff(subject_type: str, subject_id: int) -> Handoff | None:
    return (
        Handoff.objects.filter(subject_type=subject_type, subject_id=subject_id, status=HandoffStatus.OPEN)
        .select_related("organisation", "assignee")
        .first()
    )


def _overdue_days(due_on: dt.date | None, day: dt.date) -> int:
    """Working days past the due date (0 when not overdue; at least 1 when it is)."""
    if due_on is None or due_on >= day:
        return 0
    return max(1, lokal.count_working_days(due_on + dt.timedelta(days=1), day))


def _file_response(
    request: AuthedHttpRequest, participant: Participant, file: FieldFile, what: dict[str, Any]
) -> FileResponse:
    """An uploaded file, to those who may receive the participant's documents; audited for staff.

    Served inline (PDFs and photos open in the browser) but sandboxed, never cached."""
    if DataCategory.DOCUMENTS not in access.participant_data_categories(request.user, participant):
        raise PermissionDenied
    if not file:
        raise Http404
    if not access.is_self(request.user, participant):
        audit_record(
            actor=request.user,
            action=AuditAction.PERSONAL_DATA_VIEWED,
            obj=participant,
            organisation=access.acting_organisation(
                request.user, Action.PARTICIPANT_VIEW, participant.kelurahan_id
            ),
            after=what,
        )
    name = (file.name or "").rsplit("/", 1)[-1]
    response = FileResponse(file.open("rb"), as_attachment=False, filename=name)
    response["Content-Security-Policy"] = "sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _licences(participant: Participant) -> list[Licence]:
    return list(
        Licence.objects.filter(participant=participant)
        .select_related("licence_type", "business", "application")
        .order_by("-issued_on", "-pk")
    )


@dataclass(frozen=True)
class TimelineRow:
    step: TimelineStep
    name: str
    overdue_days: int


def _timeline(app: LicenceApplication) -> list[TimelineRow]:
    """The selector's timeline with step names in the page's language and how late the current step is."""
    names = {s.code: s.name for s in app.licence_type.steps.all()}
    day = today()
    return [
        TimelineRow(
            step=s,
            name=names.get(s.code, s.name),
            overdue_days=_overdue_days(s.due_on, day) if s.state == "current" else 0,
        )
        for s in selectors.application_timeline(app)
    ]


def _case_context(app: LicenceApplication) -> dict[str, Any]:
    """What both sides see of a case: timeline, survey, recommendation, licence."""
    survey = SiteSurvey.objects.filter(application=app).select_related("surveyor", "recorded_by").first()
    licence = Licence.objects.filter(application=app, status=LicenceStatus.VALID).first()
    return {
        "app": app,
        "status_label": ApplicationStatus(app.status).label,
        "timeline": _timeline(app),
        "survey": survey,
        "photos": list(survey.photos.all()) if survey else [],
        "recommendation": Recommendation.objects.filter(application=app).select_related("signed_by").first(),
        "licence": licence,
        "handoff": _open_handoff(SUBJECT, app.pk),
    }


# --- the applicant's side ----------------------------------------------------------------------------


def _home_url(request: AuthedHttpRequest, participant: Participant) -> str:
    if access.is_self(request.user, participant):
        return reverse("licensing:mine")
    return reverse("licensing:participant", args=[participant.pk])


def _home(
    request: AuthedHttpRequest,
    participant: Participant,
    *,
    apply_form: ApplyForm | None = None,
    existing_form: ExistingLicenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_apply = access.can_apply_for(request.user, participant)
    is_self = access.is_self(request.user, participant)
    needs_consent = not access.consent_is_open(participant, ConsentPurpose.LICENSING_OFFICES)
    applications = list(selectors.application_list(user=request.user).filter(participant=participant))
    types = LicenceType.objects.filter(issued_here=True, is_active=True).prefetch_related(
        Prefetch("requirements", queryset=RequirementDefinition.objects.order_by("order")),
        Prefetch("steps", queryset=StepDefinition.objects.order_by("order")),
    )
    holders = dict(OrganisationType.choices)
    # What each licence needs and how it goes, shown before anyone starts (the pain in seed 002).
    guides = [
        {
            "type": t,
            "requirements": list(t.requirements.all()),
            "steps": [
                {"step": s, "holder": holders.get(s.holder_type, s.holder_type)} for s in t.steps.all()
            ],
            "days": sum(s.service_days for s in t.steps.all()),
        }
        for t in types
    ]
    return TemplateResponse(
        request,
        "licensing/app/home.html",
        {
            "participant": participant,
            "is_self": is_self,
            "can_apply": can_apply,
            "applications": applications,
            "waiting": [a for a in applications if a.status in WITH_APPLICANT],
            "licences": _licences(participant),
            "guides": guides,
            "needs_consent": needs_consent,
            "consent_text": CONSENT_EXPLANATIONS[ConsentPurpose.LICENSING_OFFICES],
            "apply_form": apply_form
            or (
                ApplyForm(participant=participant, needs_consent=needs_consent, for_self=is_self)
                if can_apply
                else None
            ),
            "existing_form": existing_form
            or (ExistingLicenceForm(participant=participant) if can_apply else None),
            "inbox": bool(access.member_organisation_ids(request.user)),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """The participant's own licences and applications."""
    participant = _participant_of(request.user)
    if participant is None:
        # Staff have no licences of their own: point them at their work.
        return TemplateResponse(
            request,
            "licensing/app/no_participant.html",
            {"inbox": bool(access.member_organisation_ids(request.user))},
        )
    return _home(request, participant)


@login_required
@require_http_methods(["GET"])
def participant_home(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    """The same page for staff who help a participant (mentor, kecamatan) or may see them."""
    participant = access.access_participant(request.user, participant_pk, Action.PARTICIPANT_VIEW)
    return _home(request, participant)


@login_required
@require_POST
def apply(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    participant = access.access_participant(request.user, participant_pk, Action.PARTICIPANT_VIEW)
    if not access.can_apply_for(request.user, participant):
        raise PermissionDenied
    needs_consent = not access.consent_is_open(participant, ConsentPurpose.LICENSING_OFFICES)
    form = ApplyForm(
        request.POST,
        participant=participant,
        needs_consent=needs_consent,
        for_self=access.is_self(request.user, participant),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if needs_consent:
                    consent_grant(
                        participant=participant, purpose=ConsentPurpose.LICENSING_OFFICES, actor=request.user
                    )
                app = services.application_open(
                    participant=participant,
                    business=data["business"],
                    licence_type=data["licence_type"],
                    actor=request.user,
                    location_address=data["location_address"],
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your application is started. Upload each document on the list, then submit it to %(ptsp)s."
                )
                % {"ptsp": app.ptsp.name},
            )
            return redirect("licensing:application", pk=app.pk)
    return _home(request, participant, apply_form=form, status=422)


@login_required
@require_POST
def existing_record(request: AuthedHttpRequest, participant_pk: int) -> HttpResponse:
    participant = access.access_participant(request.user, participant_pk, Action.PARTICIPANT_VIEW)
    form = ExistingLicenceForm(request.POST, request.FILES, participant=participant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            licence = services.existing_licence_record(
                participant=participant,
                business=data["business"],
                licence_type=data["licence_type"],
                number=data["number"],
                issued_on=data["issued_on"],
                valid_until=data["valid_until"],
                risk_level=data["risk_level"],
                proof=data["proof"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("%(licence)s is recorded. The PTSP checks the proof; you will see the result here.")
                % {"licence": licence},
            )
            return redirect(_home_url(request, participant))
    return _home(request, participant, existing_form=form, status=422)


@dataclass
class ChecklistRow:
    requirement: RequirementDefinition
    item: ApplicationItem | None
    form: ItemUploadForm

    @property
    def to_fix(self) -> bool:
        return self.item is not None and self.item.review == ItemReview.RETURNED

    @property
    def needed(self) -> bool:
        return self.requirement.required and (self.item is None or self.to_fix)

    @property
    def types(self) -> str:
        return ", ".join(e.upper() for e in self.requirement.extensions)

    @property
    def accept(self) -> str:
        return ",".join(f".{e}" for e in self.requirement.extensions)


def _checklist(app: LicenceApplication, forms: dict[int, ItemUploadForm] | None = None) -> list[ChecklistRow]:
    forms = forms or {}
    return [
        ChecklistRow(r, item, forms.get(r.pk) or ItemUploadForm(auto_id=f"id_{r.code}_%s"))
        for r, item in services.checklist(app)
    ]


def _application_context(
    request: AuthedHttpRequest, app: LicenceApplication, rows: list[ChecklistRow]
) -> dict[str, Any]:
    can_apply = access.can_apply_for(request.user, app.participant)
    return {
        **_case_context(app),
        "rows": rows,
        "can_apply": can_apply,
        "editable": can_apply and app.status in WITH_APPLICANT,
        "still_needed": [r for r in rows if r.needed],
        "supplied": sum(1 for r in rows if r.item is not None and not r.to_fix),
        "returned": selectors.returned_items(app) if app.status == ApplicationStatus.RETURNED else [],
        "is_self": access.is_self(request.user, app.participant),
        "home_url": _home_url(request, app.participant),
        "staff": _takes_part(request.user, _case_organisations(SUBJECT, app.pk) | {app.ptsp_id}),
    }


@login_required
@require_http_methods(["GET"])
def application_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request.user, pk)
    return TemplateResponse(
        request, "licensing/app/application.html", _application_context(request, app, _checklist(app))
    )


@login_required
@require_POST
def item_upload(request: AuthedHttpRequest, pk: int, requirement_pk: int) -> HttpResponse:
    """Supply one document. With htmx only that item (and the submit box) is redrawn."""
    app = _application(request.user, pk)
    requirement = get_object_or_404(
        RequirementDefinition, pk=requirement_pk, licence_type_id=app.licence_type_id
    )
    form = ItemUploadForm(request.POST, request.FILES, auto_id=f"id_{requirement.code}_%s")
    ok = False
    if form.is_valid():
        try:
            services.item_upload(
                application=app, requirement=requirement, upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            ok = True
    if is_htmx(request):
        rows = _checklist(app, {} if ok else {requirement.pk: form})
        context = _application_context(request, app, rows)
        row = next(r for r in rows if r.requirement.pk == requirement.pk)
        item = render_to_string(
            "licensing/app/application.html#item", {**context, "row": row, "just_saved": ok}, request
        )
        box = render_to_string("licensing/app/application.html#submit_box", {**context, "oob": True}, request)
        return HttpResponse(item + box)
    if ok:
        messages.success(request, _("“%(name)s” is uploaded.") % {"name": requirement.name})
        return redirect(reverse("licensing:application", args=[app.pk]) + f"#req-{requirement.pk}")
    rows = _checklist(app, {requirement.pk: form})
    return TemplateResponse(
        request, "licensing/app/application.html", _application_context(request, app, rows), status=422
    )


@login_required
@require_POST
def submit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _application(request.user, pk)
    try:
        services.application_submit(application=app, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        handoff = _open_handoff(SUBJECT, app.pk)
        if handoff is not None:
            messages.success(
                request,
                _("Submitted. %(org)s checks your documents by %(date)s; you will see the result here.")
                % {"org": handoff.organisation.name, "date": date_format(handoff.due_on)},
            )
    return redirect("licensing:application", pk=app.pk)


@login_required
@require_http_methods(["GET"])
def item_download(request: AuthedHttpRequest, pk: int, item_pk: int) -> HttpResponseBase:
    app = _application(request.user, pk)
    item = get_object_or_404(
        ApplicationItem.objects.select_related("requirement"), pk=item_pk, application=app
    )
    return _file_response(
        request,
        app.participant,
        item.file,
        {"licence_application": app.pk, "requirement": item.requirement.code},
    )


@login_required
@require_http_methods(["GET"])
def photo(request: AuthedHttpRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    app = _application(request.user, pk)
    found = get_object_or_404(SurveyPhoto, pk=photo_pk, survey__application=app)
    return _file_response(
        request, app.participant, found.image, {"licence_application": app.pk, "survey_photo": found.pk}
    )


# --- the organisations' side ---------------------------------------------------------------------------


def _surveyors(handoff: Handoff | None) -> Any:
    if handoff is None:
        return User.objects.none()
    return (
        User.objects.filter(
            memberships__organisation_id=handoff.organisation_id,
            memberships__is_active=True,
            memberships__role__in=STEP_ROLES["survey"],
        )
        .distinct()
        .order_by("first_name", "username")
    )


def _step_page(
    request: AuthedHttpRequest,
    app: LicenceApplication,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    context = _case_context(app)
    handoff = context["handoff"]
    may_act = services.may_act_on(request.user, handoff)
    step = STATUS_STEP.get(ApplicationStatus(app.status)) if may_act else None
    items = list(app.items.select_related("requirement").order_by("requirement__order"))
    forms: dict[str, Any] = {}
    if step == "verification":
        forms["verify_form"] = bound.get("verify") or CompletenessForm(items=items)
    elif step == "survey":
        forms["schedule_form"] = bound.get("schedule") or ScheduleForm(
            surveyors=_surveyors(handoff),
            initial={"scheduled_on": context["survey"].scheduled_on if context["survey"] else None},
        )
        forms["survey_form"] = bound.get("survey") or SurveyForm()
    elif step == "recommendation":
        forms["recommend_form"] = bound.get("recommend") or RecommendationForm()
    if set(bound) - {key for key in ("verify", "schedule", "survey", "recommend") if f"{key}_form" in forms}:
        # The form posted belongs to a step the case has left (someone else acted first).
        messages.error(request, _("Nothing was changed: this application is no longer at that step."))
    participant = app.participant
    return TemplateResponse(
        request,
        "licensing/staff/step.html",
        {
            **context,
            **forms,
            "step": step,
            "may_act": may_act,
            "items": items,
            "missing": [r for r, item in services.checklist(app) if item is None],
            "participant": participant,
            "overdue_days": _overdue_days(handoff.due_on, today()) if handoff else 0,
        },
        status=status,
    )


def _refused(
    request: AuthedHttpRequest, app: LicenceApplication, exc: ValidationError, key: str, form: Any
) -> HttpResponse:
    """A service said no. Field problems go back on the form; a case that moved on is told as a message."""
    if hasattr(exc, "error_dict") and set(exc.error_dict) & set(form.fields):
        apply_validation_error(form, exc)
        return _step_page(request, app, bound={key: form}, status=422)
    messages.error(request, " ".join(exc.messages))
    return redirect("licensing:step", pk=app.pk)


@login_required
@require_http_methods(["GET"])
def step(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The case for the organisations working on it; the form for the current step to whoever holds it."""
    return _step_page(request, _staff_application(request.user, pk))


@login_required
@require_POST
def verify(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _staff_application(request.user, pk)
    items = list(app.items.select_related("requirement").order_by("requirement__order"))
    form = CompletenessForm(request.POST, items=items)
    if not form.is_valid():
        return _step_page(request, app, bound={"verify": form}, status=422)
    returns = form.returns()
    try:
        services.application_verify(application=app, actor=request.user, returns=returns)
    except ValidationError as exc:
        return _refused(request, app, exc, "verify", form)
    if returns:
        messages.success(
            request,
            _("%(n)s item(s) went back to the applicant in one list, each with your reason.")
            % {"n": len(returns)},
        )
    else:
        messages.success(request, _("Complete. The application moves to the next step."))
    return redirect("licensing:step", pk=app.pk)


@login_required
@require_POST
def survey_schedule(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _staff_application(request.user, pk)
    form = ScheduleForm(request.POST, surveyors=_surveyors(_open_handoff(SUBJECT, app.pk)))
    if not form.is_valid():
        return _step_page(request, app, bound={"schedule": form}, status=422)
    try:
        survey = services.survey_schedule(
            application=app,
            actor=request.user,
            on=form.cleaned_data["scheduled_on"],
            surveyor=form.cleaned_data["surveyor"],
        )
    except ValidationError as exc:
        return _refused(request, app, exc, "schedule", form)
    messages.success(
        request,
        _("Survey set for %(date)s with %(surveyor)s.")
        % {
            "date": date_format(survey.scheduled_on) if survey.scheduled_on else "",
            "surveyor": survey.surveyor,
        },
    )
    return redirect("licensing:step", pk=app.pk)


@login_required
@require_POST
def survey_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _staff_application(request.user, pk)
    form = SurveyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _step_page(request, app, bound={"survey": form}, status=422)
    data = form.cleaned_data
    try:
        result = services.survey_record(
            application=app,
            actor=request.user,
            zoning=data["zoning"],
            notes=data["notes"],
            photos=data["photos"],
        )
    except ValidationError as exc:
        return _refused(request, app, exc, "survey", form)
    if result.status == ApplicationStatus.REFUSED:
        messages.warning(
            request, _("The location cannot be licensed; the applicant sees the reason and what to do.")
        )
    else:
        messages.success(
            request, _("Survey recorded. The application goes to the lurah for the recommendation.")
        )
    return redirect("licensing:step", pk=app.pk)


@login_required
@require_POST
def recommend(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _staff_application(request.user, pk)
    form = RecommendationForm(request.POST)
    if not form.is_valid():
        return _step_page(request, app, bound={"recommend": form}, status=422)
    approve = form.cleaned_data["decision"] == RecommendationForm.APPROVE
    try:
        services.recommendation_sign(
            application=app, actor=request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        return _refused(request, app, exc, "recommend", form)
    messages.success(request, _("Recommendation signed.") if approve else _("Signed: not recommended."))
    return redirect("licensing:step", pk=app.pk)


@login_required
@require_POST
def issue(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = _staff_application(request.user, pk)
    try:
        licence = services.licence_issue(application=app, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Licence %(number)s issued.") % {"number": licence.number})
    return redirect("licensing:step", pk=app.pk)


# --- the inbox -------------------------------------------------------------------------------------------


@dataclass
class InboxRow:
    handoff: Handoff
    url: str
    step_name: str
    title: str
    subtitle: str
    person: str
    overdue_days: int
    due_today: bool
    members: list[User]


def _inbox_rows(user: Any, handoffs: list[Handoff]) -> list[InboxRow]:
    app_ids = [h.subject_id for h in handoffs if h.subject_type == SUBJECT]
    licence_ids = [h.subject_id for h in handoffs if h.subject_type == EXISTING]
    apps = (
        LicenceApplication.objects.select_related("business", "licence_type")
        .prefetch_related("licence_type__steps")
        .in_bulk(app_ids)
    )
    licences = Licence.objects.select_related("business", "licence_type").in_bulk(licence_ids)
    # Names only of participants the user may see now (consent can be withdrawn while a step is open).
    names = dict(
        access.scope(
            user,
            Participant.objects.filter(pk__in={h.participant_id for h in handoffs}),
            Action.PARTICIPANT_VIEW,
        ).values_list("pk", "full_name")
    )
    members: dict[int, list[User]] = {}
    for m in (
        Membership.objects.filter(organisation_id__in={h.organisation_id for h in handoffs}, is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    ):
        group = members.setdefault(m.organisation_id, [])
        if m.user not in group:
            group.append(m.user)
    day = today()
    rows = []
    for h in handoffs:
        if h.subject_type == SUBJECT and h.subject_id in apps:
            app = apps[h.subject_id]
            url = reverse("licensing:step", args=[app.pk])
            title, subtitle = app.business.name, app.licence_type.name
            step_name = next((s.name for s in app.licence_type.steps.all() if s.code == h.step), h.step_name)
        elif h.subject_type == EXISTING and h.subject_id in licences:
            lic = licences[h.subject_id]
            url = reverse("licensing:licence_check", args=[lic.pk])
            title, subtitle = lic.business.name, f"{lic.licence_type.name} · {lic.number}"
            step_name = _("Verify an existing licence")
        else:
            continue
        rows.append(
            InboxRow(
                handoff=h,
                url=url,
                step_name=step_name,
                title=title,
                subtitle=subtitle,
                person=names.get(h.participant_id or 0, ""),
                overdue_days=_overdue_days(h.due_on, day),
                due_today=h.due_on == day,
                members=members.get(h.organisation_id, []),
            )
        )
    return rows


@login_required
@require_http_methods(["GET"])
def inbox(request: AuthedHttpRequest) -> HttpResponse:
    """Open steps of the user's organisations, overdue first."""
    organisations = {m.organisation_id: m.organisation for m in access.memberships(request.user)}
    if not organisations and not access.is_system_admin(request.user):
        raise PermissionDenied
    try:
        chosen: int | None = int(request.GET.get("org", "")) if request.GET.get("org") else None
    except ValueError:
        chosen = None
    if chosen not in organisations:
        chosen = None
    handoffs = list(
        selectors.inbox(user=request.user, organisation_id=chosen).filter(
            subject_type__in=LICENSING_SUBJECTS
        )[:INBOX_LIMIT]
    )
    rows = _inbox_rows(request.user, handoffs)
    return TemplateResponse(
        request,
        "licensing/staff/inbox.html",
        {
            "rows": rows,
            "organisations": sorted(organisations.values(), key=lambda o: o.name),
            "chosen": chosen,
            "overdue": sum(1 for r in rows if r.overdue_days),
        },
    )


@login_required
@require_POST
def reassign(request: AuthedHttpRequest, handoff_pk: int) -> HttpResponse:
    """Give a step to someone else in the organisation holding it (members of that organisation only)."""
    handoff = get_object_or_404(Handoff, pk=handoff_pk, subject_type__in=LICENSING_SUBJECTS)
    if not _takes_part(request.user, {handoff.organisation_id}):
        raise PermissionDenied
    members = User.objects.filter(
        memberships__organisation_id=handoff.organisation_id, memberships__is_active=True
    ).distinct()
    form = ReassignForm(request.POST, members=members)
    if not form.is_valid():
        messages.error(request, _("Choose someone who works for the organisation holding this step."))
        return redirect("licensing:inbox")
    try:
        done = handoff_reassign(handoff=handoff, assignee=form.cleaned_data["assignee"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done.assignee:
            messages.success(
                request,
                _("“%(step)s” is now with %(person)s.") % {"step": done.step_name, "person": done.assignee},
            )
        else:
            messages.success(
                request, _("“%(step)s” is now with the whole organisation.") % {"step": done.step_name}
            )
    return redirect("licensing:inbox")


# --- existing licences -----------------------------------------------------------------------------------


def _existing_licence(user: Any, pk: int) -> Licence:
    licence = (
        Licence.objects.select_related("participant__kelurahan", "business", "licence_type", "verified_by")
        .filter(pk=pk, existing=True)
        .first()
    )
    if licence is None:
        raise Http404
    access.require(user, Action.PARTICIPANT_VIEW, licence.participant)
    return licence


@login_required
@require_http_methods(["GET", "POST"])
def licence_check(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The PTSP checks a recorded existing licence against its proof."""
    licence = _existing_licence(request.user, pk)
    if not _takes_part(request.user, _case_organisations(EXISTING, licence.pk)):
        raise PermissionDenied
    handoff = _open_handoff(EXISTING, licence.pk)
    may_act = services.may_act_on(request.user, handoff)
    form = ExistingVerifyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            accept = form.cleaned_data["decision"] == ExistingVerifyForm.ACCEPT
            try:
                services.existing_licence_verify(
                    licence=licence, actor=request.user, accept=accept, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("Accepted: the licence is valid.")
                    if accept
                    else _("Not accepted; the participant sees your reason."),
                )
            return redirect("licensing:licence_check", pk=licence.pk)
        status = 422
    return TemplateResponse(
        request,
        "licensing/staff/licence_check.html",
        {
            "licence": licence,
            "handoff": handoff,
            "may_act": may_act and licence.status == LicenceStatus.PENDING_VERIFICATION,
            "form": form,
            "overdue_days": _overdue_days(handoff.due_on, today()) if handoff else 0,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def licence_proof(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    licence = _existing_licence(request.user, pk)
    return _file_response(request, licence.participant, licence.proof, {"licence": licence.pk, "proof": True})
