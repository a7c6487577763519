"""The curators' pages: the queue of products waiting at the levels and areas one curates (the longest
waiting and the overdue first), and one product's curation form, scored on the programme's criteria."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolabora.core import access
from kolabora.core.forms import apply_validation_error
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.core.timeutils import today
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.licensing.models import Licence

from .. import selectors, services
from ..choices import ReviewStatus
from ..forms import CurationForm
from ..models import CurationCriterion, CurationReview
from ..services.curation import SUBJECT


@login_required
@require_http_methods(["GET"])
def curation_queue(request: AuthedHttpRequest) -> HttpResponse:
    if not access.is_curator(request.user):
        raise PermissionDenied
    rows = selectors.curation_queue(request.user)
    return TemplateResponse(
        request,
        "marketing/staff/curation_queue.html",
        {"rows": rows, "overdue": sum(1 for r in rows if r.overdue), "today": today()},
    )


def _review(user: object, pk: int) -> CurationReview:
    review = (
        CurationReview.objects.select_related(
            "product__participant__kelurahan",
            "product__business",
            "product__category",
            "organisation",
            "reviewer",
        )
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404
    if not access.can_curate(user, review.level, review.product.participant.kelurahan_id):  # type: ignore[arg-type]
        raise PermissionDenied
    return review


@login_required
@require_http_methods(["GET", "POST"])
def curation_review(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Score a product at the review's level, then pass it up or send it back with notes."""
    review = _review(request.user, pk)
    product = review.product
    criteria = list(CurationCriterion.objects.filter(is_active=True).order_by("order", "code"))
    form = CurationForm(request.POST or None, criteria=criteria)
    status = 200
    if request.method == "POST":
        if review.status != ReviewStatus.PENDING:
            messages.error(
                request, _("Nothing was changed: this product has already been curated at this level.")
            )
            return redirect("marketing:curation_review", pk=review.pk)
        if form.is_valid():
            try:
                services.curation_decide(
                    review=review,
                    actor=request.user,
                    scores=form.scores(),
                    passed=form.cleaned_data["decision"] == CurationForm.MOVE_UP,
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                review.refresh_from_db()
                if review.status == ReviewStatus.PASSED:
                    messages.success(
                        request,
                        _("“%(name)s” passed with %(score)s of 100.")
                        % {"name": product.name, "score": review.score},
                    )
                else:
                    messages.success(
                        request,
                        _("“%(name)s” went back to the participant with your notes.")
                        % {"name": product.name},
                    )
                return redirect("marketing:curation_queue")
        status = 422
    handoff = (
        Handoff.objects.filter(subject_type=SUBJECT, subject_id=review.pk).order_by("-received_at").first()
    )
    criteria_names = {c.code: c.name for c in criteria}
    return TemplateResponse(
        request,
        "marketing/staff/curation_review.html",
        {
            "review": review,
            "product": product,
            "form": form,
            "photos": list(product.photos.all()),
            "licences": list(Licence.objects.filter(products=product).select_related("licence_type")),
            "missing": services.missing_licences(product),
            "history": [
                (r, [(criteria_names.get(code, code), score) for code, score in r.scores.items()])
                for r in selectors.curation_history(product)
                if r.pk != review.pk
            ],
            "decided_scores": [
                (criteria_names.get(code, code), score) for code, score in review.scores.items()
            ],
            "handoff": handoff,
            "overdue": bool(handoff and handoff.status == HandoffStatus.OPEN and handoff.due_on < today()),
        },
        status=status,
    )
