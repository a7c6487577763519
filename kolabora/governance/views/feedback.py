"""Feedback pages: the participant's own ("Umpan balik saya": rate a service received, read answers),
the feedback an organisation received (to answer), and the programme's overview of ratings, response
times and themes for holders of ``FEEDBACK_VIEW``.

The participant is always ``request.user.participant``, never an id from the URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.participants.models import Participant

from .. import services
from ..choices import FeedbackStatus
from ..exports import csv_response
from ..feedback_kinds import KINDS, kind_label
from ..forms import AnswerForm, FeedbackFilterForm, FeedbackForm
from ..models import Feedback
from ..selectors import feedback as selectors
from ..themes import theme_label
from .common import page_scope

PAGE_SIZE = 25


def _me(request: AuthedHttpRequest) -> Participant:
    participant: Participant | None = getattr(request.user, "participant", None)
    if participant is None or participant.status != "active":
        raise PermissionDenied
    return participant


@login_required
@require_http_methods(["GET"])
def my_feedback(request: AuthedHttpRequest) -> HttpResponse:
    participant = _me(request)
    rateable = selectors.rateable_services(participant)
    return TemplateResponse(
        request,
        "governance/my_feedback.html",
        {
            "to_rate": [r for r in rateable if r.feedback is None],
            "given": Feedback.objects.filter(participant=participant).select_related(
                "organisation", "handoff"
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_give(request: AuthedHttpRequest, kind: str, subject_id: int) -> HttpResponse:
    participant = _me(request)
    handler = KINDS.get(kind)
    service = handler.get(participant, subject_id) if handler is not None else None
    if service is None:
        raise Http404
    if Feedback.objects.filter(
        participant=participant, subject_type=service.subject_type, subject_id=subject_id
    ).exists():
        messages.info(request, _("You have already given feedback on this service."))
        return redirect("governance:my_feedback")
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_give(
                participant=participant,
                kind=kind,
                subject_id=subject_id,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Thank you. %(organisation)s will answer you within %(days)s working days.")
                % {"organisation": service.organisation.name, "days": services.answer_days()},
            )
            return redirect("governance:my_feedback")
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "governance/feedback_give.html",
        {"form": form, "service": service, "kind_label": kind_label(kind), "days": services.answer_days()},
        status=status,
    )


def _staff(request: AuthedHttpRequest) -> None:
    """Feedback lists are for staff: organisations' members and FEEDBACK_VIEW holders."""
    if not (access.memberships(request.user) or access.is_system_admin(request.user)):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def feedback_list(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request)
    ps = page_scope(request, Action.FEEDBACK_VIEW, require=False)
    filters = FeedbackFilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.feedback_visible(
        request.user, ps.scope, status=f.get("status", ""), theme=f.get("theme", ""), kind=f.get("kind", "")
    )
    summary = selectors.feedback_summary(qs, ps.scope)
    # Open feedback first, the longest overdue at the top; answered feedback after it, newest first.
    ordered = qs.order_by("-status", "handoff__due_on", "-created_at", "-pk")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    for fb in page.object_list:
        fb.theme_labels = [theme_label(t) for t in fb.themes]  # type: ignore[attr-defined]
    today = timezone.localdate()
    template = "governance/feedback_list.html"
    if is_htmx(request):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "ps": ps,
            "filters": filters,
            "summary": summary,
            "page": page,
            "today": today,
            "is_reader": access.governance_codes(request.user, Action.FEEDBACK_VIEW) != [],
        },
    )


@login_required
@require_http_methods(["GET"])
def feedback_csv(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request)
    ps = page_scope(request, Action.FEEDBACK_VIEW, require=False)
    filters = FeedbackFilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.feedback_visible(
        request.user, ps.scope, status=f.get("status", ""), theme=f.get("theme", ""), kind=f.get("kind", "")
    ).order_by("-created_at", "-pk")
    table = request.GET.get("table", "")
    if table in ("themes", "organisations"):
        summary = selectors.feedback_summary(qs, ps.scope)
        if table == "themes":
            return csv_response(
                "umpan-balik-tema.csv",
                [_("Theme"), _("Comments"), _("Average rating"), _("Keywords")],
                ([t.label, t.count, t.rating, ", ".join(t.keywords)] for t in summary.themes),
            )
        return csv_response(
            "umpan-balik-organisasi.csv",
            [
                _("Organisation"),
                _("Feedback"),
                _("Average rating"),
                _("Answered"),
                _("Within the service level (%)"),
                _("Overdue"),
            ],
            (
                [o.name, o.count, o.rating, o.answered, o.within_share, o.open_overdue]
                for o in summary.organisations
            ),
        )
    return csv_response(
        "umpan-balik.csv",
        [
            _("Given on"),
            _("Service"),
            _("Kind"),
            _("Organisation"),
            _("Kelurahan"),
            _("Rating"),
            _("Comment"),
            _("Themes"),
            _("Status"),
            _("Due on"),
            _("Answered on"),
            _("Within the service level"),
            _("Answer"),
        ],
        (
            [
                timezone.localtime(fb.created_at).strftime("%Y-%m-%d %H:%M"),
                fb.service_title,
                kind_label(fb.kind),
                fb.organisation.name,
                fb.participant.kelurahan_id,
                fb.rating,
                fb.comment,
                "; ".join(theme_label(t) for t in fb.themes),
                FeedbackStatus(fb.status).label,
                fb.handoff.due_on.isoformat() if fb.handoff else "",
                timezone.localtime(fb.answered_at).strftime("%Y-%m-%d %H:%M") if fb.answered_at else "",
                ""
                if fb.handoff is None or fb.handoff.within_service_level is None
                else (_("yes") if fb.handoff.within_service_level else _("no")),
                fb.answer,
            ]
            for fb in qs[:20000]
        ),
    )


@login_required
@require_http_methods(["GET"])
def feedback_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    fb = selectors.access_feedback(request.user, pk)
    can_answer = fb.status == FeedbackStatus.OPEN and access.can_answer_feedback(request.user, fb)
    return TemplateResponse(
        request,
        "governance/feedback_detail.html",
        {
            "fb": fb,
            "form": AnswerForm() if can_answer else None,
            "can_answer": can_answer,
            "kind_label": kind_label(fb.kind),
            "themes": [theme_label(t) for t in fb.themes],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def feedback_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    fb = selectors.access_feedback(request.user, pk)
    if not access.can_answer_feedback(request.user, fb):
        raise PermissionDenied
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_answer(feedback=fb, actor=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Answer sent. The participant has been notified."))
            return redirect("governance:feedback_detail", pk=fb.pk)
    return TemplateResponse(
        request,
        "governance/feedback_detail.html",
        {
            "fb": fb,
            "form": form,
            "can_answer": fb.status == FeedbackStatus.OPEN,
            "kind_label": kind_label(fb.kind),
            "themes": [theme_label(t) for t in fb.themes],
            "today": timezone.localdate(),
        },
        status=422,
    )
