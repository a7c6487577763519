"""Many participants at once: the batch counterpart of ``services.participant_register``.

For imports (the demo's participants today, a kecamatan's spreadsheet tomorrow) registering one person
at a time costs a few dozen queries each. ``participants_bulk_create`` checks every row with the checks
``registration_validate`` makes (a row that fails gets ``registration_validate``'s own messages), then
writes participants, businesses and their first figures, consents and the programme's stage rows in
batches, one ``PARTICIPANT_REGISTERED`` audit row per participant (channel ``import``), and the stage
history (registration's own P1, then whatever the import carries) through ``pathway.bulk``, by the same
rules as ``stage_transition``. The tests compare a bulk-registered participant with one registered by
``participant_register``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core import access, context
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.pathway.bulk import StageTarget, rows_insert, stages_create_with_history
from kolabora.pathway.services import programme_default
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import CONSENT_TEXT_VERSION, ConsentPurpose, DomicileBasis, EntryTrack, RegistrationChannel
from .models import Business, BusinessFigures, Consent, Participant
from .scale import business_scale
from .services import (
    PROGRAMME_REGION,
    RegistrationInput,
    _business_errors,
    duplicate_message,
    name_key,
    registration_validate,
)
from .validation import domicile_check, nik_check, phone_check

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


def _quick(data: RegistrationInput, kelurahan: dict[str, Region], day: dt.date) -> dict[str, Any] | None:
    """``registration_validate``'s result for an import row, from the same checks but with the kelurahan
    looked up in ``kelurahan`` instead of one query per row. None when any check fails; then
    ``registration_validate`` itself says why, in the words a registration form would show."""
    try:
        facts = nik_check(data.nik, today=day)
        phone = phone_check(data.phone)
        if data.email:
            validate_email(data.email)
        basis = domicile_check(facts=facts, basis=data.domicile_basis, since=data.domicile_since, today=day)
    except ValidationError:
        return None
    region = kelurahan.get(data.kelurahan_code)
    b = data.business
    if (
        region is None
        or len(data.full_name.strip()) < 3
        or data.entry_track not in EntryTrack.values
        or (data.entry_track == EntryTrack.NAIK_KELAS and b is None)
        or (b is not None and _business_errors(b, day))
        or any(c not in ConsentPurpose.values for c in data.consents)
        or ConsentPurpose.PROGRAMME not in data.consents
    ):
        return None
    return {"facts": facts, "phone": phone, "kelurahan": region, "basis": basis}


def _validated(rows: Sequence[ParticipantImport], now: dt.datetime) -> list[dict[str, Any]]:
    """Every row's checked facts; otherwise one ValidationError naming each bad row's fields
    (``"12.nik"``), including NIKs already registered or repeated within ``rows``."""
    kelurahan = {
        r.code: r
        for r in Region.objects.filter(level=RegionLevel.KELURAHAN, code__startswith=PROGRAMME_REGION + ".")
    }
    errors: dict[str, str] = {}
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.data.password or row.data.documents:
            raise ValueError("An import creates no accounts and stores no documents; pass ``user`` instead.")
        day = timezone.localdate(row.registered_at or now)
        facts = _quick(row.data, kelurahan, day)
        if facts is None:
            try:
                facts = registration_validate(row.data, channel=CHANNEL, day=day)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors[f"{i}.{name}"] = messages[0]
                checked.append({})
                continue
        nik = facts["facts"].nik
        if nik in seen:
            errors[f"{i}.nik"] = duplicate_message()
        seen[nik] = i
        checked.append(facts)
    niks = list(seen)
    for start in range(0, len(niks), 500):
        for nik in Participant.objects.filter(nik__in=niks[start : start + 500]).values_list(
            "nik", flat=True
        ):
            errors[f"{seen[nik]}.nik"] = duplicate_message()
    if errors:
        raise ValidationError(errors)
    return checked


def _insert_keyed(objs: Sequence[Participant] | Sequence[Business], *, key: str) -> None:
    """Insert new rows and give them their ids, found again by ``key``, a value unique to each new row
    (a participant's NIK; the new participant of a business: each gets one here)."""
    if not objs:
        return
    model = type(objs[0])
    rows_insert(model, objs)
    db = router.db_for_write(model)
    wanted = [getattr(o, key) for o in objs]
    ids: dict[Any, int] = {}
    for start in range(0, len(wanted), 500):
        ids |= dict(
            model._default_manager.using(db)
            .filter(**{f"{key}__in": wanted[start : start + 500]})
            .values_list(key, "id")
        )
    for o in objs:
        o.pk = ids[getattr(o, key)]
        o._state.adding = False
        o._state.db = db


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
    programme_default()  # the seven stages exist before the first participant needs them
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
            _insert_keyed(people, key="nik")
            businesses: list[Business] = []
            consents: list[Consent] = []
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
            _insert_keyed(businesses, key="participant_id")
            rows_insert(
                BusinessFigures,
                [
                    BusinessFigures(
                        business=b,
                        measured_on=b.participant.registered_on,
                        assets=b.assets,
                        monthly_turnover=b.monthly_turnover,
                        workers=b.workers,
                        scale=b.scale,
                    )
                    for b in businesses
                ],
            )
            rows_insert(Consent, consents)
            rows_insert(AuditEvent, events)
            stages_create_with_history(
                participants=people,
                histories=[_history(p, row) for p, (row, _facts) in zip(people, chunk, strict=True)],
                at=now,
            )
            created.extend(people)
    return created


def _history(p: Participant, row: ParticipantImport) -> dict[str, StageTarget]:
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
    return stages | dict(row.stages)
