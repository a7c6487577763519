"""Staff pages for participants: the list, one participant's record and stage changes, walk-in
registration, likely duplicates, those at risk of dropping out, and data-subject requests.

Each view takes the same steps: the access gate, a form, one service call, a response (a page, or the
``page.html#fragment`` partial for htmx). Business rules stay in the services and the access gate.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.accounts.models import User
from kolabora.accounts.services import form_context
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import STAGE_CHANGED, AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.core.models import AuditEvent
from kolabora.organisations.choices import DataCategory
from kolabora.participants.templatetags.participant_extras import rupiah
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.selectors import at_risk_list, pathway_get
from kolabora.pathway.services import TransitionRefused, programme_default, stage_transition

from . import selectors, services
from .choices import (
    ConsentPurpose,
    DataRequestStatus,
    DocumentKind,
    DomicileBasis,
    ParticipantStatus,
    RegistrationChannel,
    RelationshipKind,
)
from .forms import DataRequestAnswerForm, MergeForm, ParticipantFilterForm, StageForm, WalkInForm
from .models import Business, Consent, DataRequest, Participant, ParticipantDocument
from .selectors import ParticipantFilters

PAGE_SIZE = 25
AT_RISK_LIMIT = 100
DATA_REQUEST_LIMIT = 100
HISTORY_LIMIT = 50
# What the form suggests as the next status, from the current one.
SUGGESTED_NEXT = {
    StageStatus.NOT_STARTED: StageStatus.IN_PROGRESS,
    StageStatus.IN_PROGRESS: StageStatus.COMPLETED,
    StageStatus.SKIPPED: StageStatus.IN_PROGRESS,
    StageStatus.DROPPED: StageStatus.IN_PROGRESS,
}
# The service names a problem by its input's path; the walk-in form names its fields flat.
SERVICE_FIELDS = {
    "kelurahan_code": "kelurahan",
    "business.name": "business_name",
    "business.sector": "business_sector",
    "business.started_on": "business_started_on",
    "business.workers": "business_workers",
    "business.monthly_turnover": "business_monthly_turnover",
    "business.assets": "business_assets",
    "business.nib": "business_nib",
    "password": "create_account",
}
# htmx leaves 4xx answers unswapped; the stage forms' refusals (409) and form errors (422) are fragments
# meant to replace the pathway, with the reason next to the stage.
SWAP_REFUSALS = (
    "if([409,422].includes(event.detail.xhr.status)){event.detail.shouldSwap=true;event.detail.isError=false}"
)


def _stage_prefetch(**filters: Any) -> Prefetch:
    # Ordering by code (P1…P7 sorts as the steps do) avoids the join that the model's default ordering needs.
    return Prefetch(
        "stages",
        queryset=ParticipantStage.objects.filter(**filters)
        .order_by("code")
        .only("id", "participant_id", "code", "status", "level"),
    )


# --- the list ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def participant_list(request: AuthedHttpRequest) -> HttpResponse:
    """Participants the user may see, newest first, 25 at a time after a keyset cursor (no total count, so
    a deep page at a million rows costs what the first does)."""
    access.require(request.user, Action.PARTICIPANT_VIEW)
    form = ParticipantFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    filters = ParticipantFilters(
        region=data.get("region", ""),
        stage=data.get("stage", ""),
        status=data.get("status", ""),
        entry_track=data.get("entry_track", ""),
        sector=data.get("sector", ""),
        inactive_days=data.get("inactive_days"),
        q=(data.get("q") or "").strip(),
    )
    qs = selectors.participant_list(user=request.user, filters=filters)
    rows, cursor = selectors.page_after(qs, after=data.get("after"), size=PAGE_SIZE)
    prefetch_related_objects(rows, _stage_prefetch())
    query = request.GET.copy()
    query.pop("after", None)
    first_url = ("?" + query.urlencode()) if data.get("after") else ""
    next_url = ""
    if cursor is not None:
        query["after"] = str(cursor)
        next_url = "?" + query.urlencode()
    template = "participants/staff/list.html"
    if is_htmx(request):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "form": form,
            "rows": rows,
            "next_url": next_url,
            "first_url": first_url,
            "filtered": any(v for k, v in data.items() if k != "after" and v not in (None, "")),
            "can_register": access.can(request.user, Action.PARTICIPANT_REGISTER),
        },
    )


# --- one participant ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessRow:
    business: Business
    turnover: str
    assets: str


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    detail: str


def _rule_flag_text(flag: str) -> str:
    stage, _sep, missing = flag.partition("_before_")
    if not missing:
        return flag
    return _("%(stage)s before %(missing)s") % {"stage": stage, "missing": ", ".join(missing.split("_"))}


def _status_label(value: Any) -> str:
    try:
        return str(StageStatus(value).label)
    except ValueError:
        return str(value or "")


def _event_detail(event: AuditEvent) -> str:
    before, after = event.before or {}, event.after or {}
    if event.action in {a.value for a in STAGE_CHANGED.values()}:
        text = f"{_status_label(before.get('status'))} → {_status_label(after.get('status'))}"
        if after.get("level"):
            text += f" (T{after['level']})"
        return text
    purpose = after.get("purpose")
    if purpose in ConsentPurpose.values:
        return str(ConsentPurpose(purpose).label)
    kind = after.get("kind")
    if event.action in (AuditAction.RELATIONSHIP_OPENED, AuditAction.RELATIONSHIP_ENDED) and (
        kind in RelationshipKind.values
    ):
        org = event.organisation.name if event.organisation else ""
        return f"{RelationshipKind(kind).label}{' · ' + org if org else ''}"
    return ""


def _history(participant: Participant) -> list[HistoryRow]:
    """What happened to the record, newest first. Views of the record are left out: each opening of this
    page adds one, and they would bury the changes (they stay in the audit log)."""
    events = (
        AuditEvent.objects.filter(object_type="participants.participant", object_id=str(participant.pk))
        .exclude(action=AuditAction.PERSONAL_DATA_VIEWED)
        .select_related("actor", "organisation")[:HISTORY_LIMIT]
    )
    return [HistoryRow(event=e, detail=_event_detail(e)) for e in events]


def _pathway_context(
    user: User,
    participant: Participant,
    *,
    bound: dict[str, StageForm] | None = None,
    errors: dict[str, str] | None = None,
    notices: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The seven steps, each with a status form when the user may move it, and any refusal next to it."""
    stages = pathway_get(participant=participant)
    movable = (
        access.transitionable_stages(user, participant)
        if participant.status == ParticipantStatus.ACTIVE
        else set()
    )
    rows = []
    for s in stages:
        form = None
        if s.code in movable:
            form = (bound or {}).get(s.code) or StageForm(
                code=s.code,
                current=s.status,
                levels=s.levels,
                initial={"to_status": SUGGESTED_NEXT.get(StageStatus(s.status), s.status)},
            )
        rows.append(
            {
                "stage": s,
                "form": form,
                "error": (errors or {}).get(s.code, ""),
                "notice": (notices or {}).get(s.code, ""),
            }
        )
    return {
        "participant": participant,
        "stage_rows": rows,
        "rule_flags": [_rule_flag_text(f) for f in participant.rule_flags or []],
        "swap_refusals": SWAP_REFUSALS,
    }


def _detail_context(user: User, participant: Participant, categories: set[str]) -> dict[str, Any]:
    context: dict[str, Any] = {
        "participant": participant,
        "categories": categories,
        "show_nik": access.can(user, Action.PARTICIPANT_NIK, participant),
        "show_contact": DataCategory.CONTACT in categories,
        "show_business": DataCategory.BUSINESS in categories,
        "show_documents": DataCategory.DOCUMENTS in categories,
        "show_pathway": DataCategory.PATHWAY in categories,
        "consents": Consent.objects.filter(participant=participant, withdrawn_at__isnull=True),
        "can_verify": (
            participant.status == ParticipantStatus.ACTIVE
            and participant.domicile_basis == DomicileBasis.DOMICILE_LETTER
            and participant.eligibility_verified_at is None
            and access.can(user, Action.PARTICIPANT_EDIT, participant)
        ),
        "merged_into": (
            participant.merged_into
            if participant.merged_into_id
            and access.can(user, Action.PARTICIPANT_VIEW, participant.merged_into)
            else None
        ),
    }
    if context["show_business"]:
        context["businesses"] = [
            BusinessRow(b, rupiah(b.monthly_turnover), rupiah(b.assets)) for b in participant.businesses.all()
        ]
    if context["show_documents"]:
        context["documents"] = list(participant.documents.all())
    if context["show_pathway"]:
        context |= _pathway_context(user, participant)
        context["history"] = _history(participant)
    return context


@login_required
@require_http_methods(["GET"])
def participant_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One participant's record, limited to the data categories the user may receive. Every opening is
    audited as a view of personal data."""
    participant = access.access_participant(request.user, pk, Action.PARTICIPANT_VIEW)
    categories = access.participant_data_categories(request.user, participant)
    context = _detail_context(request.user, participant, categories)
    audit_record(
        actor=request.user,
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=participant,
        organisation=access.acting_organisation(
            request.user, Action.PARTICIPANT_VIEW, participant.kelurahan_id
        ),
        after={"categories": sorted(categories), "full_nik": context["show_nik"]},
    )
    return TemplateResponse(request, "participants/staff/detail.html", context)


@login_required
@require_POST
def stage_change(request: AuthedHttpRequest, pk: int, code: str) -> HttpResponse:
    """Move one stage through ``stage_transition``; a refusal comes back with the rule next to the stage."""
    participant = access.access_participant(request.user, pk, Action.PARTICIPANT_VIEW)
    if code not in access.ALL_STAGES:
        raise Http404
    if not access.can_transition(request.user, participant, code):
        raise PermissionDenied
    row = ParticipantStage.objects.select_related("stage").filter(participant=participant, code=code).first()
    if row is None:
        raise Http404
    form = StageForm(request.POST, code=code, current=row.status, levels=row.stage.levels)
    status = 422
    problem = ""
    if form.is_valid():
        try:
            changed = stage_transition(
                participant=participant,
                stage=code,
                to_status=form.cleaned_data["to_status"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                level=form.cleaned_data.get("level"),
            )
        except TransitionRefused as exc:
            status, problem = 409, exc.rule
        else:
            notice = _("%(stage)s is now “%(status)s”.") % {
                "stage": code,
                "status": _status_label(changed.status),
            }
            if not is_htmx(request):
                messages.success(request, notice)
                return redirect(reverse("participants:detail", args=[participant.pk]) + f"#stage-{code}")
            participant.refresh_from_db()
            return TemplateResponse(
                request,
                "participants/staff/detail.html#pathway",
                _pathway_context(request.user, participant, notices={code: notice}),
            )
    else:
        problem = " ".join(str(m) for errors in form.errors.values() for m in errors)
    if not is_htmx(request):
        messages.error(request, f"{code}: {problem}")
        return redirect(reverse("participants:detail", args=[participant.pk]) + f"#stage-{code}")
    return TemplateResponse(
        request,
        "participants/staff/detail.html#pathway",
        _pathway_context(request.user, participant, bound={code: form}, errors={code: problem}),
        status=status,
    )


@login_required
@require_POST
def eligibility_verify(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Kecamatan staff confirm the lurah's domicile letter; P1 then completes."""
    participant = access.access_participant(request.user, pk, Action.PARTICIPANT_EDIT)
    try:
        services.eligibility_verify(participant=participant, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Eligibility verified."))
    return redirect("participants:detail", pk=participant.pk)


@login_required
@require_http_methods(["GET"])
def document_download(request: AuthedHttpRequest, pk: int, doc_pk: int) -> HttpResponseBase:
    """An uploaded document, only to those who may receive the participant's documents; audited."""
    participant = access.access_participant(request.user, pk, Action.PARTICIPANT_VIEW)
    if DataCategory.DOCUMENTS not in access.participant_data_categories(request.user, participant):
        raise PermissionDenied
    document = get_object_or_404(ParticipantDocument, pk=doc_pk, participant=participant)
    audit_record(
        actor=request.user,
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=participant,
        organisation=access.acting_organisation(
            request.user, Action.PARTICIPANT_VIEW, participant.kelurahan_id
        ),
        after={"document": document.pk, "kind": document.kind},
    )
    name = (document.file.name or "").rsplit("/", 1)[-1]
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=name)
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- walk-in registration -------------------------------------------------------------------------------


def _registration_input(data: dict[str, Any]) -> services.RegistrationInput:
    business = None
    if data["business_name"] or data["business_sector"] or data["business_nib"]:
        business = services.BusinessInput(
            name=data["business_name"],
            sector=data["business_sector"],
            started_on=data["business_started_on"],
            workers=data["business_workers"] or 0,
            monthly_turnover=data["business_monthly_turnover"] or 0,
            assets=data["business_assets"] or 0,
            nib=data["business_nib"],
        )
    documents = {}
    if data["domicile_letter"]:
        documents[DocumentKind.DOMICILE_LETTER.value] = data["domicile_letter"]
    if data["ownership_proof"]:
        documents[DocumentKind.OWNERSHIP_PROOF.value] = data["ownership_proof"]
    return services.RegistrationInput(
        nik=data["nik"],
        full_name=data["full_name"],
        phone=data["phone"],
        kelurahan_code=data["kelurahan"],
        entry_track=data["entry_track"],
        email=data["email"],
        address=data["address"],
        domicile_basis=data["domicile_basis"] or "",
        domicile_since=data["domicile_since"],
        business=business,
        consents=list(data["consents"]),
        # The account gets a random password nobody knows; the person sets their own from the email.
        password=secrets.token_urlsafe(24) if data["create_account"] else "",
        documents=documents,
    )


def _service_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({SERVICE_FIELDS.get(k, k): v for k, v in exc.error_dict.items()})


def _send_set_password_link(request: AuthedHttpRequest, user: User) -> None:
    """Email the new participant a link to set their own password (as ``user_invite`` does for staff)."""
    context = form_context(user, request.get_host())
    context["protocol"] = "https" if request.is_secure() else context["protocol"]
    transaction.on_commit(
        lambda: PasswordResetForm().send_mail(
            "registration/password_set_subject.txt",
            "registration/password_set_email.txt",
            context,
            None,
            user.email,
        )
    )


WALK_IN_FILES = "walk_in_files"
WALK_IN_KINDS = ("domicile_letter", "ownership_proof")


def _kept_files(request: AuthedHttpRequest) -> dict[str, dict[str, str]]:
    """Documents of a walk-in form that failed, kept in storage (under the registration drafts, which the
    daily sweep clears after a day) so the officer need not choose them again."""
    kept = request.session.get(WALK_IN_FILES, {})
    return {k: v for k, v in kept.items() if k in WALK_IN_KINDS and default_storage.exists(v["name"])}


def _kept_forget(request: AuthedHttpRequest) -> None:
    for info in request.session.pop(WALK_IN_FILES, {}).values():
        default_storage.delete(info["name"])


def _walk_in_files(request: AuthedHttpRequest, kept: dict[str, dict[str, str]]) -> MultiValueDict[str, Any]:
    """The uploads of this POST, with a kept document standing in where the officer kept it."""
    files = request.FILES.copy()
    for kind, info in kept.items():
        if kind not in files and request.POST.get(f"keep_{kind}"):
            with default_storage.open(info["name"]) as fh:
                files[kind] = SimpleUploadedFile(info["original"], fh.read())
    return files


def _keep(
    request: AuthedHttpRequest, form: WalkInForm, kept: dict[str, dict[str, str]], sent: dict[str, str]
) -> None:
    """After a failed POST, keep every document that passed its own checks (``sent``: the file names the
    officer chose, before the checks renamed them)."""
    folder = kept and next(iter(kept.values()))["name"].rsplit("/", 1)[0] + "/"
    folder = folder or f"{services.DRAFT_FOLDER}/{secrets.token_hex(12)}/"
    for kind in WALK_IN_KINDS:
        upload = form.cleaned_data.get(kind) if kind not in form.errors else None
        if not upload:
            continue
        upload.seek(0)
        original = Path(sent.get(kind) or kept.get(kind, {}).get("original") or kind).name
        name = default_storage.save(f"{folder}{kind}{Path(original).suffix.lower()[:6]}", upload)
        if kind in kept and kept[kind]["name"] != name:
            default_storage.delete(kept[kind]["name"])
        kept[kind] = {"name": name, "original": original}
    request.session[WALK_IN_FILES] = kept


@login_required
@require_http_methods(["GET", "POST"])
def participant_register(request: AuthedHttpRequest) -> HttpResponse:
    """Walk-in registration at the kecamatan secretariat: one form, everything kept when something is wrong
    (documents too: those that passed their checks wait in storage for the corrected form)."""
    access.require(request.user, Action.PARTICIPANT_REGISTER)
    if request.method == "GET":
        _kept_forget(request)  # a new form starts without another person's documents
    kept = _kept_files(request)
    sent = {kind: getattr(request.FILES.get(kind), "name", "") or kind for kind in request.FILES}
    files = _walk_in_files(request, kept) if request.method == "POST" else None
    form = WalkInForm(request.POST or None, files, user=request.user)
    duplicate = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                participant = services.participant_register(
                    data=_registration_input(form.cleaned_data),
                    actor=request.user,
                    channel=RegistrationChannel.WALK_IN,
                )
            except services.DuplicateNik as exc:
                form.add_error("nik", str(exc))
                found = Participant.objects.filter(pk=exc.participant_id).first()
                if found is not None and access.can(request.user, Action.PARTICIPANT_VIEW, found):
                    duplicate = found
            except ValidationError as exc:
                apply_validation_error(form, _service_errors(exc))
            else:
                if participant.user is not None and participant.user.email:
                    _send_set_password_link(request, participant.user)
                    messages.success(
                        request,
                        _("%(name)s is registered. A link to set the password was sent to %(email)s.")
                        % {"name": participant.full_name, "email": participant.user.email},
                    )
                else:
                    messages.success(request, _("%(name)s is registered.") % {"name": participant.full_name})
                _kept_forget(request)
                return redirect("participants:detail", pk=participant.pk)
        status = 422
        _keep(request, form, kept, sent)
    return TemplateResponse(
        request,
        "participants/staff/register.html",
        {"form": form, "duplicate": duplicate, "files_sent": bool(request.FILES), "kept": kept},
        status=status,
    )


# --- duplicates ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def duplicate_list(request: AuthedHttpRequest) -> HttpResponse:
    """Groups of records with the same name, birth date and kelurahan under different NIKs."""
    access.require(request.user, Action.PARTICIPANT_MERGE)
    groups = selectors.likely_duplicates(user=request.user)
    prefetch_related_objects([p for g in groups for p in g], "kelurahan", "businesses")
    return TemplateResponse(
        request,
        "participants/staff/duplicates.html",
        {
            "groups": [
                [
                    {
                        "p": p,
                        "nik": p.nik if access.can(request.user, Action.PARTICIPANT_NIK, p) else p.nik_masked,
                    }
                    for p in g
                ]
                for g in groups
            ]
        },
    )


@login_required
@require_POST
def participant_merge(request: AuthedHttpRequest) -> HttpResponse:
    access.require(request.user, Action.PARTICIPANT_MERGE)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("participants:duplicates")
    keep = access.access_participant(request.user, form.cleaned_data["keep"], Action.PARTICIPANT_MERGE)
    duplicate = access.access_participant(
        request.user, form.cleaned_data["duplicate"], Action.PARTICIPANT_MERGE
    )
    try:
        kept = services.participant_merge(
            keep=keep, duplicate=duplicate, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("participants:duplicates")
    messages.success(
        request,
        _("The duplicate record was merged into %(name)s's record.") % {"name": kept.full_name},
    )
    return redirect("participants:detail", pk=kept.pk)


# --- at risk ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def at_risk(request: AuthedHttpRequest) -> HttpResponse:
    """Participants with an open stage and no recent activity, longest silence first, with a way to call."""
    access.require(request.user, Action.PARTICIPANT_VIEW)
    programme = programme_default()
    rows = list(at_risk_list(user=request.user, programme=programme)[: AT_RISK_LIMIT + 1])
    more = len(rows) > AT_RISK_LIMIT
    rows = rows[:AT_RISK_LIMIT]
    prefetch_related_objects(rows, _stage_prefetch(status=StageStatus.IN_PROGRESS))
    now = timezone.now()
    items = [
        {
            "p": p,
            "days": (now - p.last_activity_at).days,
            "contact": DataCategory.CONTACT in access.participant_data_categories(request.user, p),
        }
        for p in rows
    ]
    return TemplateResponse(
        request,
        "participants/staff/at_risk.html",
        {"items": items, "more": more, "limit": AT_RISK_LIMIT, "at_risk_days": programme.at_risk_days},
    )


# --- data-subject requests ------------------------------------------------------------------------------


def _answer_form(dr: DataRequest, data: Any = None) -> DataRequestAnswerForm:
    return DataRequestAnswerForm(data, auto_id=f"id_dr{dr.pk}_%s")


def _data_requests_page(
    request: AuthedHttpRequest, *, bound: dict[int, DataRequestAnswerForm] | None = None, status: int = 200
) -> HttpResponse:
    visible = access.scope(request.user, Participant.objects.all(), Action.DATA_REQUEST_ANSWER)
    # Ordered by the due time: the overdue ones (due in the past) come first.
    requests = list(
        DataRequest.objects.filter(status=DataRequestStatus.OPEN, participant__in=visible)
        .select_related("participant", "participant__kelurahan")
        .order_by("due_at", "id")[:DATA_REQUEST_LIMIT]
    )
    now = timezone.now()
    items = [
        {"r": r, "overdue": r.due_at < now, "form": (bound or {}).get(r.pk) or _answer_form(r)}
        for r in requests
    ]
    return TemplateResponse(
        request,
        "participants/staff/data_requests.html",
        {"items": items, "limit": DATA_REQUEST_LIMIT},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def data_request_list(request: AuthedHttpRequest) -> HttpResponse:
    """Open requests from participants (UU PDP), each due within 3×24 hours, overdue first."""
    access.require(request.user, Action.DATA_REQUEST_ANSWER)
    return _data_requests_page(request)


@login_required
@require_POST
def data_request_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    dr = DataRequest.objects.select_related("participant").filter(pk=pk).first()
    if dr is None:
        raise Http404
    access.require(request.user, Action.DATA_REQUEST_ANSWER, dr.participant)
    form = _answer_form(dr, request.POST)
    if form.is_valid():
        try:
            services.data_request_answer(
                request=dr,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                rejected=form.cleaned_data["rejected"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("participants:data_requests")
        messages.success(
            request, _("The answer to %(name)s was recorded.") % {"name": dr.participant.full_name}
        )
        return redirect("participants:data_requests")
    return _data_requests_page(request, bound={dr.pk: form}, status=422)
