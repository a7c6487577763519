"""Many participants at once: the batch counterpart of ``services.participant_register``.

For imports (the demo's participants today, a kecamatan's spreadsheet tomorrow) registering one person
at a time costs a few dozen queries each. ``participants_bulk_create`` validates every row with the same
``registration_validate`` as a single registration, then writes participants, businesses and their first
figures, consents and the programme's stage rows with ``bulk_create`` in batches, one
``PARTICIPANT_REGISTERED`` audit row per participant (channel ``import``), and the stage history through
``pathway.bulk.stage_history_import``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access, context
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.pathway.bulk import ParticipantHistory, StageTarget, stage_history_import
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import programme_default

from .choices import CONSENT_TEXT_VERSION, DomicileBasis, EntryTrack, RegistrationChannel
from .models import Business, BusinessFigures, Consent, Participant
from .scale import business_scale
from .services import RegistrationInput, duplicate_message, name_key, registration_validate

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation

CHANNEL = RegistrationChannel.IMPORT


@dataclass
class ParticipantImport:
    """One person to import: what a registration form carries, when they registered, an optional
    existing account, and the stage history beyond registration (``pathway.bulk.StageTarget`` per code).
    """

    data: RegistrationInput
    registered_at: dt.datetime | None = None
    user: User | None = None
    stages: Mapping[str, StageTarget] = field(default_factory=dict)


def _validated(rows: Sequence[ParticipantImport], now: dt.datetime) -> list[dict[str, Any]]:
    """Every row's checked facts; one ValidationError naming each bad row (``"12.nik"``) otherwise."""
    errors: dict[str, str] = {}
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        try:
            facts = registration_validate(
                row.data, channel=CHANNEL, day=timezone.localdate(row.registered_at or now)
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors[f"{i}.{name}"] = messages[0]
            facts = {}
        else:
            nik = facts["facts"].nik
            if nik in seen:
                errors[f"{i}.nik"] = duplicate_message()
            seen[nik] = i
        checked.append(facts)
    niks = list(seen)
    for start in range(0, len(niks), 1000):
        for nik in Participant.objects.filter(nik__in=niks[start : start + 1000]).values_list(
            "nik", flat=True
        ):
            errors[f"{seen[nik]}.nik"] = duplicate_message()
    if errors:
        raise ValidationError(errors)
    return checked


def participants_bulk_create(
    *,
    rows: Sequence[ParticipantImport],
    actor: User | None = None,
    at: dt.datetime | None = None,
    batch_size: int = 1000,
) -> list[Participant]:
    """Register ``rows`` as participants, all or nothing; returns them in the order given.

    Invariants, the same as ``participant_register``'s: one participant per NIK (a NIK already known or
    repeated in ``rows`` is an error for that row); ``name_key`` is the upper-cased, single-spaced name;
    ``sex`` and ``birth_date`` come from the NIK; the region codes are the kelurahan's ancestors; the
    phone is E.164; eligibility is verified at registration for a DKI KTP (NIK 31…); every participant
    has the programme's seven stage rows, P1 completed when eligibility is verified (in progress
    otherwise), and a naik kelas business that records its NIB has P4 completed. ``registered_at``
    (default ``at``, default now) gives ``registered_on``, the first ``last_activity_at``, the consents'
    and first figures' dates. The caller has authorised ``actor`` to register in these kelurahan.
    """
    now = at or timezone.now()
    users = [row.user.pk for row in rows if row.user is not None]
    if len(set(users)) != len(users) or Participant.objects.filter(user_id__in=users).exists():
        raise ValueError("An account can belong to one participant only.")
    checked = _validated(rows, now)
    programme = programme_default()
    stage_defs = list(programme.stages.order_by("order"))
    req = context.current()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    organisations: dict[str, Organisation | None] = {}
    created: list[Participant] = []
    with transaction.atomic():
        for start in range(0, len(rows), batch_size):
            chunk = list(
                zip(rows[start : start + batch_size], checked[start : start + batch_size], strict=True)
            )
            people = []
            for row, facts in chunk:
                when = row.registered_at or now
                nik, kelurahan, basis = facts["facts"], facts["kelurahan"], facts["basis"]
                people.append(
                    Participant(
                        user=row.user,
                        nik=nik.nik,
                        full_name=row.data.full_name.strip(),
                        name_key=name_key(row.data.full_name),
                        sex=nik.sex,
                        birth_date=nik.birth_date,
                        phone=facts["phone"],
                        email=row.data.email,
                        address=row.data.address.strip(),
                        kelurahan=kelurahan,
                        kecamatan_code=kelurahan.code[:8],
                        kota_code=kelurahan.code[:5],
                        province_code=kelurahan.code[:2],
                        domicile_basis=basis,
                        domicile_since=row.data.domicile_since,
                        entry_track=row.data.entry_track,
                        eligibility_verified_at=when if basis == DomicileBasis.KTP_DKI else None,
                        channel=CHANNEL,
                        registered_on=timezone.localdate(when),
                        registered_by_id=actor_id or (row.user.pk if row.user is not None else None),
                        last_activity_at=when,
                    )
                )
            Participant.objects.bulk_create(people)
            businesses: list[Business] = []
            consents: list[Consent] = []
            stages: list[ParticipantStage] = []
            events: list[AuditEvent] = []
            for p, (row, _facts) in zip(people, chunk, strict=True):
                when = row.registered_at or now
                b = row.data.business
                if b is not None:
                    businesses.append(
                        Business(
                            participant=p,
                            name=b.name.strip(),
                            sector=b.sector,
                            kbli_code=b.kbli_code,
                            started_on=b.started_on,
                            workers=b.workers,
                            assets=b.assets,
                            monthly_turnover=b.monthly_turnover,
                            scale=business_scale(assets=b.assets, monthly_turnover=b.monthly_turnover),
                            nib=b.nib,
                        )
                    )
                consents.extend(
                    Consent(
                        participant=p, purpose=purpose, text_version=CONSENT_TEXT_VERSION, granted_at=when
                    )
                    for purpose in dict.fromkeys(row.data.consents)
                )
                stages.extend(
                    ParticipantStage(participant=p, stage=s, code=s.code, since=when) for s in stage_defs
                )
                if actor is not None and p.kelurahan_id not in organisations:
                    organisations[p.kelurahan_id] = access.acting_organisation(
                        actor, access.Action.PARTICIPANT_REGISTER, p.kelurahan_id
                    )
                events.append(
                    AuditEvent(
                        actor_id=actor_id or (row.user.pk if row.user is not None else None),
                        organisation=organisations.get(p.kelurahan_id),
                        action=AuditAction.PARTICIPANT_REGISTERED,
                        object_type=p._meta.label_lower,
                        object_id=str(p.pk),
                        after={
                            "channel": CHANNEL.value,
                            "kelurahan": p.kelurahan_id,
                            "entry_track": p.entry_track,
                            "domicile_basis": p.domicile_basis,
                            "consents": sorted(set(row.data.consents)),
                        },
                        request_id=req.request_id,
                        ip_address=req.ip_address,
                    )
                )
            Business.objects.bulk_create(businesses)
            BusinessFigures.objects.bulk_create(
                BusinessFigures(
                    business=b,
                    measured_on=b.participant.registered_on,
                    assets=b.assets,
                    monthly_turnover=b.monthly_turnover,
                    workers=b.workers,
                    scale=b.scale,
                )
                for b in businesses
            )
            Consent.objects.bulk_create(consents)
            ParticipantStage.objects.bulk_create(stages)
            AuditEvent.objects.bulk_create(events)
            stage_history_import(
                rows=[_history(p, row) for p, (row, _facts) in zip(people, chunk, strict=True)],
                actor=None,
                at=now,
                batch_size=batch_size,
            )
            created.extend(people)
    return created


def _history(p: Participant, row: ParticipantImport) -> ParticipantHistory:
    """Registration's own stage changes (P1, and P4 for a recorded NIB), then the imported history."""
    when = p.last_activity_at
    label = RegistrationChannel(CHANNEL).label
    stages: dict[str, StageTarget] = {
        "P1": StageTarget(
            status="completed" if p.eligibility_verified_at else "in_progress",
            at=when,
            reason=_("Registered (%(channel)s)") % {"channel": label},
        )
    }
    b = row.data.business
    if p.entry_track == EntryTrack.NAIK_KELAS and b is not None and b.nib and p.eligibility_verified_at:
        stages["P4"] = StageTarget(
            status="completed",
            at=when,
            reason=_("Existing NIB %(nib)s recorded at registration") % {"nib": b.nib},
        )
    stages |= row.stages
    return ParticipantHistory(participant_id=p.pk, stages=stages)
