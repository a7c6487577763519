"""Assessment rounds: create, open (invite the members of the participating organisations), answer
(once per member), close. Each write is one transaction with one audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.notifications.services import notify
from kolabora.organisations.models import Membership, Organisation

from ..choices import RoundStatus
from ..models import Answer, AssessmentRound, Framework, Invitation, Item, Response

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.regions.models import Region

COMMENT_MAX = 2000


def framework_items(framework: Framework) -> list[Item]:
    """The framework's active items, in questionnaire order (dimension, then item)."""
    return list(
        Item.objects.filter(dimension__framework=framework, is_active=True)
        .select_related("dimension", "dimension__parent")
        .order_by("dimension__order", "order", "pk")
    )


def round_create(
    *,
    actor: User,
    framework: Framework,
    title: str,
    region: Region,
    period_start: dt.date,
    period_end: dt.date,
    closes_on: dt.date,
    organisations: Iterable[Organisation],
) -> AssessmentRound:
    """A draft round over ``region`` for the chosen organisations (each one the actor may see)."""
    if not access.can_manage_assessment(actor, region.code):
        raise PermissionDenied
    orgs = list(organisations)
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = _("Give the round a title, e.g. “Penilaian kolaborasi semester I 2026”.")
    if period_end < period_start:
        errors["period_end"] = _("The period assessed cannot end before it starts.")
    if closes_on < timezone.localdate():
        errors["closes_on"] = _("The last day to answer cannot be in the past.")
    if not framework.is_active:
        errors["framework"] = _("This framework is no longer in use.")
    if not orgs:
        errors["organisations"] = _("Choose at least one participating organisation.")
    unseen = [o.name for o in orgs if not (o.is_active and access.can(actor, Action.ORGANISATION_VIEW, o))]
    if unseen:
        errors["organisations"] = _("You cannot invite these organisations: %(names)s.") % {
            "names": ", ".join(unseen)
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rnd = AssessmentRound.objects.create(
            framework=framework,
            title=title,
            region=region,
            period_start=period_start,
            period_end=period_end,
            closes_on=closes_on,
            created_by=actor,
        )
        rnd.organisations.set(orgs)
        audit_record(
            actor=actor,
            action=AuditAction.ASSESSMENT_ROUND_CREATED,
            obj=rnd,
            organisation=access.acting_organisation(actor, Action.ASSESSMENT_MANAGE, region.code),
            after={
                "framework": framework.code,
                "region": region.code,
                "organisations": sorted(o.pk for o in orgs),
                "closes_on": closes_on,
            },
        )
    return rnd


def _lock(rnd: AssessmentRound) -> AssessmentRound:
    return (
        AssessmentRound.objects.select_for_update(of=("self",))
        .select_related("framework", "region")
        .get(pk=rnd.pk)
    )


def round_open(*, round: AssessmentRound, actor: User, at: dt.datetime | None = None) -> AssessmentRound:
    """Invite every active member of the participating organisations (once each) and notify them."""
    now = at or timezone.now()
    with transaction.atomic():
        rnd = _lock(round)
        if not access.can_manage_assessment(actor, rnd.region_id):
            raise PermissionDenied
        if rnd.status != RoundStatus.DRAFT:
            raise ValidationError(_("This round has already been opened."))
        if rnd.closes_on < timezone.localdate(now):
            raise ValidationError({"closes_on": _("The last day to answer has passed; change it first.")})
        members = (
            Membership.objects.filter(
                organisation__in=rnd.organisations.all(),
                is_active=True,
                user__is_active=True,
                organisation__is_active=True,
            )
            .select_related("user", "organisation")
            .order_by("organisation__name", "pk")
        )
        invited: dict[int, Invitation] = {}
        for m in members:
            invited.setdefault(
                m.user_id, Invitation(round=rnd, user=m.user, organisation=m.organisation, invited_at=now)
            )
        if not invited:
            raise ValidationError(
                _("None of the participating organisations has an active member to invite.")
            )
        Invitation.objects.bulk_create(invited.values())
        rnd.status = RoundStatus.OPEN
        rnd.opened_at = now
        rnd.invited_count = len(invited)
        rnd.save(update_fields=["status", "opened_at", "invited_count", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ASSESSMENT_ROUND_OPENED,
            obj=rnd,
            after={"invited": rnd.invited_count},
        )
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                users=[i.user for i in invited.values()],
                subject=_("Collaboration assessment: %(title)s") % {"title": rnd.title},
                body=_(
                    "Your organisation takes part in the assessment “%(title)s” (%(framework)s). Answering "
                    "takes about five minutes; results are shown only as averages of at least three people. "
                    "Answers are accepted until %(date)s."
                )
                % {
                    "title": rnd.title,
                    "framework": rnd.framework.label,
                    "date": formats.date_format(rnd.closes_on, "j F Y"),
                },
                link=reverse("governance:round_respond", args=[rnd.pk]),
                kind="assessment_invitation",
            )
    return rnd


def round_close(*, round: AssessmentRound, actor: User, at: dt.datetime | None = None) -> AssessmentRound:
    now = at or timezone.now()
    with transaction.atomic():
        rnd = _lock(round)
        if not access.can_manage_assessment(actor, rnd.region_id):
            raise PermissionDenied
        if rnd.status != RoundStatus.OPEN:
            raise ValidationError(_("Only an open round can be closed."))
        rnd.status = RoundStatus.CLOSED
        rnd.closed_at = now
        rnd.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ASSESSMENT_ROUND_CLOSED,
            obj=rnd,
            after={"invited": rnd.invited_count, "responses": rnd.responses_count},
        )
    return rnd


def response_submit(
    *,
    round: AssessmentRound,
    actor: User,
    scores: Mapping[int, int],
    comment: str = "",
    at: dt.datetime | None = None,
) -> Response:
    """The invited member's answers: one score (1–5) for every active item, once per round."""
    now = at or timezone.now()
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("Keep the comment under %(n)s characters.") % {"n": COMMENT_MAX}})
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("round", "round__framework", "organisation")
            .filter(round_id=round.pk, user_id=actor.pk)
            .first()
        )
        if invitation is None:
            raise PermissionDenied
        rnd = invitation.round
        if rnd.status != RoundStatus.OPEN:
            raise ValidationError(_("This round is not open for answers."))
        if timezone.localdate(now) > rnd.closes_on:
            raise ValidationError(
                _("Answers were accepted until %(date)s.")
                % {"date": formats.date_format(rnd.closes_on, "j F Y")}
            )
        if invitation.responded_at is not None:
            raise ValidationError(_("You have already answered this round; each member answers once."))
        items = framework_items(rnd.framework)
        known = {i.pk for i in items}
        unknown = sorted(set(scores) - known)
        if unknown:
            raise ValidationError({"scores": _("Unknown item in the answers: %(ids)s.") % {"ids": unknown}})
        missing = [i for i in items if i.pk not in scores]
        if missing:
            raise ValidationError(
                {"scores": _("Answer every statement (%(n)s still open).") % {"n": len(missing)}}
            )
        bad = [pk for pk, s in scores.items() if not isinstance(s, int) or not 1 <= s <= 5]
        if bad:
            raise ValidationError({"scores": _("Every answer is a score from 1 to 5.")})
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    round=rnd,
                    respondent=actor,
                    organisation=invitation.organisation,
                    submitted_at=now,
                    comment=comment,
                )
        except IntegrityError:
            raise ValidationError(
                _("You have already answered this round; each member answers once.")
            ) from None
        Answer.objects.bulk_create(Answer(response=response, item_id=pk, score=scores[pk]) for pk in known)
        invitation.responded_at = now
        invitation.save(update_fields=["responded_at"])
        AssessmentRound.objects.filter(pk=rnd.pk).update(responses_count=F("responses_count") + 1)
        audit_record(
            actor=actor,
            action=AuditAction.ASSESSMENT_ANSWERED,
            obj=rnd,
            organisation=invitation.organisation,
            after={"response": response.pk, "items": len(known)},
        )
    return response
