"""Pages for participants themselves (namespace ``me``): public self-registration and their own pages.

The registration wizard keeps what was typed in the session, screen by screen, so going back or coming
back after an error loses nothing. Each screen's input is checked by the registration service's own rules
(``registration_validate``), keeping only the problems that belong to the screens seen so far; the last
screen calls ``participant_register``. Uploaded files wait in storage under a random draft folder until
then. The password is asked on the last screen so that it is never kept between requests.

The participant is always ``request.user.participant``, never an id from the URL.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import get_text_list, get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.core.timeutils import today
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.selectors import next_stage, pathway_get
from kolabora.regions.models import Region

from . import export
from .choices import (
    ConsentPurpose,
    DataRequestKind,
    DocumentKind,
    DomicileBasis,
    EntryTrack,
    RegistrationChannel,
    Sector,
    Sex,
)
from .forms_self import (
    CONSENT_EXPLANATIONS,
    OPTIONAL_CONSENTS,
    BusinessForm,
    ConsentChangeForm,
    ConsentForm,
    ContactForm,
    DataRequestForm,
    DocumentField,
    DomicileForm,
    IdentityForm,
    PasswordForm,
    file_kind,
)
from .models import Participant
from .services import (
    DRAFT_FOLDER,
    BusinessInput,
    DuplicateNik,
    RegistrationInput,
    consent_grant,
    consent_withdraw,
    data_request_create,
    duplicate_message,
    participant_register,
    registration_validate,
)
from .templatetags.participant_extras import rupiah
from .validation import nik_check, nik_plain

# --- the registration wizard -----------------------------------------------------------------------

SESSION_KEY = "kolabora_registration"
STEPS = 5
NON_FIELD = "__all__"
# Which screen holds each key of the service's ValidationError; keys not listed go to the last screen.
FIELD_STEP = {
    "nik": 1,
    "full_name": 1,
    "phone": 2,
    "email": 2,
    "kelurahan_code": 3,
    "address": 3,
    "domicile_basis": 3,
    "domicile_since": 3,
    "domicile_letter": 3,
    "entry_track": 4,
    "ownership_proof": 4,
    "consents": 5,
    "password": 5,
}
# The form field that shows a service key, where the names differ.
FORM_FIELD = {
    "business.name": "business_name",
    "business.sector": "sector",
    "business.started_on": "started_on",
    "business.workers": "workers",
    "business.monthly_turnover": "monthly_turnover",
    "business.nib": "nib",
}
NEVER_KEPT = frozenset({"password", "password_confirm"})


def _step_titles() -> dict[int, str]:
    return {
        1: _("Who you are"),
        2: _("How to reach you"),
        3: _("Where you live"),
        4: _("Your business"),
        5: _("Consents and check"),
    }


class Draft:
    """The wizard's state in the session: what was typed per screen, which screens passed their checks,
    errors waiting to be shown, and the uploaded files kept in storage."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or {}
        self.typed: dict[str, dict[str, Any]] = data.get("typed", {})
        self.done: set[int] = set(data.get("done", []))
        self.errors: dict[str, dict[str, list[str]]] = data.get("errors", {})
        self.files: dict[str, dict[str, str]] = data.get("files", {})
        self.folder: str = data.get("folder") or f"{DRAFT_FOLDER}/{secrets.token_hex(12)}/"
        self.duplicate: bool = data.get("duplicate", False)

    @classmethod
    def load(cls, request: HttpRequest) -> Draft:
        return cls(request.session.get(SESSION_KEY))

    def save(self, request: HttpRequest) -> None:
        request.session[SESSION_KEY] = {
            "typed": self.typed,
            "done": sorted(self.done),
            "errors": self.errors,
            "files": self.files,
            "folder": self.folder,
            "duplicate": self.duplicate,
        }

    def first_open(self, after: int = 0) -> int:
        """The first screen after ``after`` that has not passed its checks (the last screen at most)."""
        return next((n for n in range(after + 1, STEPS) if n not in self.done), STEPS)

    def blocker(self, step: int) -> int | None:
        return next((n for n in range(1, step) if n not in self.done), None)

    def nik(self) -> str:
        return nik_plain(str(self.typed.get("1", {}).get("nik", "")))

    def outside_dki(self) -> bool:
        nik = self.nik()
        return bool(nik) and not nik.startswith("31")

    def keep_file(self, kind: str, upload: UploadedFile) -> None:
        head = upload.read(8)
        upload.seek(0)
        ext = file_kind(head)
        try:
            stem = Path(get_valid_filename(Path(upload.name or kind).name)).stem[:60]
        except SuspiciousFileOperation:
            stem = kind
        name = default_storage.save(f"{self.folder}{kind}.{ext}", upload)
        old = self.files.get(kind)
        if old:
            default_storage.delete(old["name"])
        self.files[kind] = {"name": name, "original": f"{stem or kind}.{ext}"}

    def discard_files(self) -> None:
        for info in self.files.values():
            default_storage.delete(info["name"])
        self.files = {}


def _forms(step: int, draft: Draft, data: Any = None, files: Any = None) -> dict[str, forms.Form]:
    """The forms of one screen, bound to ``data`` when given, else showing what was typed before."""
    bound = data is not None
    initial = None if bound else draft.typed.get(str(step), {})
    kw: dict[str, Any] = {"data": data, "files": files, "initial": initial}
    if step == 1:
        return {"form": IdentityForm(**kw)}
    if step == 2:
        return {"form": ContactForm(**kw)}
    if step == 3:
        return {
            "form": DomicileForm(
                outside_dki=draft.outside_dki(), has_letter=DocumentKind.DOMICILE_LETTER in draft.files, **kw
            )
        }
    if step == 4:
        return {"form": BusinessForm(**kw)}
    return {"consent_form": ConsentForm(**kw), "form": PasswordForm(data=data) if bound else PasswordForm()}


def _typed(forms_: dict[str, forms.Form], post: Any) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for form in forms_.values():
        for name, field in form.fields.items():
            if name in NEVER_KEPT or isinstance(field, forms.FileField):
                continue
            typed[name] = (
                post.getlist(name) if isinstance(field, forms.MultipleChoiceField) else post.get(name, "")
            )
    return typed


def _cleaned(step: int, draft: Draft) -> dict[str, Any]:
    """What a screen's typed input means (partly, if some of it no longer passes its form)."""
    typed = draft.typed.get(str(step))
    if not typed:
        return {}
    forms_ = _forms(step, draft, data=typed)
    cleaned: dict[str, Any] = {}
    for name, form in forms_.items():
        if name == "form" and step == STEPS:
            continue
        form.is_valid()
        cleaned |= form.cleaned_data
    return cleaned


def _registration_input(
    draft: Draft, *, password: str = "", documents: dict[str, File] | None = None
) -> RegistrationInput:
    s1, s2, s3, s4, s5 = (_cleaned(n, draft) for n in range(1, 6))
    track = s4.get("entry_track", "")
    business = None
    if s4.get("business_name") or track == EntryTrack.NAIK_KELAS:
        business = BusinessInput(
            name=s4.get("business_name") or "",
            sector=s4.get("sector") or "",
            started_on=s4.get("started_on"),
            workers=s4.get("workers") or 0,
            monthly_turnover=s4.get("monthly_turnover") or 0,
            nib=s4.get("nib") or "",
        )
    outside = draft.outside_dki()
    return RegistrationInput(
        nik=s1.get("nik", ""),
        full_name=s1.get("full_name", ""),
        phone=s2.get("phone", ""),
        email=s2.get("email", ""),
        kelurahan_code=s3.get("kelurahan_code", ""),
        address=s3.get("address", ""),
        domicile_basis=DomicileBasis.DOMICILE_LETTER if outside else "",
        domicile_since=s3.get("domicile_since") if outside else None,
        entry_track=track,
        business=business,
        consents=list(s5.get("consents", [])),
        password=password,
        documents=documents if documents is not None else _draft_documents(draft, placeholders=True),
    )


def _draft_documents(draft: Draft, *, placeholders: bool = False) -> dict[str, File]:
    """The uploaded drafts as Files for the service; ``placeholders`` only name them (for checks)."""
    wanted = {DocumentKind.OWNERSHIP_PROOF} | (
        {DocumentKind.DOMICILE_LETTER} if draft.outside_dki() else set()
    )
    documents: dict[str, File] = {}
    for kind, info in draft.files.items():
        if kind not in wanted:
            continue
        if placeholders:
            documents[kind] = File(None, name=info["original"])
        else:
            documents[kind] = File(default_storage.open(info["name"], "rb"), name=info["original"])
    return documents


def _by_step(exc: ValidationError) -> dict[int, dict[str, list[str]]]:
    """A service's errors sorted by the screen that holds each field."""
    found: dict[int, dict[str, list[str]]] = {}
    items = (
        {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        if hasattr(exc, "error_dict")
        else {NON_FIELD: exc.messages}
    )
    for key, msgs in items.items():
        step = 4 if key.startswith("business.") else FIELD_STEP.get(key, STEPS)
        found.setdefault(step, {}).setdefault(FORM_FIELD.get(key, key), []).extend(msgs)
    return found


def _rule_errors(draft: Draft) -> dict[int, dict[str, list[str]]]:
    try:
        registration_validate(_registration_input(draft), channel=RegistrationChannel.ONLINE)
    except ValidationError as exc:
        return _by_step(exc)
    return {}


def _show_errors(forms_: dict[str, forms.Form], errors: dict[str, list[str]]) -> None:
    main = forms_["form"]
    for field, msgs in errors.items():
        target = next((f for f in forms_.values() if field in f.fields), None)
        for msg in msgs:
            if target is None:
                main.add_error(None, msg)
            else:
                target.add_error(field, msg)


def _nik_registered(nik: str) -> bool:
    # Told on the first screen rather than after all five: the person needs their account back.
    return Participant.objects.filter(nik=nik_plain(nik)).exists()


def _participant_of(user: Any) -> Participant | None:
    if not user.is_authenticated:
        return None
    participant: Participant | None = getattr(user, "participant", None)
    return participant


def _already_registered(request: HttpRequest) -> HttpResponse | None:
    if _participant_of(request.user) is not None:
        messages.info(request, _("You are already registered; here is your progress."))
        return redirect("me:progress")
    return None


@require_http_methods(["GET"])
def register(request: HttpRequest) -> HttpResponse:
    """Start, or carry on where the person left off."""
    if (answer := _already_registered(request)) is not None:
        return answer
    return redirect("me:register_step", step=Draft.load(request).first_open())


@require_POST
def register_reset(request: HttpRequest) -> HttpResponse:
    draft = Draft.load(request)
    draft.discard_files()
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("Everything you typed has been cleared. You can start again."))
    return redirect("me:register_step", step=1)


@require_http_methods(["GET", "POST"])
def register_step(request: HttpRequest, step: int) -> HttpResponse:
    if not 1 <= step <= STEPS:
        raise Http404
    if (answer := _already_registered(request)) is not None:
        return answer
    draft = Draft.load(request)
    if (blocker := draft.blocker(step)) is not None:
        return redirect("me:register_step", step=blocker)
    if request.method == "GET":
        forms_ = _forms(step, draft)
        if draft.errors.get(str(step)):
            # Errors found later (e.g. by the final check) are shown on the input that caused them.
            forms_ = _forms(step, draft, data=draft.typed.get(str(step), {}))
            for form in forms_.values():
                form.is_valid()
            _show_errors(forms_, draft.errors[str(step)])
        return _step_page(request, step, draft, forms_)

    forms_ = _forms(step, draft, data=request.POST, files=request.FILES)
    valid = all([form.is_valid() for form in forms_.values()])
    draft.typed[str(step)] = _typed(forms_, request.POST)
    draft.done.discard(step)
    for form in forms_.values():
        for name, field in form.fields.items():
            upload = form.cleaned_data.get(name)
            if isinstance(field, DocumentField) and isinstance(upload, UploadedFile):
                draft.keep_file(name, upload)
    if "back" in request.POST and step > 1:
        draft.save(request)
        return redirect("me:register_step", step=step - 1)
    if step == STEPS:
        if valid:
            return _submit(request, draft, forms_)
        draft.save(request)
        return _step_page(request, step, draft, forms_)

    draft.errors.pop(str(step), None)
    if step == 1:
        draft.duplicate = False
    found = _rule_errors(draft)
    if valid and step == 1 and 1 not in found and _nik_registered(forms_["form"].cleaned_data["nik"]):
        found[1] = {"nik": [duplicate_message()]}
        draft.duplicate = True
    if valid:
        for later in [n for n in found if n > step and n in draft.done]:
            # An earlier answer changed what a later screen needs (e.g. a NIK from outside Jakarta).
            draft.done.discard(later)
            draft.errors[str(later)] = found[later]
    # The programme's rules speak too when the form refused something, so every problem shows at once;
    # a field the form already refused is not told twice.
    mine = {
        field: msgs
        for field, msgs in found.get(step, {}).items()
        if not any(field in form.errors for form in forms_.values())
    }
    if mine or not valid:
        _show_errors(forms_, mine)
        draft.save(request)
        return _step_page(request, step, draft, forms_)
    draft.done.add(step)
    draft.save(request)
    return redirect("me:register_step", step=draft.first_open(after=step))


def _submit(request: HttpRequest, draft: Draft, forms_: dict[str, forms.Form]) -> HttpResponse:
    documents = _draft_documents(draft)
    try:
        participant = participant_register(
            data=_registration_input(
                draft, password=forms_["form"].cleaned_data["password"], documents=documents
            ),
            actor=None,
            channel=RegistrationChannel.ONLINE,
        )
    except DuplicateNik as exc:
        found = {1: {"nik": [str(exc)]}}
        draft.duplicate = True
    except ValidationError as exc:
        found = _by_step(exc)
    else:
        found = {}
    finally:
        for f in documents.values():
            f.close()
    if found:
        for n, errors in found.items():
            if n < STEPS:  # the last screen shows its own errors now; its password is never kept
                draft.errors[str(n)] = errors
                draft.done.discard(n)
        first = min(found)
        draft.save(request)
        if first == STEPS:
            _show_errors(forms_, found[STEPS])
            return _step_page(request, STEPS, draft, forms_)
        messages.error(request, _("Please check this screen; then carry on to the last screen to register."))
        return redirect("me:register_step", step=first)

    draft.discard_files()
    request.session.pop(SESSION_KEY, None)
    if participant.user is not None:
        login(request, participant.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, _("Welcome, %(name)s! Your registration is complete.") % {"name": participant.full_name}
    )
    if participant.eligibility_verified_at is None:
        messages.info(
            request,
            _(
                "Your kecamatan secretariat will check your domicile letter. Registration (P1) is "
                "completed once it is verified."
            ),
        )
    return redirect("me:progress")


def _review(draft: Draft) -> list[dict[str, Any]]:
    """What the person typed, screen by screen, in words, for the last screen."""
    s1, s2, s3, s4 = (_cleaned(n, draft) for n in range(1, 5))
    facts = _nik_facts(draft)
    titles = _step_titles()
    sections: list[dict[str, Any]] = [
        {
            "step": 1,
            "title": titles[1],
            "rows": [
                (_("NIK"), s1.get("nik", "")),
                (_("Full name"), s1.get("full_name", "")),
                *(
                    [
                        (_("Sex"), Sex(facts.sex).label),
                        (_("Birth date"), facts.birth_date),
                    ]
                    if facts
                    else []
                ),
            ],
        },
        {
            "step": 2,
            "title": titles[2],
            "rows": [(_("Mobile phone number"), s2.get("phone", "")), (_("Email"), s2.get("email") or "—")],
        },
    ]
    place: list[tuple[str, Any]] = [
        (_("Kelurahan"), export.place_name(s3["kelurahan_code"]) if s3.get("kelurahan_code") else "—"),
        (_("Address"), s3.get("address") or "—"),
    ]
    if draft.outside_dki():
        letter = draft.files.get(DocumentKind.DOMICILE_LETTER)
        place += [
            (_("Living in Jakarta since"), s3.get("domicile_since") or "—"),
            (_("Domicile letter from your lurah"), letter["original"] if letter else "—"),
        ]
    sections.append({"step": 3, "title": titles[3], "rows": place})
    track = s4.get("entry_track")
    business: list[tuple[str, Any]] = [(_("How do you join?"), EntryTrack(track).label if track else "—")]
    if s4.get("business_name"):
        turnover = s4.get("monthly_turnover")
        business += [
            (_("Business name"), s4["business_name"]),
            (_("Sector"), Sector(s4["sector"]).label if s4.get("sector") else "—"),
            (_("Started on"), s4.get("started_on") or "—"),
            (_("Workers"), s4.get("workers") or 0),
            (_("Monthly turnover (Rp)"), rupiah(turnover) if turnover else "—"),
            (_("NIB (if you have one)"), s4.get("nib") or "—"),
        ]
    proof = draft.files.get(DocumentKind.OWNERSHIP_PROOF)
    if proof:
        business.append((_("Proof that you own the business"), proof["original"]))
    sections.append({"step": 4, "title": titles[4], "rows": business})
    return sections


def _nik_facts(draft: Draft) -> Any:
    try:
        return nik_check(draft.nik(), today=today())
    except ValidationError:
        return None


def _step_page(request: HttpRequest, step: int, draft: Draft, forms_: dict[str, forms.Form]) -> HttpResponse:
    titles = _step_titles()
    context: dict[str, Any] = {
        "step": step,
        "total": STEPS,
        "title": titles[step],
        "steps": [{"n": n, "title": titles[n], "done": n in draft.done} for n in range(1, STEPS + 1)],
        "attached": {kind: info["original"] for kind, info in draft.files.items()},
        "duplicate": draft.duplicate and step == 1,
        "multipart": step in (3, 4),
        "has_errors": any(form.is_bound and form.errors for form in forms_.values()),
        **forms_,
    }
    for form in forms_.values():
        for name, field in form.fields.items():
            if isinstance(field, DocumentField) and name in context["attached"]:
                # On the bound field: it copied the field's help text when the form was checked.
                form[name].help_text = _("Attached: %(name)s. Choose another file only to replace it.") % {
                    "name": context["attached"][name]
                }
    if step >= 2:
        facts = _nik_facts(draft)
        if facts is not None:
            kecamatan = Region.objects.filter(code=facts.kecamatan_code).first()
            context["facts"] = {
                "sex": Sex(facts.sex).label,
                "birth_date": facts.birth_date,
                "kecamatan": kecamatan.name if kecamatan else facts.kecamatan_code,
                "outside_dki": not facts.in_dki,
            }
    if step == STEPS:
        context["review"] = _review(draft)
        consent_form = forms_["consent_form"]
        chosen = set(consent_form["consents"].value() or [])
        context["consents"] = [
            {
                "value": purpose.value,
                "label": purpose.label,
                "explanation": CONSENT_EXPLANATIONS[purpose],
                "checked": purpose.value in chosen,
            }
            for purpose in [ConsentPurpose.PROGRAMME, *OPTIONAL_CONSENTS]
        ]
        context["consent_errors"] = consent_form.errors.get("consents", [])
    return TemplateResponse(request, f"participants/self/register_{step}.html", context)


# --- the participant's own pages ---------------------------------------------------------------------


def _me(request: AuthedHttpRequest) -> Participant:
    """The logged-in person's participant record; staff without one are refused."""
    participant = _participant_of(request.user)
    if participant is None or participant.status != "active":
        raise PermissionDenied
    return participant


# Where the participant does each step's work themselves (the steps without one are done with staff).
STAGE_PAGES = {
    "P2": ("training:my_training", _lazy("My training")),
    "P4": ("licensing:mine", _lazy("My licences")),
    "P5": ("marketing:mine", _lazy("My products and marketing opportunities")),
    "P6": ("bookkeeping:mine", _lazy("My cash book")),
    "P7": ("financing:mine", _lazy("Capital: eligibility and referrals")),
}


def _stage_page(code: str) -> dict[str, str] | None:
    found = STAGE_PAGES.get(code)
    if found is None:
        return None
    try:
        return {"url": reverse(found[0]), "label": str(found[1])}
    except NoReverseMatch:
        return None


@login_required
@require_http_methods(["GET"])
def progress(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    stages = pathway_get(participant=participant)
    upcoming = next_stage(stages)
    names = {s.code: f"{s.code} {s.name}" for s in stages}
    rows = [
        {
            "stage": s,
            "page": _stage_page(s.code),
            "is_next": upcoming is not None and s.code == upcoming.code,
            "blocked": get_text_list([names.get(c, c) for c in s.blocked_by], _("and")),
            "levels": [
                {"label": f"T{n}", "reached": bool(s.level and n <= s.level)} for n in range(1, s.levels + 1)
            ],
        }
        for s in stages
    ]
    completed = sum(s.status == StageStatus.COMPLETED for s in stages)
    return TemplateResponse(
        request,
        "participants/self/progress.html",
        {
            "participant": participant,
            "rows": rows,
            "upcoming": upcoming,
            "upcoming_blocked": get_text_list([names.get(c, c) for c in upcoming.blocked_by], _("and"))
            if upcoming
            else "",
            "completed": completed,
            "total": len(stages),
            "percent": round(100 * completed / len(stages)) if stages else 0,
            "upcoming_page": _stage_page(upcoming.code) if upcoming else None,
            "awaiting_verification": participant.eligibility_verified_at is None,
            "tab": "progress",
        },
    )


@login_required
@require_http_methods(["GET"])
def my_data(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    return TemplateResponse(
        request,
        "participants/self/data.html",
        {
            "participant": participant,
            "place": export.place_name(participant.kelurahan_id),
            "businesses": participant.businesses.prefetch_related("figures"),
            "documents": export.document_list(participant=participant),
            "tab": "data",
        },
    )


@login_required
@require_http_methods(["GET"])
def consents(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    return TemplateResponse(
        request,
        "participants/self/consents.html",
        {
            "states": [
                {"state": s, "explanation": CONSENT_EXPLANATIONS[s.purpose]}
                for s in export.consent_states(participant=participant)
            ],
            "programme": ConsentPurpose.PROGRAMME.value,
            "tab": "consents",
        },
    )


@login_required
@require_POST
def consent_give(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    form = ConsentChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the purposes on this page."))
        return redirect("me:consents")
    purpose = ConsentPurpose(form.cleaned_data["purpose"])
    consent_grant(participant=participant, purpose=purpose, actor=request.user)
    messages.success(request, _("Thank you. You consented to: %(purpose)s.") % {"purpose": purpose.label})
    return redirect("me:consents")


# Consents whose withdrawal is confirmed on a page of its own that says what else it stops.
CONFIRM_WITHDRAWAL = frozenset({ConsentPurpose.PROGRAMME, ConsentPurpose.FINANCIAL_INSTITUTIONS})


@login_required
@require_POST
def consent_take_back(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    form = ConsentChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the purposes on this page."))
        return redirect("me:consents")
    purpose = ConsentPurpose(form.cleaned_data["purpose"])
    if purpose in CONFIRM_WITHDRAWAL and not form.cleaned_data["confirm"]:
        # Asked once more, in full: the programme consent takes the person out of the programme's services,
        # the financial institutions' one also withdraws referrals still waiting for a bank.
        return TemplateResponse(
            request,
            "participants/self/consent_withdraw_confirm.html",
            {"purpose": purpose, "tab": "consents"},
        )
    try:
        consent_withdraw(participant=participant, purpose=purpose, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if purpose == ConsentPurpose.PROGRAMME:
            messages.warning(
                request,
                _(
                    "You withdrew your consent to the programme administration. Staff can no longer use "
                    "your data to help you; you can give it again on this page at any time."
                ),
            )
        else:
            messages.success(
                request, _("Your consent was withdrawn: %(purpose)s.") % {"purpose": purpose.label}
            )
    return redirect("me:consents")


class _LocalTimeEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


def _export(request: AuthedHttpRequest, fmt: str) -> tuple[Participant, dict[str, Any]]:
    participant = _me(request)
    with transaction.atomic():
        # Recorded first, so the download lists itself in the record of processing.
        audit_record(
            actor=request.user,
            action=AuditAction.PERSONAL_DATA_EXPORTED,
            obj=participant,
            after={"format": fmt},
        )
    return participant, export.participant_export(participant=participant)


def _download_name(ext: str) -> str:
    return f"kolabora-data-saya-{today():%Y%m%d}.{ext}"


@login_required
@require_http_methods(["GET"])
def export_json(request: AuthedHttpRequest) -> HttpResponse:
    _participant, data = _export(request, "json")
    response = JsonResponse(
        data, encoder=_LocalTimeEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="{_download_name("json")}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def export_pdf(request: AuthedHttpRequest) -> HttpResponse:
    import weasyprint

    participant, data = _export(request, "pdf")
    html = render_to_string(
        "participants/self/export_pdf.html", {"data": data, "participant": participant}, request=request
    )
    # No base URL: the template is self-contained, so rendering never fetches anything.
    pdf = weasyprint.HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("pdf")}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def data_requests(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    kind = request.GET.get("kind", "")
    form = DataRequestForm(
        request.POST or None, initial={"kind": kind} if kind in DataRequestKind.values else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = data_request_create(
                participant=participant,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Your request was sent. You will get an answer by %(due)s.")
                % {"due": timezone.localtime(made.due_at).strftime("%d/%m/%Y %H:%M")},
            )
            return redirect("me:requests")
    return TemplateResponse(
        request,
        "participants/self/requests.html",
        {
            "form": form,
            "rows": export.data_request_list(participant=participant),
            "open_form": bool(kind) or form.is_bound,
            "tab": "requests",
        },
    )
