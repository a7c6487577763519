"""Home pages: the public face of the programme, and the staff home."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kolabora.core.choices import ProgrammeStage
from kolabora.organisations.choices import Role

from . import access
from .access import Action

# What each role does in the programme, shown on the staff home next to the user's memberships.
ROLE_DUTIES: dict[str, StrPromise] = {
    Role.SYSTEM_ADMIN: gettext_lazy("Manages accounts, reference data and the platform itself."),
    Role.PROGRAMME_MANAGER: gettext_lazy(
        "Runs the programme province-wide: organisations, agreements, targets and reports."
    ),
    Role.REGIONAL_COORDINATOR: gettext_lazy(
        "Follows the programme in one city: its kecamatan, partners and progress."
    ),
    Role.KECAMATAN_STAFF: gettext_lazy(
        "Registers participants at the kecamatan secretariat and follows them through the steps."
    ),
    Role.MENTOR: gettext_lazy(
        "Mentors participants in the kecamatan until their business is licensed and bankable."
    ),
    Role.PTSP_OFFICER: gettext_lazy("Checks and issues business licences at the one-stop service office."),
    Role.KELURAHAN_STAFF: gettext_lazy("Surveys business locations for licence applications."),
    Role.LURAH: gettext_lazy("Gives the lurah's recommendation on licence applications."),
    Role.PARTNER_STAFF: gettext_lazy("Runs training or marketing for participants under an agreement."),
    Role.BANK_OFFICER: gettext_lazy("Receives financing referrals for the institution and decides on them."),
    Role.COMMUNITY_STAFF: gettext_lazy(
        "Supports participants and refers them to services under an agreement."
    ),
}


def _participant_actions(request: HttpRequest) -> list[tuple[str, str, str]]:
    """The participant pages the user may use, most frequent work first."""
    user = request.user
    actions = []
    if access.can(user, Action.PARTICIPANT_REGISTER):
        actions.append(
            (
                "participants:register",
                _("Register a walk-in participant"),
                _("One form for someone at the kecamatan desk with their KTP."),
            )
        )
    if access.can(user, Action.PARTICIPANT_VIEW):
        actions.append(
            ("participants:list", _("Participants"), _("Find participants and follow their steps P1–P7."))
        )
        actions.append(
            (
                "participants:at_risk",
                _("At risk of dropping out"),
                _("Participants without activity for a while: call or message them."),
            )
        )
    if access.can(user, Action.PARTICIPANT_MERGE):
        actions.append(
            ("participants:duplicates", _("Likely duplicates"), _("Records of the same person to merge."))
        )
    if access.can(user, Action.DATA_REQUEST_ANSWER):
        actions.append(
            (
                "participants:data_requests",
                _("Data requests"),
                _("Participants' requests about their data, due within 3 × 24 hours."),
            )
        )
    return actions


def _work_actions(request: HttpRequest) -> list[tuple[str, str, str]]:
    """Entry points into the stage work the user's organisations do (same rules as the menu)."""
    from kolabora.core.context_processors import kolabora as navigation

    nav = navigation(request)["nav"]
    actions = []
    if nav.get("licensing_inbox"):
        actions.append(
            ("licensing:inbox", _("Licensing inbox"), _("Licence steps your office holds, overdue first."))
        )
    if nav.get("mentoring"):
        actions.append(("mentoring:home", _("My caseload"), _("Participants you mentor, most urgent first.")))
    if nav.get("training"):
        actions.append(
            ("training:course_list", _("Training"), _("Courses, sessions, attendance and follow-up."))
        )
    if nav.get("curation"):
        actions.append(
            ("marketing:curation_queue", _("Product curation"), _("Score products and pass them up or back."))
        )
    if nav.get("marketing"):
        actions.append(
            (
                "marketing:opportunity_list",
                _("Marketing opportunities"),
                _("Bazaars, exhibitions, retail spaces and online shops, with fair allocation of places."),
            )
        )
    if nav.get("bookkeeping"):
        actions.append(
            (
                "bookkeeping:consistency",
                _("Bookkeeping consistency"),
                _("Whose cash books are kept month by month, and who fell behind."),
            )
        )
    if nav.get("financing_inbox"):
        actions.append(
            (
                "financing:inbox",
                _("Referrals received"),
                _("Financing referrals for your institution to decide."),
            )
        )
    if nav.get("financing_referrals"):
        actions.append(
            (
                "financing:referrals",
                _("Financing referrals"),
                _("Refer participants who are ready for capital, and follow the bank's answer."),
            )
        )
    if nav.get("analytics"):
        actions.append(
            (
                "analytics:funnel",
                _("Funnel and targets"),
                _("Participants per step and region (Tabel 2), targets, attainment and anomalies."),
            )
        )
    if nav.get("governance"):
        actions.append(
            (
                "governance:indicators",
                _("Collaborative governance"),
                _("Indicators, accountability per organisation, the network and assessments."),
            )
        )
    if nav.get("feedback"):
        actions.append(
            (
                "governance:feedback_list",
                _("Participant feedback"),
                _(
                    "Ratings and comments on your organisation's services, to answer within the service level."
                ),
            )
        )
    if nav.get("imports"):
        actions.append(
            (
                "bulkdata:home",
                _("Import participants"),
                _("Bring a spreadsheet of participants in, checked row by row."),
            )
        )
    if nav.get("exports"):
        actions.append(
            (
                "exports:participants",
                _("Export participants"),
                _("Download participants and their steps as xlsx or CSV."),
            )
        )
    return actions


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return TemplateResponse(request, "core/home_public.html", {"stages": ProgrammeStage.choices})
    staff = bool(access.memberships(request.user)) or access.is_system_admin(request.user)
    if hasattr(request.user, "participant") and not staff:
        # Participants have their own progress page (namespace "me"); staff who also take part keep this one.
        try:
            return redirect(reverse("me:progress"))
        except NoReverseMatch:
            pass
    memberships = [
        {"membership": m, "duty": ROLE_DUTIES.get(m.role, "")} for m in access.memberships(request.user)
    ]
    actions = _participant_actions(request) + _work_actions(request)
    if access.can(request.user, Action.ORGANISATION_VIEW):
        actions.append(
            (
                "organisations:list",
                _("Organisations"),
                _("See the organisations taking part and their people."),
            )
        )
    if access.can(request.user, Action.ORGANISATION_CREATE):
        actions.append(
            ("organisations:create", _("Add an organisation"), _("Register a new partner or office."))
        )
    if access.can(request.user, Action.AGREEMENT_VIEW):
        actions.append(
            (
                "organisations:agreement_list",
                _("Agreements"),
                _("Cooperation agreements (PKS/MoU) and what they cover."),
            )
        )
    if access.can(request.user, Action.AGREEMENT_CREATE):
        actions.append(
            (
                "organisations:agreement_create",
                _("Record an agreement"),
                _("Add a new PKS or MoU as a draft."),
            )
        )
    actions.append(("accounts:password_change", _("Change password"), _("Keep your account safe.")))
    return TemplateResponse(
        request,
        "core/home_staff.html",
        {"memberships": memberships, "actions": actions, "is_admin": access.is_system_admin(request.user)},
    )


@require_http_methods(["GET"])
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
