"""Marketing opportunities: bazaars, exhibitions, retail spaces (e.g. Thamrin 10) and e-commerce onboarding,
with places given by one written rule (seed 004: a clear schedule, nobody monopolises the stands).

The rotation rule: among the applications still in the running, those whose participant held fewer places
in the last twelve months come first; ties go to the higher curation score, then to whoever applied first
(the longer wait). Every allocation stores the keys it was decided on, so it explains itself, and each
decision is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record, changed, snapshot
from kolabora.core.choices import AuditAction
from kolabora.notifications.services import notify
from kolabora.organisations.models import Organisation
from kolabora.participants.choices import ConsentPurpose, RelationshipKind
from kolabora.participants.models import Participant, Relationship
from kolabora.participants.services import relationship_end, relationship_open
from kolabora.regions.models import Region

from ..choices import (
    HOLDS_SLOT,
    IN_RUNNING,
    ApplicationStatus,
    OpportunityKind,
    OpportunityStatus,
    ProductStatus,
)
from ..models import Opportunity, OpportunityApplication, Product
from ._common import p5_complete, p5_start

if TYPE_CHECKING:
    from kolabora.accounts.models import User

ROTATION_WINDOW_DAYS = 365
MAX_SLOTS = 2000
RULE = "fewer_places_then_curation_score_then_waiting_time"
EDITABLE = ("kind", "title", "description", "location", "region", "starts_on", "ends_on", "apply_by", "slots")


@dataclass(frozen=True)
class OpportunityInput:
    organiser: Organisation
    kind: str
    title: str
    region: Region
    starts_on: dt.date
    ends_on: dt.date
    apply_by: dt.date
    slots: int
    description: str = ""
    location: str = ""
    product_required: bool = True


@dataclass(frozen=True)
class RankKey:
    """What the rotation rule orders by, for one application (smaller sorts first)."""

    previous_slots: int
    curation_score: int
    score_from: str  # product | best_product | none
    applied_at: dt.datetime
    pk: int

    def sort_key(self) -> tuple[int, int, dt.datetime, int]:
        return (self.previous_slots, -self.curation_score, self.applied_at, self.pk)


@dataclass(frozen=True)
class AllocationResult:
    opportunity: Opportunity
    allocated: list[OpportunityApplication]
    waitlisted: list[OpportunityApplication]


def _lock(opportunity: Opportunity) -> Opportunity:
    return (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("organiser", "region")
        .get(pk=opportunity.pk)
    )


def _region_allowed(organiser: Organisation, region: Region) -> bool:
    """A government office offers places inside its region; a partner inside its P5 agreements' regions."""
    if organiser.type in access.GOVERNMENT_TYPES:
        return access.region_covers([organiser.region_id], region.code)
    regions = [a.region_id for a in access.agreements_in_force(organiser, stage="P5")]
    return access.region_covers(regions, region.code)


def _errors(data: OpportunityInput, *, day: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.kind not in OpportunityKind.values:
        errors["kind"] = _("Choose the kind of opportunity.")
    if not data.title.strip():
        errors["title"] = _("Give the opportunity a title.")
    if not 1 <= data.slots <= MAX_SLOTS:
        errors["slots"] = _("Give the number of places, from 1 to %(n)s.") % {"n": MAX_SLOTS}
    if data.ends_on < data.starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    elif data.ends_on < day:
        errors["ends_on"] = _("The opportunity has already ended.")
    if data.apply_by > data.ends_on:
        errors["apply_by"] = _("Applications must close by the last day of the opportunity.")
    if not _region_allowed(data.organiser, data.region):
        errors["region"] = _("%(organiser)s cannot offer places to participants from %(region)s.") % {
            "organiser": data.organiser.name,
            "region": data.region.name,
        }
    return errors


def _require_organiser(actor: User, organiser: Organisation) -> None:
    if access.can_organise(actor, organiser):
        return
    if access.member_with_role(actor, organiser.pk, access.OPPORTUNITY_PARTNER_ROLES):
        # A partner's own staff: tell them why instead of a bare refusal.
        raise ValidationError(
            {
                "organiser": _(
                    "%(organiser)s has no agreement in force covering P5 marketing, so it cannot offer places now."
                )
                % {"organiser": organiser.name}
            }
        )
    raise PermissionDenied


def opportunity_create(*, data: OpportunityInput, actor: User) -> Opportunity:
    _require_organiser(actor, data.organiser)
    errors = _errors(data, day=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        opportunity = Opportunity.objects.create(
            organiser=data.organiser,
            kind=data.kind,
            title=data.title.strip(),
            description=data.description.strip(),
            location=data.location.strip(),
            region=data.region,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            apply_by=data.apply_by,
            slots=data.slots,
            product_required=data.product_required,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.OPPORTUNITY_CREATED,
            obj=opportunity,
            organisation=data.organiser,
            after=snapshot(opportunity, [*EDITABLE, "product_required"]),
        )
    return opportunity


def opportunity_update(*, opportunity: Opportunity, data: OpportunityInput, actor: User) -> Opportunity:
    """Change the details. The organiser stays; places cannot drop below those already given."""
    if not access.can_manage_opportunity(actor, opportunity):
        raise PermissionDenied
    with transaction.atomic():
        o = _lock(opportunity)
        if o.status == OpportunityStatus.CANCELLED:
            raise ValidationError(_("This opportunity was cancelled."))
        errors = _errors(replace(data, organiser=o.organiser), day=timezone.localdate())
        given = o.applications.filter(status__in=HOLDS_SLOT).count()
        if data.slots < given:
            errors["slots"] = _("%(n)s places are already given; the number cannot go below that.") % {
                "n": given
            }
        if errors:
            raise ValidationError(errors)
        before = snapshot(o, [*EDITABLE, "product_required"])
        for name in EDITABLE:
            setattr(o, name, getattr(data, name))
        o.title, o.description, o.location = o.title.strip(), o.description.strip(), o.location.strip()
        o.product_required = data.product_required
        o.save()
        old, new = changed(before, snapshot(o, [*EDITABLE, "product_required"]))
        if new:
            audit_record(
                actor=actor,
                action=AuditAction.OPPORTUNITY_UPDATED,
                obj=o,
                organisation=o.organiser,
                before=old,
                after=new,
            )
    return o


def apply_refusal(
    opportunity: Opportunity, participant: Participant, *, day: dt.date | None = None
) -> str | None:
    """Why this participant cannot apply now, in words (None when they can). Shown before they try."""
    day = day or timezone.localdate()
    if opportunity.status == OpportunityStatus.CANCELLED:
        return _("This opportunity was cancelled.")
    if day > opportunity.apply_by:
        return _("Applications closed on %(date)s.") % {"date": date_format(opportunity.apply_by)}
    if participant.status != "active":
        return _("This participant's record is no longer active.")
    if not access.region_covers([opportunity.region_id], participant.kelurahan_id):
        return _("This opportunity is for participants living in %(region)s.") % {
            "region": opportunity.region.name
        }
    if (
        OpportunityApplication.objects.filter(opportunity=opportunity, participant=participant)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .exists()
    ):
        return _("Already applied for this opportunity.")
    return None


def needs_marketplace_consent(opportunity: Opportunity, participant: Participant) -> bool:
    """A partner organiser receives the applicant's data: that needs the consent to sharing with
    marketplaces. A government office does not (programme administration)."""
    return opportunity.organiser.type not in access.GOVERNMENT_TYPES and not access.consent_is_open(
        participant, ConsentPurpose.MARKETPLACES
    )


def opportunity_apply(
    *,
    opportunity: Opportunity,
    participant: Participant,
    actor: User,
    product: Product | None = None,
    at: dt.datetime | None = None,
) -> OpportunityApplication:
    """Apply for a place (the participant, or staff helping them). Opens a marketing relationship with the
    organiser, through which a partner then sees the applicant (with the consent)."""
    if not access.can_market_for(actor, participant):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        o = _lock(opportunity)
        refusal = apply_refusal(o, participant, day=timezone.localdate(now))
        if refusal:
            raise ValidationError(refusal)
        if product is not None and (
            product.participant_id != participant.pk or product.status != ProductStatus.PUBLISHED
        ):
            raise ValidationError(
                {"product": _("Choose one of this participant's products in the catalogue.")}
            )
        if product is None and o.product_required:
            raise ValidationError(
                {
                    "product": _(
                        "This opportunity needs a product published in the catalogue (its licences in order). "
                        "Publish one first, then apply with it."
                    )
                }
            )
        if needs_marketplace_consent(o, participant):
            raise ValidationError(
                {
                    "consent": _(
                        "%(organiser)s is a partner organisation: the participant must first agree to sharing "
                        "with marketplaces, so it can see the application."
                    )
                    % {"organiser": o.organiser.name}
                }
            )
        application = OpportunityApplication.objects.create(
            opportunity=o, participant=participant, product=product, applied_at=now, applied_by=actor
        )
        relationship_open(
            participant=participant,
            organisation=o.organiser,
            kind=RelationshipKind.MARKETING,
            source=f"opportunity_application:{application.pk}",
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.OPPORTUNITY_APPLIED,
            obj=application,
            organisation=o.organiser,
            after={
                "opportunity": o.pk,
                "participant": participant.pk,
                "product": product.pk if product else None,
            },
        )
        p5_start(participant=participant, reason=_("Applied for %(title)s") % {"title": o.title})
    return application


def application_withdraw(*, application: OpportunityApplication, actor: User) -> OpportunityApplication:
    """Withdraw before the opportunity starts; a place given frees up for the next allocation."""
    if not access.can_market_for(actor, application.participant):
        raise PermissionDenied
    with transaction.atomic():
        o = _lock(application.opportunity)
        a = OpportunityApplication.objects.select_for_update().get(pk=application.pk)
        if a.status not in (*IN_RUNNING, ApplicationStatus.ALLOCATED):
            raise ValidationError(
                _("This application can no longer be withdrawn (%(status)s).")
                % {"status": ApplicationStatus(a.status).label}
            )
        if timezone.localdate() >= o.starts_on:
            raise ValidationError(_("The opportunity has started; tell the organiser instead."))
        before = a.status
        a.status = ApplicationStatus.WITHDRAWN
        a.save(update_fields=["status", "updated_at"])
        for rel in Relationship.objects.filter(
            participant_id=a.participant_id,
            organisation_id=o.organiser_id,
            kind=RelationshipKind.MARKETING,
            source=f"opportunity_application:{a.pk}",
            ended_at__isnull=True,
        ):
            relationship_end(relationship=rel, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.OPPORTUNITY_APPLICATION_WITHDRAWN,
            obj=a,
            organisation=o.organiser,
            before={"status": before},
            after={"status": a.status},
        )
    return a


def rank_keys(
    opportunity: Opportunity, applications: list[OpportunityApplication], *, day: dt.date
) -> dict[int, RankKey]:
    """The rotation rule's keys for each application (by application id)."""
    people = {a.participant_id for a in applications}
    since = day - dt.timedelta(days=ROTATION_WINDOW_DAYS)
    previous = dict(
        OpportunityApplication.objects.filter(
            participant_id__in=people, status__in=HOLDS_SLOT, opportunity__starts_on__gte=since
        )
        .exclude(opportunity=opportunity)
        .exclude(opportunity__status=OpportunityStatus.CANCELLED)
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values_list("participant_id", "n")
    )
    best = dict(
        Product.objects.filter(participant_id__in=people, curation_score__isnull=False)
        .values("participant_id")
        .annotate(best=Max("curation_score"))
        .values_list("participant_id", "best")
    )
    keys: dict[int, RankKey] = {}
    for a in applications:
        if a.product is not None and a.product.curation_score is not None:
            score, source = a.product.curation_score, "product"
        elif best.get(a.participant_id) is not None:
            score, source = best[a.participant_id], "best_product"
        else:
            score, source = 0, "none"
        keys[a.pk] = RankKey(
            previous_slots=previous.get(a.participant_id, 0),
            curation_score=score,
            score_from=source,
            applied_at=a.applied_at,
            pk=a.pk,
        )
    return keys


def _decided_by(mine: RankKey, other: RankKey | None) -> str:
    """Which key of the rule separated this application from the one across the line."""
    if other is None:
        return "enough_places"
    if mine.previous_slots != other.previous_slots:
        return "previous_slots"
    if mine.curation_score != other.curation_score:
        return "curation_score"
    if mine.applied_at != other.applied_at:
        return "applied_at"
    return "order"


def opportunity_allocate(
    *, opportunity: Opportunity, actor: User, at: dt.datetime | None = None
) -> AllocationResult:
    """Give the free places by the rotation rule to the applications still in the running; the others wait
    in that order. Can run again (e.g. after a withdrawal): places already given stay given."""
    if not access.can_manage_opportunity(actor, opportunity):
        raise PermissionDenied
    now = at or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        o = _lock(opportunity)
        if o.status == OpportunityStatus.CANCELLED:
            raise ValidationError(_("This opportunity was cancelled."))
        if o.ends_on < day:
            raise ValidationError(_("This opportunity has ended; places can no longer be given."))
        candidates = list(
            OpportunityApplication.objects.select_for_update(of=("self",))
            .filter(opportunity=o, status__in=IN_RUNNING)
            .select_related("product", "participant__user")
        )
        if not candidates:
            raise ValidationError(_("No application is waiting for a place."))
        held = o.applications.filter(status__in=HOLDS_SLOT).count()
        free = max(o.slots - held, 0)
        keys = rank_keys(o, candidates, day=day)
        ranked = sorted(candidates, key=lambda a: keys[a.pk].sort_key())
        last_in = keys[ranked[free - 1].pk] if 0 < free <= len(ranked) else None
        first_out = keys[ranked[free].pk] if free < len(ranked) else None
        allocated: list[OpportunityApplication] = []
        waitlisted: list[OpportunityApplication] = []
        for rank, a in enumerate(ranked, start=1):
            key = keys[a.pk]
            given = rank <= free
            status = ApplicationStatus.ALLOCATED if given else ApplicationStatus.WAITLISTED
            explanation = {
                "rule": RULE,
                "rank": rank,
                "of": len(ranked),
                "free": free,
                "slots": o.slots,
                "already_given": held,
                "previous_slots": key.previous_slots,
                "window_days": ROTATION_WINDOW_DAYS,
                "curation_score": key.curation_score,
                "score_from": key.score_from,
                "applied_at": key.applied_at.isoformat(),
                "allocated": given,
                "decided_by": (
                    _decided_by(key, first_out)
                    if given
                    else _decided_by(key, last_in)
                    if last_in
                    else "no_places"
                ),
                "run_at": now.isoformat(),
            }
            before = {"status": a.status, "rank": a.rank}
            a.status, a.rank, a.explanation, a.decided_at = status, rank, explanation, now
            a.save(update_fields=["status", "rank", "explanation", "decided_at", "updated_at"])
            if before != {"status": a.status, "rank": a.rank}:
                audit_record(
                    actor=actor,
                    action=AuditAction.SLOT_ALLOCATED if given else AuditAction.SLOT_WAITLISTED,
                    obj=a,
                    organisation=o.organiser,
                    before=before,
                    after=explanation,
                )
            (allocated if given else waitlisted).append(a)
        before_status = o.status
        o.status = OpportunityStatus.ALLOCATED
        o.allocated_at = now
        o.save(update_fields=["status", "allocated_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.OPPORTUNITY_ALLOCATED,
            obj=o,
            organisation=o.organiser,
            before={"status": before_status},
            after={
                "status": o.status,
                "rule": RULE,
                "free": free,
                "allocated": [a.pk for a in allocated],
                "waitlisted": [a.pk for a in waitlisted],
            },
        )
        _tell_applicants(o, allocated, waitlisted)
    return AllocationResult(opportunity=o, allocated=allocated, waitlisted=waitlisted)


def _tell_applicants(
    o: Opportunity, allocated: list[OpportunityApplication], waitlisted: list[OpportunityApplication]
) -> None:
    link = reverse("marketing:opportunity", args=[o.pk])
    given = [a.participant.user for a in allocated if a.participant.user is not None]
    if given:
        notify(
            users=given,
            subject=_("You have a place at %(title)s") % {"title": o.title},
            body=_("%(organiser)s expects you from %(date)s. The page says why places went as they did.")
            % {"organiser": o.organiser.name, "date": date_format(o.starts_on)},
            link=link,
            kind="marketing",
        )
    waiting = [a.participant.user for a in waitlisted if a.participant.user is not None and a.rank]
    if waiting:
        notify(
            users=waiting,
            subject=_("On the waiting list for %(title)s") % {"title": o.title},
            body=_(
                "All places went by the rotation rule: fewer places in the last 12 months first. You move up "
                "when a place frees, and you come first next time."
            ),
            link=link,
            kind="marketing",
        )


def opportunity_cancel(*, opportunity: Opportunity, actor: User, reason: str) -> Opportunity:
    """Call an opportunity off (rain, a venue withdrawn …) before it ends, with the reason applicants are
    told. Places given there no longer count as places held for the rotation rule; the organiser's marketing
    relationships opened by the applications end."""
    if not access.can_manage_opportunity(actor, opportunity):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the opportunity is cancelled; the applicants are told.")})
    with transaction.atomic():
        o = _lock(opportunity)
        if o.status == OpportunityStatus.CANCELLED:
            raise ValidationError(_("This opportunity was cancelled."))
        if o.ends_on < timezone.localdate():
            raise ValidationError(_("This opportunity has ended; it can no longer be cancelled."))
        before = o.status
        o.status = OpportunityStatus.CANCELLED
        o.save(update_fields=["status", "updated_at"])
        applications = list(
            o.applications.exclude(status=ApplicationStatus.WITHDRAWN).select_related("participant__user")
        )
        sources = [f"opportunity_application:{a.pk}" for a in applications]
        for rel in Relationship.objects.filter(
            organisation_id=o.organiser_id,
            kind=RelationshipKind.MARKETING,
            source__in=sources,
            ended_at__isnull=True,
        ):
            relationship_end(relationship=rel, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.OPPORTUNITY_CANCELLED,
            obj=o,
            organisation=o.organiser,
            before={"status": before},
            after={"status": o.status, "applications": len(applications)},
            reason=reason,
        )
        users = [a.participant.user for a in applications if a.participant.user is not None]
        if users:
            notify(
                users=users,
                subject=_("%(title)s is cancelled") % {"title": o.title},
                body=reason,
                link=reverse("marketing:opportunity", args=[o.pk]),
                kind="marketing",
            )
    return o


def attendance_record(
    *, opportunity: Opportunity, actor: User, attended: set[int], at: dt.datetime | None = None
) -> list[str]:
    """Record who took part (application ids in ``attended``; the other places given did not come).
    Taking part completes P5. Returns the pathway's refusals in words (P4 not complete yet), if any."""
    if not access.can_manage_opportunity(actor, opportunity):
        raise PermissionDenied
    now = at or timezone.now()
    refusals: list[str] = []
    with transaction.atomic():
        o = _lock(opportunity)
        if timezone.localdate(now) < o.starts_on:
            raise ValidationError(
                _("Attendance can be recorded from the first day, %(date)s.")
                % {"date": date_format(o.starts_on)}
            )
        rows = list(
            OpportunityApplication.objects.select_for_update(of=("self",))
            .filter(opportunity=o, status__in=HOLDS_SLOT)
            .select_related("participant")
        )
        unknown = attended - {a.pk for a in rows}
        if unknown:
            raise ValidationError(_("Only participants who were given a place can be marked as present."))
        if not rows:
            raise ValidationError(_("No place has been given yet."))
        for a in rows:
            status = ApplicationStatus.ATTENDED if a.pk in attended else ApplicationStatus.NO_SHOW
            if status == a.status:
                continue
            before = a.status
            a.status = status
            a.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.SLOT_ATTENDANCE_RECORDED,
                obj=a,
                organisation=o.organiser,
                before={"status": before},
                after={"status": status},
            )
            if status == ApplicationStatus.ATTENDED:
                refusal = p5_complete(
                    participant=a.participant, reason=_("Took part in %(title)s") % {"title": o.title}
                )
                if refusal:
                    refusals.append(f"{a.participant.full_name}: {refusal}")
    return refusals
