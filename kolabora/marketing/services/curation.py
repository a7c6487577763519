"""Curation from the kecamatan up to the province (seed 001): curators score a product on the programme's
criteria and pass it up or send it back with notes. Each level is a hand-off to the office of that level,
with a service level, so the wait shows in the curators' queue and in the governance figures."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import handoff_finish, handoff_open
from kolabora.notifications.services import notify
from kolabora.organisations.choices import OrganisationType
from kolabora.organisations.models import Membership, Organisation
from kolabora.regions.models import Region

from ..choices import CURATION_ORDER, CurationLevel, ProductStatus, ReviewStatus
from ..models import CurationCriterion, CurationReview, Product

if TYPE_CHECKING:
    from kolabora.accounts.models import User

SUBJECT = "marketing.curationreview"
# Working days each level has to curate a product.
SERVICE_DAYS = {CurationLevel.KECAMATAN: 5, CurationLevel.KOTA: 5, CurationLevel.PROVINCE: 10}
# The office holding each level: its type, and how many characters of the kelurahan code its region has.
OFFICES = {
    CurationLevel.KECAMATAN: (OrganisationType.KECAMATAN_SECRETARIAT, 8),
    CurationLevel.KOTA: (OrganisationType.GOVERNMENT_AGENCY, 5),
    CurationLevel.PROVINCE: (OrganisationType.GOVERNMENT_AGENCY, 2),
}
SCORE_MIN, SCORE_MAX = 1, 5


def curation_office(level: str, kelurahan_code: str) -> Organisation:
    """The office that curates at ``level`` for a participant living in ``kelurahan_code``."""
    org_type, length = OFFICES[CurationLevel(level)]
    region = kelurahan_code[:length]
    office = (
        Organisation.objects.filter(type=org_type, region_id=region, is_active=True).order_by("pk").first()
    )
    if office is None:
        name = Region.objects.filter(code=region).values_list("name", flat=True).first() or region
        raise ValidationError(
            _(
                "No office curates products at %(level)s level for %(region)s in Kolabora yet; ask the programme managers."
            )
            % {"level": CurationLevel(level).label, "region": name}
        )
    return office


def next_level(product: Product) -> CurationLevel | None:
    """The level a product goes to next: the one above the highest it has passed (None after the province)."""
    if not product.curation_level:
        return CurationLevel.KECAMATAN
    index = CURATION_ORDER.index(CurationLevel(product.curation_level))
    return CURATION_ORDER[index + 1] if index + 1 < len(CURATION_ORDER) else None


def _curators(office: Organisation, level: str) -> list[User]:
    roles = access.CURATION_LEVEL_ROLES[level]
    return [
        m.user
        for m in Membership.objects.filter(
            organisation=office, role__in=roles, is_active=True
        ).select_related("user")
    ]


def _open(product: Product, level: CurationLevel, actor: User | None, at: dt.datetime) -> CurationReview:
    office = curation_office(level, product.participant.kelurahan_id)
    review = CurationReview.objects.create(
        product=product, level=level, organisation=office, requested_by=actor
    )
    handoff_open(
        subject_type=SUBJECT,
        subject_id=review.pk,
        step=f"curation_{level}",
        step_name=_("Curation at %(level)s level") % {"level": level.label},
        organisation=office,
        service_days=SERVICE_DAYS[level],
        participant=product.participant,
        actor=actor,
        at=at,
    )
    notify(
        users=_curators(office, level),
        subject=_("A product to curate: %(name)s") % {"name": product.name},
        body=_("%(business)s asks for curation at %(level)s level.")
        % {"business": product.business.name, "level": level.label},
        link=reverse("marketing:curation_review", args=[review.pk]),
        kind="marketing",
    )
    return review


def curation_request(*, product: Product, actor: User, at: dt.datetime | None = None) -> CurationReview:
    """Send a published product to the next curation level (kecamatan first)."""
    if not access.can_market_for(actor, product.participant):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        p = (
            Product.objects.select_for_update(of=("self",))
            .select_related("participant", "business")
            .get(pk=product.pk)
        )
        if p.status != ProductStatus.PUBLISHED:
            raise ValidationError(
                _("Publish the product first: only products whose licences are in order are curated.")
            )
        if CurationReview.objects.filter(product=p, status=ReviewStatus.PENDING).exists():
            raise ValidationError(_("This product is already with the curators."))
        level = next_level(p)
        if level is None:
            raise ValidationError(
                _("This product has passed curation up to the province; there is no level above.")
            )
        review = _open(p, level, actor, now)
        audit_record(
            actor=actor,
            action=AuditAction.CURATION_REQUESTED,
            obj=p,
            organisation=review.organisation,
            after={"review": review.pk, "level": level.value},
        )
    return review


def _score(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def weighted_score(scores: dict[str, int], criteria: list[CurationCriterion]) -> int:
    """The weighted mean of 1–5 scores on a 0–100 scale (all 5 → 100, all 1 → 20)."""
    total = sum(c.weight * SCORE_MAX for c in criteria)
    if not total:
        return 0
    return round(100 * sum(c.weight * scores[c.code] for c in criteria) / total)


def curation_decide(
    *,
    review: CurationReview,
    actor: User,
    scores: dict[str, int],
    passed: bool,
    notes: str = "",
    at: dt.datetime | None = None,
) -> CurationReview:
    """Score every active criterion 1–5 and pass the product up (the next level's office receives it) or
    send it back with notes saying what to improve. Only curators of the review's level over the product's
    area decide; the first decision wins, a second one is refused."""
    now = at or timezone.now()
    notes = notes.strip()
    with transaction.atomic():
        r = (
            CurationReview.objects.select_for_update(of=("self",))
            .select_related("product__participant", "product__business", "organisation")
            .get(pk=review.pk)
        )
        product = r.product
        if not access.can_curate(actor, r.level, product.participant.kelurahan_id):
            raise PermissionDenied
        if r.status != ReviewStatus.PENDING:
            raise ValidationError(
                _("This product has already been curated at this level (%(status)s).")
                % {"status": ReviewStatus(r.status).label}
            )
        criteria = list(CurationCriterion.objects.filter(is_active=True).order_by("order", "code"))
        errors: dict[str, str] = {}
        unscored = [c.name for c in criteria if not SCORE_MIN <= _score(scores.get(c.code)) <= SCORE_MAX]
        if unscored:
            errors["scores"] = _("Give a score from 1 to 5 for: %(criteria)s.") % {
                "criteria": ", ".join(unscored)
            }
        if not passed and not notes:
            errors["notes"] = _("Say what the participant should improve before the product can pass.")
        if errors:
            raise ValidationError(errors)
        kept = {c.code: _score(scores[c.code]) for c in criteria}
        r.status = ReviewStatus.PASSED if passed else ReviewStatus.RETURNED
        r.scores = kept
        r.score = weighted_score(kept, criteria)
        r.notes = notes
        r.reviewer = actor
        r.decided_at = now
        r.save()
        handoff = Handoff.objects.filter(
            subject_type=SUBJECT, subject_id=r.pk, status=HandoffStatus.OPEN
        ).first()
        if handoff is not None:
            handoff_finish(handoff=handoff, actor=actor, outcome=str(ReviewStatus(r.status).label), at=now)
        audit_record(
            actor=actor,
            action=AuditAction.CURATION_PASSED if passed else AuditAction.CURATION_RETURNED,
            obj=product,
            organisation=r.organisation,
            after={"review": r.pk, "level": r.level, "scores": kept, "score": r.score},
            reason=notes,
        )
        following: CurationLevel | None = None
        if passed:
            Product.objects.filter(pk=product.pk).update(curation_level=r.level, curation_score=r.score)
            product.curation_level, product.curation_score = r.level, r.score
            following = next_level(product)
            if following is not None and product.status == ProductStatus.PUBLISHED:
                try:
                    with transaction.atomic():
                        _open(product, following, actor, now)
                except ValidationError:
                    # No office holds the next level yet: the pass stands; the participant can send the
                    # product up later, and is then told which office is missing.
                    following = None
        _tell_participant(product, r, following)
    return r


def _tell_participant(product: Product, review: CurationReview, following: CurationLevel | None) -> None:
    user = product.participant.user
    if user is None:
        return
    level = CurationLevel(review.level).label
    if review.status == ReviewStatus.RETURNED:
        subject = _("“%(name)s” was sent back by the %(level)s curators") % {
            "name": product.name,
            "level": level,
        }
        body = review.notes
    elif following is not None:
        subject = _("“%(name)s” passed curation at %(level)s level") % {"name": product.name, "level": level}
        body = _("Score %(score)s of 100. It now goes to the %(next)s level.") % {
            "score": review.score,
            "next": following.label,
        }
    else:
        subject = _("“%(name)s” passed curation at %(level)s level") % {"name": product.name, "level": level}
        body = _("Score %(score)s of 100.") % {"score": review.score}
    notify(
        users=[user],
        subject=subject,
        body=body,
        link=reverse("marketing:product", args=[product.pk]),
        kind="marketing",
    )
