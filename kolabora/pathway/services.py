"""The pathway engine. ``stage_transition`` is the only writer of a participant's stage status."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import STAGE_CHANGED
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Consent, Participant
from kolabora.regions.models import Region

from .choices import ALLOWED, NEEDS_REASON, StageStatus
from .defaults import DEFAULT_PROGRAMME, STAGES
from .models import ParticipantStage, Programme, StageDefinition

if TYPE_CHECKING:
    from kolabora.accounts.models import User


class TransitionRefused(Exception):
    """A stage change that the programme's rules do not allow; ``rule`` says which, in words."""

    def __init__(self, rule: str, code: str = "rule") -> None:
        super().__init__(rule)
        self.rule = rule
        self.code = code


def programme_default() -> Programme:
    """The default programme, created with the 7 Langkah PAS on first use (after regions are loaded)."""
    programme = Programme.objects.filter(is_default=True).first()
    if programme is not None:
        return programme
    with transaction.atomic():
        programme, created = Programme.objects.get_or_create(
            code=DEFAULT_PROGRAMME["code"],
            defaults={
                "name": DEFAULT_PROGRAMME["name"],
                "region": Region.objects.get(code=DEFAULT_PROGRAMME["region"]),
                "is_default": True,
            },
        )
        if created:
            StageDefinition.objects.bulk_create(StageDefinition(programme=programme, **s) for s in STAGES)
    return programme


def participant_stages_create(*, participant: Participant, programme: Programme, at: dt.datetime) -> None:
    """Give a newly registered participant one not-started row per stage."""
    ParticipantStage.objects.bulk_create(
        ParticipantStage(participant=participant, stage=s, code=s.code, since=at)
        for s in programme.stages.all()
    )


def _status_label(status: str) -> str:
    return str(StageStatus(status).label)


def _check(
    *,
    row: ParticipantStage,
    to: StageStatus,
    level: int | None,
    reason: str,
    participant: Participant,
    programme: Programme,
    statuses: dict[str, str],
    names: dict[str, str],
) -> list[str]:
    """Refuse what the rules forbid; return the prerequisites that are missing (for imported history)."""
    stage = row.stage
    current = StageStatus(row.status)
    raises_level = level is not None and level > (row.level or 0)
    if to not in ALLOWED[current]:
        raise TransitionRefused(
            _("%(stage)s cannot go from “%(from)s” to “%(to)s”.")
            % {"stage": names[stage.code], "from": _status_label(current), "to": _status_label(to)},
            "status",
        )
    if to in NEEDS_REASON and not reason:
        raise TransitionRefused(_("Give a reason when a stage is skipped or dropped."), "reason")
    if current == StageStatus.COMPLETED and to == StageStatus.IN_PROGRESS and not reason:
        raise TransitionRefused(_("Give a reason to reopen a completed stage."), "reason")
    if level is not None:
        if not stage.levels:
            raise TransitionRefused(_("%(stage)s has no levels.") % {"stage": names[stage.code]}, "level")
        if not 1 <= level <= stage.levels:
            raise TransitionRefused(
                _("The level must be between 1 and %(n)s.") % {"n": stage.levels}, "level"
            )
        if row.level and level < row.level:
            raise TransitionRefused(
                _("The level reached cannot go down (now T%(level)s).") % {"level": row.level}, "level"
            )
    if to == current and not raises_level:
        raise TransitionRefused(
            _("%(stage)s is already “%(status)s”.")
            % {"stage": names[stage.code], "status": _status_label(to)},
            "unchanged",
        )
    if to == StageStatus.COMPLETED and stage.levels:
        reached = max(level or 0, row.level or 0)
        if reached < programme.required_training_level:
            raise TransitionRefused(
                _("%(stage)s completes after level T%(level)s is finished.")
                % {"stage": names[stage.code], "level": programme.required_training_level},
                "level",
            )
    if to == StageStatus.COMPLETED and stage.code == "P1":
        if participant.eligibility_verified_at is None:
            raise TransitionRefused(
                _(
                    "Registration completes once eligibility is verified (KTP DKI or the lurah's domicile letter)."
                ),
                "eligibility",
            )
        if not Consent.objects.filter(
            participant=participant, purpose=ConsentPurpose.PROGRAMME, withdrawn_at__isnull=True
        ).exists():
            raise TransitionRefused(
                _("Registration completes once the participant consents to processing for the programme."),
                "consent",
            )
    if to in (StageStatus.IN_PROGRESS, StageStatus.COMPLETED):
        return [p for p in stage.prerequisites if statuses.get(p) != StageStatus.COMPLETED]
    return []


def _prerequisite_rule(code: str, missing: list[str], names: dict[str, str]) -> str:
    rule = _("%(stage)s needs %(missing)s completed first.") % {
        "stage": names[code],
        "missing": ", ".join(names[m] for m in missing),
    }
    if code == "P5" and "P4" in missing:
        rule += " " + _(
            "Legality before marketing: a business is licensed before it sells through the programme."
        )
    return rule


def stage_transition(
    *,
    participant: Participant,
    stage: str,
    to_status: str,
    actor: User | None,
    reason: str = "",
    level: int | None = None,
    imported: bool = False,
    at: dt.datetime | None = None,
) -> ParticipantStage:
    """Move one participant's stage to ``to_status``; the only writer of stage status.

    Locks the stage row, checks permission and the programme's rules, writes the change and exactly one
    audit row (from, to, actor, organisation, reason) in one transaction. ``actor`` None means the
    platform itself (imports, automatic completion from another domain's service). ``imported`` history
    that breaks today's rules is kept and flagged (``rule_exception``) instead of refused.
    Raises ``TransitionRefused`` (with the rule in words) or ``PermissionDenied``.
    """
    try:
        to = StageStatus(to_status)
    except ValueError:
        raise TransitionRefused(_("Unknown status: %(status)s") % {"status": to_status}, "status") from None
    reason = (reason or "").strip()
    if actor is not None and not access.can_transition(actor, participant, stage):
        raise PermissionDenied
    now = at or timezone.now()
    with transaction.atomic():
        row = (
            # Lock only the participant's stage row: the stage definition and programme rows are shared by
            # every participant, and locking them would queue all transitions of that stage behind each other.
            ParticipantStage.objects.select_for_update(of=("self",))
            .select_related("stage", "stage__programme")
            .filter(participant_id=participant.pk, code=stage)
            .first()
        )
        if row is None:
            raise TransitionRefused(_("Unknown stage: %(stage)s") % {"stage": stage}, "stage")
        programme = row.stage.programme
        others = ParticipantStage.objects.filter(participant_id=participant.pk).select_related("stage")
        statuses = {r.code: r.status for r in others}
        names = {r.code: f"{r.code} {r.stage.name}" for r in others}
        fresh = Participant.objects.get(pk=participant.pk)
        missing = _check(
            row=row,
            to=to,
            level=level,
            reason=reason,
            participant=fresh,
            programme=programme,
            statuses=statuses,
            names=names,
        )
        if missing and not imported:
            raise TransitionRefused(_prerequisite_rule(stage, missing, names), "prerequisite")
        before = {"stage": stage, "status": row.status, "level": row.level}
        row.status = to
        if level is not None:
            row.level = max(level, row.level or 0)
        row.since = now
        row.reason = reason
        if to == StageStatus.IN_PROGRESS and row.started_at is None:
            row.started_at = now
        if to == StageStatus.COMPLETED:
            row.completed_at = now
            row.started_at = row.started_at or now
        if missing:
            row.rule_exception = True
        row.save()
        flags = list(fresh.rule_flags)
        if missing and f"{stage}_before_{'_'.join(missing)}" not in flags:
            flags.append(f"{stage}_before_{'_'.join(missing)}")
        Participant.objects.filter(pk=participant.pk).update(last_activity_at=now, rule_flags=flags)
        audit_record(
            actor=actor,
            action=STAGE_CHANGED[stage],
            obj=fresh,
            organisation=(
                access.acting_organisation(actor, access.Action.STAGE_TRANSITION, fresh.kelurahan_id)
                if actor is not None
                else None
            ),
            before=before,
            after={
                "stage": stage,
                "status": to.value,
                "level": row.level,
                "imported": imported,
                "rule_exception": bool(missing),
            },
            reason=reason,
        )
    return row
