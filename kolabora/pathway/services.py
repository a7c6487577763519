"""The pathway engine. ``stage_transition`` is the only writer of a change to a participant's stage status;
``participant_stages_create`` gives a new participant their rows and may open P1 at registration by the same
rules, audited the same way. (``pathway.bulk`` is their batch counterpart for imports.)"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.analytics import counters
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


def programme_stages(programme: Programme | None = None) -> list[StageDefinition]:
    """A programme's stage definitions in order, each with its programme loaded (the default programme
    when None), in one query."""
    if programme is None:
        programme = programme_default()
    return list(programme.stages.select_related("programme").order_by("order"))


def participant_stages_create(
    *,
    participant: Participant,
    programme: Programme,
    at: dt.datetime,
    p1: StageStatus | None = None,
    consented: bool = False,
    reason: str = "",
) -> None:
    """Give a newly registered participant one row per stage, all not started, or with P1 opened at once.

    ``p1`` (in progress or completed) is what registration establishes; it is checked by ``_check``, the
    rules a transition obeys (completing P1 needs verified eligibility and ``consented``, the programme
    consent the registration just wrote), and recorded by the same audit row ``stage_transition`` writes,
    from not started. It saves a newly created row from being written twice in the same transaction.
    """
    stages = programme_stages(programme)
    rows = [ParticipantStage(participant=participant, stage=s, code=s.code, since=at) for s in stages]
    opened = next((r for r in rows if r.code == "P1"), None) if p1 is not None else None
    if opened is not None and p1 is not None:
        names = {r.code: f"{r.code} {r.stage.name}" for r in rows}
        _check(
            row=opened,
            to=p1,
            level=None,
            reason=reason,
            participant=participant,
            programme=programme,
            statuses={r.code: r.status for r in rows},
            names=names,
            consented=consented,
        )
        opened.status = p1
        opened.reason = reason
        opened.started_at = at
        if p1 == StageStatus.COMPLETED:
            opened.completed_at = at
    counters.stages_changed(rows, participants=[participant])
    ParticipantStage.objects.bulk_create(rows)
    if opened is not None:
        audit_record(
            actor=None,
            action=STAGE_CHANGED["P1"],
            obj=participant,
            before={"stage": "P1", "status": StageStatus.NOT_STARTED.value, "level": None},
            after={
                "stage": "P1",
                "status": opened.status,
                "level": None,
                "imported": False,
                "rule_exception": False,
            },
            reason=reason,
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
    consented: bool | None = None,
) -> list[str]:
    """Refuse what the rules forbid; return the prerequisites that are missing (for imported history).

    ``consented``: whether the programme consent is open, when the caller knows (None: it is read here).
    """
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
        if consented is None:
            consented = Consent.objects.filter(
                participant=participant, purpose=ConsentPurpose.PROGRAMME, withdrawn_at__isnull=True
            ).exists()
        if not consented:
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
        # Lock all of the participant's stage rows, in one order: the rules read the other stages (P5 needs
        # P4 completed), so a concurrent change to one of them must wait, and one ordered lock cannot
        # deadlock. Only these rows: the stage definition and programme rows are shared by every
        # participant, and locking them would queue all transitions of that stage behind each other.
        locked = list(
            ParticipantStage.objects.select_for_update(of=("self",))
            .select_related("stage", "stage__programme")
            .filter(participant_id=participant.pk)
            .order_by("stage_id")
        )
        row = next((r for r in locked if r.code == stage), None)
        if row is None:
            raise TransitionRefused(_("Unknown stage: %(stage)s") % {"stage": stage}, "stage")
        programme = row.stage.programme
        statuses = {r.code: r.status for r in locked}
        names = {r.code: f"{r.code} {r.stage.name}" for r in locked}
        # Eligibility and consent are read fresh only where a rule needs them (completing P1).
        fresh = (
            Participant.objects.only("id", "eligibility_verified_at", "rule_flags").get(pk=participant.pk)
            if stage == "P1" and to == StageStatus.COMPLETED
            else participant
        )
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
        counters.stage_changed(row)
        row.save(
            update_fields=[
                "status",
                "level",
                "since",
                "reason",
                "started_at",
                "completed_at",
                "rule_exception",
            ]
        )
        people = Participant.objects.filter(pk=participant.pk)
        if missing:
            # The flags are read under the stage rows' lock, so two flagged imports cannot lose one.
            flags = list(people.values_list("rule_flags", flat=True).get())
            flag = f"{stage}_before_{'_'.join(missing)}"
            people.update(last_activity_at=now, rule_flags=[*flags, flag] if flag not in flags else flags)
        else:
            people.update(last_activity_at=now)
        audit_record(
            actor=actor,
            action=STAGE_CHANGED[stage],
            obj=participant,
            organisation=(
                access.acting_organisation(actor, access.Action.STAGE_TRANSITION, participant.kelurahan_id)
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
