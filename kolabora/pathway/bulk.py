"""Imported stage history, written in batches.

``pathway.services.stage_transition`` is the only writer of *live* stage changes: one participant, one
stage, a row lock, one audit row, one transaction. Importing history (the demo's participants today, a
kecamatan's spreadsheet tomorrow) means thousands of participants with up to seven stages each; doing
that one call at a time costs several queries per stage. ``stage_history_import`` is its batch
counterpart for history that happened elsewhere, and records exactly what
``stage_transition(imported=True)`` would record for the same history applied stage by stage in the
programme's order (the tests pin this).

Invariants, the same as ``stage_transition``'s:
- every target is checked by the same rule function (allowed moves, reasons for skipping and dropping,
  levels that never go down, P2 completion at the required level, P1 completion only with eligibility
  and the programme consent); a target the rules refuse aborts the whole import (``ImportRefused``);
- history that breaks today's prerequisites (a stage in progress or completed while a prerequisite is
  not completed, e.g. marketing before licensing) is kept, never refused: the stage row gets
  ``rule_exception`` and the participant a flag such as ``"P5_before_P4"``;
- a target equal to the current state changes nothing and writes nothing;
- each changed stage writes exactly one audit row (action ``STAGE_CHANGED[code]``, before/after as
  ``stage_transition`` writes them, ``"imported": True``), all in one transaction with the changes;
- stage rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL) for the length of that transaction, so a
  live ``stage_transition`` on the same participant waits for the import, or the import for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access, context
from kolabora.core.choices import STAGE_CHANGED
from kolabora.core.models import AuditEvent
from kolabora.participants.models import Participant

from .choices import StageStatus
from .models import ParticipantStage, StageDefinition
from .services import TransitionRefused, _check

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation

PARTICIPANT_TYPE = "participants.participant"
STAGE_FIELDS = ["status", "level", "since", "started_at", "completed_at", "reason", "rule_exception"]


@dataclass(frozen=True, slots=True)
class StageTarget:
    """Where one stage stood in the imported history.

    ``at``: when it reached ``status`` (the call's ``at`` when None). ``started_at``: when work on it
    began, when the history knows and it is earlier than ``at``; otherwise the stage counts as started
    when it first went in progress or completed, as with ``stage_transition``.
    """

    status: str
    level: int | None = None
    at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ParticipantHistory:
    participant_id: int
    stages: Mapping[str, StageTarget]


@dataclass(frozen=True, slots=True)
class HistoryImportResult:
    changed: int  # stage rows written (= audit rows)
    unchanged: int  # targets that matched the current state
    flagged: int  # stage rows that broke today's prerequisites


class ImportRefused(TransitionRefused):
    """A target the programme's rules refuse even for history; says which participant and stage."""

    def __init__(self, rule: str, code: str, *, participant_id: int, stage: str) -> None:
        super().__init__(rule, code)
        self.participant_id = participant_id
        self.stage = stage

    def __str__(self) -> str:
        return f"participant {self.participant_id} {self.stage}: {self.rule}"


def stage_history_import(
    *,
    rows: Iterable[ParticipantHistory],
    actor: User | None = None,
    at: dt.datetime | None = None,
    batch_size: int = 1000,
) -> HistoryImportResult:
    """Bring many participants' stages to the imported ``rows``, all or nothing.

    Prerequisites are judged on the imported history as a whole (the targets over the current
    statuses), which is what ``stage_transition(imported=True)`` sees when the stages are applied in the
    programme's order. ``last_activity_at`` moves to the latest ``at`` of a changed stage, never back.
    ``actor`` None means the platform itself; otherwise the actor must be allowed to move every changed
    stage (``PermissionDenied``). Raises ``ImportRefused`` for a target the rules refuse.
    """
    now = at or timezone.now()
    history = list(rows)
    seen: set[int] = set()
    for h in history:
        if h.participant_id in seen:
            raise ValueError(f"Participant {h.participant_id} appears twice in one import.")
        seen.add(h.participant_id)
        for code, target in h.stages.items():
            if target.status not in StageStatus.values:
                raise ImportRefused(
                    _("Unknown status: %(status)s") % {"status": target.status},
                    "status",
                    participant_id=h.participant_id,
                    stage=code,
                )
    changed = unchanged = flagged = 0
    defs: dict[int, StageDefinition] = {}
    names_by_programme: dict[int, dict[str, str]] = {}
    organisations: dict[str, Organisation | None] = {}
    req = context.current()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        for start in range(0, len(history), batch_size):
            batch = history[start : start + batch_size]
            ids = [h.participant_id for h in batch]
            locked = list(
                ParticipantStage.objects.select_for_update(of=("self",))
                .filter(participant_id__in=ids)
                .order_by("participant_id", "stage_id")
            )
            missing_defs = {r.stage_id for r in locked} - defs.keys()
            if missing_defs:
                for d in StageDefinition.objects.select_related("programme").filter(pk__in=missing_defs):
                    defs[d.pk] = d
            stage_rows: dict[int, dict[str, ParticipantStage]] = {}
            for r in locked:
                r.stage = defs[r.stage_id]
                stage_rows.setdefault(r.participant_id, {})[r.code] = r
            people = {
                p.pk: p
                for p in Participant.objects.filter(pk__in=ids).only(
                    "id", "kelurahan_id", "eligibility_verified_at", "rule_flags", "last_activity_at"
                )
            }
            stage_writes: list[ParticipantStage] = []
            people_writes: list[Participant] = []
            events: list[AuditEvent] = []
            for h in batch:
                mine = stage_rows.get(h.participant_id, {})
                participant = people.get(h.participant_id)
                todo: list[tuple[ParticipantStage, StageTarget]] = []
                for code, target in h.stages.items():
                    row = mine.get(code)
                    if row is None or participant is None:
                        raise ImportRefused(
                            _("Unknown stage: %(stage)s") % {"stage": code},
                            "stage",
                            participant_id=h.participant_id,
                            stage=code,
                        )
                    raises_level = target.level is not None and target.level > (row.level or 0)
                    if target.status == row.status and not raises_level:
                        unchanged += 1
                        continue
                    todo.append((row, target))
                if not todo:
                    continue
                assert participant is not None
                if actor is not None:
                    for row, _target in todo:
                        if not access.can_transition(actor, participant, row.code):
                            raise PermissionDenied
                # The history as a whole: targets over the statuses the import leaves alone.
                statuses = {code: r.status for code, r in mine.items()}
                statuses |= {row.code: t.status for row, t in todo}
                flags = list(participant.rule_flags)
                latest = participant.last_activity_at
                for row, target in sorted(todo, key=lambda item: item[0].stage.order):
                    programme = row.stage.programme
                    if programme.pk not in names_by_programme:
                        names_by_programme[programme.pk] = {
                            d.code: f"{d.code} {d.name}" for d in programme.stages.all()
                        }
                    names = names_by_programme[programme.pk]
                    reason = (target.reason or "").strip()
                    to = StageStatus(target.status)
                    try:
                        missing = _check(
                            row=row,
                            to=to,
                            level=target.level,
                            reason=reason,
                            participant=participant,
                            programme=programme,
                            statuses=statuses,
                            names=names,
                        )
                    except TransitionRefused as exc:
                        raise ImportRefused(
                            exc.rule, exc.code, participant_id=h.participant_id, stage=row.code
                        ) from None
                    when = target.at or now
                    if target.started_at is not None and target.started_at > when:
                        raise ValueError(
                            f"Participant {h.participant_id} {row.code}: started_at is after at."
                        )
                    before = {"stage": row.code, "status": row.status, "level": row.level}
                    row.status = to
                    if target.level is not None:
                        row.level = max(target.level, row.level or 0)
                    row.since = when
                    row.reason = reason
                    if row.started_at is None and target.started_at is not None:
                        row.started_at = target.started_at
                    if to == StageStatus.IN_PROGRESS and row.started_at is None:
                        row.started_at = when
                    if to == StageStatus.COMPLETED:
                        row.completed_at = when
                        row.started_at = row.started_at or when
                    if missing:
                        row.rule_exception = True
                        flagged += 1
                        flag = f"{row.code}_before_{'_'.join(missing)}"
                        if flag not in flags:
                            flags.append(flag)
                    latest = max(latest, when)
                    stage_writes.append(row)
                    region = participant.kelurahan_id
                    if actor is not None and region not in organisations:
                        organisations[region] = access.acting_organisation(
                            actor, access.Action.STAGE_TRANSITION, region
                        )
                    events.append(
                        AuditEvent(
                            actor_id=actor_id,
                            organisation=organisations[region] if actor is not None else None,
                            action=STAGE_CHANGED[row.code],
                            object_type=PARTICIPANT_TYPE,
                            object_id=str(h.participant_id),
                            before=before,
                            after={
                                "stage": row.code,
                                "status": to.value,
                                "level": row.level,
                                "imported": True,
                                "rule_exception": bool(missing),
                            },
                            reason=reason,
                            request_id=req.request_id,
                            ip_address=req.ip_address,
                        )
                    )
                participant.rule_flags = flags
                participant.last_activity_at = latest
                people_writes.append(participant)
            changed += len(stage_writes)
            ParticipantStage.objects.bulk_update(stage_writes, STAGE_FIELDS, batch_size=500)
            Participant.objects.bulk_update(people_writes, ["rule_flags", "last_activity_at"], batch_size=500)
            AuditEvent.objects.bulk_create(events, batch_size=1000)
    return HistoryImportResult(changed=changed, unchanged=unchanged, flagged=flagged)
