"""Many participants at once: the batch counterpart of ``services.participant_register``.

For imports (the demo's participants today, a kecamatan's spreadsheet tomorrow) registering one person
at a time costs a few dozen queries each. ``participants_bulk_create`` checks every row with the checks
``registration_validate`` makes (a row that fails gets ``registration_validate``'s own messages), then
writes participants, businesses and their first figures, consents and the programme's stage rows in
batches, one ``PARTICIPANT_REGISTERED`` audit row per participant (channel ``import``), and the stage
history (registration's own P1, then whatever the import carries) through ``pathway.bulk``, by the same
rules as ``stage_transition``. The tests compare a bulk-registered participant with one registered by
``participant_register``.

``participants_bulk_upsert`` is the import's counterpart keyed by NIK: new NIKs are registered as above,
known ones brought up to date field by field and stage by stage (audited), equal ones left untouched.

Speed: rows are built as model objects without ``Model.__init__`` (``pathway.bulk.instance``), ids are
reserved before anything is written (``ids_reserve``) so every dependent row is built in memory, the
whole history is judged before the first insert, and each table gets one statement per batch
(``COPY`` on PostgreSQL); no row is written twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.analytics import counters
from kolabora.core import access, context
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.pathway.bulk import (
    PARTICIPANT_TYPE,
    ImportRefused,
    ParticipantHistory,
    StageTarget,
    ids_reserve,
    instance,
    rows_insert,
    rows_update,
    stage_history_import,
    stages_build,
    stages_create_with_history,
)
from kolabora.pathway.models import ParticipantStage, Programme
from kolabora.pathway.services import programme_default
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import (
    CONSENT_TEXT_VERSION,
    ConsentPurpose,
    DomicileBasis,
    EntryTrack,
    ParticipantStatus,
    RegistrationChannel,
    Sector,
)
from .models import Business, BusinessFigures, Consent, Participant
from .scale import business_scale
from .services import (
    PROGRAMME_REGION,
    BusinessInput,
    RegistrationInput,
    duplicate_message,
    name_key,
    registration_validate,
)
from .validation import domicile_check, nib_check, nik_check, nik_plain, phone_check

if TYPE_CHECKING:
    from kolabora.accounts.models import User

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


def quick_check(
    data: RegistrationInput, kelurahan: Mapping[str, Region], day: dt.date
) -> dict[str, Any] | None:
    """``registration_validate``'s result for an import row, from the same checks but with the kelurahan
    looked up in ``kelurahan`` instead of one query per row. None when any check fails; then
    ``registration_validate`` itself says why, in the words a registration form would show. Touches no
    database (an import checks rows in a reading thread while its own thread writes the batch before)."""
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
        or data.entry_track not in _TRACKS
        or (data.entry_track == EntryTrack.NAIK_KELAS and b is None)
        or (b is not None and not _business_ok(b, day))
        or any(c not in _PURPOSES for c in data.consents)
        or ConsentPurpose.PROGRAMME not in data.consents
    ):
        return None
    return {"facts": facts, "phone": phone, "kelurahan": region, "basis": basis}


# The choices' values as sets: ``Choices.values`` builds a new list on every call.
_TRACKS = frozenset(EntryTrack.values)
_PURPOSES = frozenset(ConsentPurpose.values)
_SECTORS = frozenset(Sector.values)


def _business_ok(b: BusinessInput, day: dt.date) -> bool:
    """Whether ``services._business_errors`` finds nothing, by the same checks (and, like it, with the
    NIB's spaces removed); when not, ``registration_validate`` reports what is wrong."""
    try:
        b.nib = nib_check(b.nib)
    except ValidationError:
        return False
    return (
        bool(b.name.strip())
        and b.sector in _SECTORS
        and not (b.started_on and b.started_on > day)
        and b.workers >= 0
        and b.monthly_turnover >= 0
        and b.assets >= 0
    )


def _validated(rows: Sequence[ParticipantImport], now: dt.datetime) -> list[dict[str, Any]]:
    """Every row's checked facts; otherwise one ValidationError naming each bad row's fields
    (``"12.nik"``), including NIKs already registered or repeated within ``rows``."""
    kelurahan = kelurahan_map()
    errors: dict[str, str] = {}
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.data.password or row.data.documents:
            raise ValueError("An import creates no accounts and stores no documents; pass ``user`` instead.")
        day = timezone.localdate(row.registered_at or now)
        facts = quick_check(row.data, kelurahan, day)
        if facts is None:
            try:
                facts = registration_validate(row.data, channel=CHANNEL, day=day, known=kelurahan)
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


def row_check(data: RegistrationInput, *, kelurahan: Mapping[str, Region], day: dt.date) -> dict[str, Any]:
    """``registration_validate``'s result for one import row, from ``quick_check`` (no queries) when every
    check passes; otherwise ``registration_validate`` raises its ``ValidationError``, in the words a
    registration form would show. ``kelurahan``: the programme's kelurahan by code (``kelurahan_map``)."""
    facts = quick_check(data, kelurahan, day)
    if facts is None:
        facts = registration_validate(data, channel=CHANNEL, day=day, known=kelurahan)
    return facts


def kelurahan_map() -> dict[str, Region]:
    """The programme's kelurahan by code, read once for a whole import."""
    return {
        r.code: r
        for r in Region.objects.filter(level=RegionLevel.KELURAHAN, code__startswith=PROGRAMME_REGION + ".")
    }


class _Writer:
    """Builds the rows of a batch as model objects without ``Model.__init__`` (``pathway.bulk.instance``)
    and the audit rows, with the actor's organisation per kelurahan looked up once."""

    def __init__(self, actor: User | None, now: dt.datetime, channel: str = CHANNEL) -> None:
        self.actor = actor
        self.channel = str(channel)
        self.actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        self.now = now
        self.request = context.current()
        self.organisations: dict[tuple[str, str], int | None] = {}

    def organisation_id(self, action: access.Action, kelurahan: str) -> int | None:
        if self.actor is None:
            return None
        key = (str(action), kelurahan)
        if key not in self.organisations:
            org = access.acting_organisation(self.actor, action, kelurahan)
            self.organisations[key] = org.pk if org is not None else None
        return self.organisations[key]

    def event(
        self,
        action: AuditAction,
        object_type: str,
        object_id: int,
        *,
        organisation_id: int | None,
        actor_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditEvent:
        return instance(
            AuditEvent,
            {
                "actor_id": actor_id if actor_id is not None else self.actor_id,
                "organisation_id": organisation_id,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "before": before or {},
                "after": after or {},
                "request_id": self.request.request_id,
                "ip_address": self.request.ip_address,
            },
        )


def _create(
    items: Sequence[tuple[ParticipantImport, dict[str, Any]]],
    *,
    actor: User | None,
    now: dt.datetime,
    programme: Programme | None = None,
    refused: list[ImportRefused] | None = None,
    channel: str = CHANNEL,
) -> tuple[list[tuple[int, Participant | None]], int]:
    """Insert new participants (checked already) with everything a registration gives them. Returns,
    for each item, its reserved id and the participant (None when ``refused`` collected a refusal of its
    history: then nothing of it is written), and how many stage rows were flagged as breaking the rules.

    The whole history is judged in memory first (``stages_build``), so a refused person is not written
    at all and every participant row is written once, with its final flags. Ids are reserved up front so
    the businesses, consents, stage rows and audit rows are built before anything is inserted.
    """
    if not items:
        return [], 0
    w = _Writer(actor, now, channel)
    ids = ids_reserve(Participant, len(items))
    people: list[Participant] = []
    for pk, (row, facts) in zip(ids, items, strict=True):
        when = row.registered_at or now
        nik, kelurahan, basis = facts["facts"], facts["kelurahan"], facts["basis"]
        people.append(
            instance(
                Participant,
                {
                    "id": pk,
                    "user_id": row.user.pk if row.user is not None else None,
                    "nik": nik.nik,
                    "full_name": row.data.full_name.strip(),
                    "name_key": name_key(row.data.full_name),
                    "sex": nik.sex,
                    "birth_date": nik.birth_date,
                    "phone": facts["phone"],
                    "email": row.data.email,
                    "address": row.data.address.strip(),
                    "kelurahan_id": kelurahan.code,
                    "kecamatan_code": kelurahan.code[:8],
                    "kota_code": kelurahan.code[:5],
                    "province_code": kelurahan.code[:2],
                    "domicile_basis": str(basis),
                    "domicile_since": row.data.domicile_since,
                    "entry_track": str(row.data.entry_track),
                    "eligibility_verified_at": when if basis == DomicileBasis.KTP_DKI else None,
                    "channel": w.channel,
                    "registered_on": timezone.localdate(when),
                    "registered_by_id": w.actor_id or (row.user.pk if row.user is not None else None),
                    "last_activity_at": when,
                },
                {"kelurahan": kelurahan},
            )
        )
    rows_by_pk = {p.id: row for p, (row, _f) in zip(people, items, strict=True)}
    registered = _registered_reason(channel)
    built = stages_build(
        participants=people,
        histories=[_history(p, row, registered) for p, (row, _f) in zip(people, items, strict=True)],
        at=now,
        programme=programme,
        consented={p.id for p in people if ConsentPurpose.PROGRAMME in rows_by_pk[p.id].data.consents},
        refused=refused,
        imported=w.channel == RegistrationChannel.IMPORT,
    )
    accepted = built.participants
    rows_insert(Participant, accepted)
    with_business = [(p, rows_by_pk[p.id].data.business) for p in accepted]
    with_business = [(p, b) for p, b in with_business if b is not None]
    businesses: list[Business] = []
    for business_pk, (p, b) in zip(ids_reserve(Business, len(with_business)), with_business, strict=True):
        assert b is not None
        businesses.append(
            instance(
                Business,
                {
                    "id": business_pk,
                    "participant_id": p.id,
                    "name": b.name.strip(),
                    "sector": b.sector,
                    "kbli_code": b.kbli_code,
                    "started_on": b.started_on,
                    "workers": b.workers,
                    "assets": b.assets,
                    "monthly_turnover": b.monthly_turnover,
                    "scale": str(business_scale(assets=b.assets, monthly_turnover=b.monthly_turnover)),
                    "nib": b.nib,
                },
            )
        )
    registered_on = {p.id: p.registered_on for p in accepted}
    figures = [
        instance(
            BusinessFigures,
            {
                "business_id": b.id,
                "measured_on": registered_on[b.participant_id],
                "assets": b.assets,
                "monthly_turnover": b.monthly_turnover,
                "workers": b.workers,
                "scale": b.scale,
            },
        )
        for b in businesses
    ]
    consents: list[Consent] = []
    events: list[AuditEvent] = []
    for p in accepted:
        row = rows_by_pk[p.id]
        when = row.registered_at or now
        consents.extend(
            instance(
                Consent,
                {
                    "participant_id": p.id,
                    "purpose": str(purpose),
                    "text_version": CONSENT_TEXT_VERSION,
                    "granted_at": when,
                },
            )
            for purpose in dict.fromkeys(row.data.consents)
        )
        events.append(
            w.event(
                AuditAction.PARTICIPANT_REGISTERED,
                PARTICIPANT_TYPE,
                p.id,
                organisation_id=w.organisation_id(access.Action.PARTICIPANT_REGISTER, p.kelurahan_id),
                actor_id=w.actor_id or (row.user.pk if row.user is not None else None),
                after={
                    "channel": w.channel,
                    "kelurahan": p.kelurahan_id,
                    "entry_track": p.entry_track,
                    "domicile_basis": p.domicile_basis,
                    "consents": sorted(set(row.data.consents)),
                },
            )
        )
    rows_insert(Business, businesses)
    rows_insert(BusinessFigures, figures)
    rows_insert(Consent, consents)
    # The registration's audit rows before the stage history's, as a single registration writes them.
    rows_insert(AuditEvent, events)
    stages_create_with_history(participants=accepted, histories=[], built=built)
    kept = {p.id for p in accepted}
    for p in accepted:
        p._state.adding = False
        p._state.db = router.db_for_write(Participant)
    return [(p.id, p if p.id in kept else None) for p in people], built.recorder.flagged


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
    created: list[Participant] = []
    with transaction.atomic():
        for start in range(0, len(rows), batch_size):
            made, _flagged = _create(
                list(zip(rows[start : start + batch_size], checked[start : start + batch_size], strict=True)),
                actor=actor,
                now=now,
            )
            created.extend(p for _pk, p in made if p is not None)
    return created


# --- many registrations in one request ----------------------------------------------------------------


@dataclass
class BatchOutcome:
    """What became of one registration of a batch: ``created`` with the participant, ``duplicate``
    (the NIK is registered already, or repeated earlier in the batch), ``invalid`` with the field
    errors a registration form would show, or ``outside`` (a kelurahan beyond the actor's region).

    ``existing_id`` is the registered participant a ``duplicate`` collides with (None for a repeat within
    the batch); it is for the platform's own callers, not for the partner that sent the batch."""

    result: str
    participant: Participant | None = None
    errors: dict[str, str] = field(default_factory=dict)
    existing_id: int | None = None


BATCH_MAX = 500


def outside_region_message() -> str:
    return _("This kelurahan lies outside your organisation's region.")


def repeated_message(index: int) -> str:
    return _("This NIK is already in this batch, at item %(index)s; a person is registered once.") % {
        "index": index
    }


def participants_register_batch(
    *,
    items: Sequence[RegistrationInput],
    actor: User | None,
    channel: str = RegistrationChannel.API,
    may_register: Callable[[str], bool] | None = None,
    at: dt.datetime | None = None,
) -> list[BatchOutcome]:
    """Register each of ``items`` as ``participant_register`` would, answering for each one on its own:
    a bad or known registration does not hold the others back, and nothing of it is written.

    Each item is judged as if the items were registered one after another, in order: a kelurahan
    ``may_register(kelurahan_code)`` refuses is ``outside`` (checked first, as the API does); a NIK that
    is registered already, or that an earlier item of the batch registers, is a ``duplicate``, also when
    other fields are wrong (``participant_register`` answers a known NIK before the form's errors);
    otherwise a failed check is ``invalid`` with ``registration_validate``'s messages. The caller has
    checked that the actor may register at all.

    The valid ones are written together (``_create``: the same participant, business, figures, consents,
    seven stage rows with P1 opened, and the same audit rows as one registration writes, with
    ``channel``; P1's change is not marked imported unless the channel is ``import``). When another
    registration of the same NIK commits while this batch is being written, the unique index refuses the
    write; the batch is then judged again and written once.
    """
    if len(items) > BATCH_MAX:
        raise ValueError(f"At most {BATCH_MAX} registrations a batch.")
    if any(data.password or data.documents for data in items):
        raise ValueError("A batch creates no accounts and stores no documents.")
    now = at or timezone.now()
    day = timezone.localdate(now)
    kelurahan = kelurahan_map()
    conn = connections[router.db_for_write(Participant)]
    for attempt in range(2):
        outcomes: list[BatchOutcome | None] = [None] * len(items)
        valid: list[tuple[int, dict[str, Any]]] = []
        seen: dict[str, int] = {}  # NIK -> the item that registers it
        repeats: dict[int, str] = {}  # item -> the NIK an earlier item registers
        failed: dict[int, tuple[str, dict[str, str]]] = {}  # item -> its NIK as written, its errors
        for i, data in enumerate(items):
            code = (data.kelurahan_code or "").strip()
            if may_register is not None and code and not may_register(code):
                outcomes[i] = BatchOutcome(
                    "outside",
                    errors={"kelurahan_code": outside_region_message()},
                )
                continue
            try:
                facts = row_check(data, kelurahan=kelurahan, day=day)
            except ValidationError as exc:
                nik = nik_plain(data.nik)
                if nik in seen:
                    repeats[i] = nik
                else:
                    failed[i] = (nik, {k: v[0] for k, v in exc.message_dict.items()})
                continue
            nik = facts["facts"].nik
            if nik in seen:
                repeats[i] = nik
                continue
            seen[nik] = i
            valid.append((i, facts))
        # One query for every NIK the batch names: those to register, and those of the items that failed
        # their checks (a known NIK is answered before the form's errors, as ``participant_register`` does).
        asked = list(seen.keys() | {nik for nik, _e in failed.values() if len(nik) == 16})
        known = dict(Participant.objects.filter(nik__in=asked).values_list("nik", "pk")) if asked else {}
        for i, (nik, errors) in failed.items():
            outcomes[i] = _registered_already(known, nik) or BatchOutcome("invalid", errors=errors)
        for i, nik in [*((i, f["facts"].nik) for i, f in valid), *repeats.items()]:
            if nik in known:
                outcomes[i] = _registered_already(known, nik)
            elif i in repeats:
                outcomes[i] = BatchOutcome("duplicate", errors={"nik": repeated_message(seen[nik])})
        valid = [(i, f) for i, f in valid if f["facts"].nik not in known]
        refusals: list[ImportRefused] = []
        try:
            # ``rows_insert`` sends large batches through the driver's COPY, whose errors are the driver's
            # own; ``wrap_database_errors`` turns them into Django's, as the ORM's own statements are.
            with transaction.atomic(), conn.wrap_database_errors:
                made, _flagged = _create(
                    [(ParticipantImport(data=items[i], registered_at=now), f) for i, f in valid],
                    actor=actor,
                    now=now,
                    refused=refusals,
                    channel=channel,
                )
        except IntegrityError:
            # A NIK registered by someone else meanwhile: the unique index refused the whole batch.
            if attempt:
                raise
            continue
        why = {r.participant_id: r for r in refusals}
        for (i, _f), (pk, p) in zip(valid, made, strict=True):
            if p is None:
                name, rule = _refusal(why[pk])
                outcomes[i] = BatchOutcome("invalid", errors={name: rule})
            else:
                outcomes[i] = BatchOutcome("created", participant=p)
        done = [o for o in outcomes if o is not None]
        assert len(done) == len(items)
        return done
    raise AssertionError("unreachable")


def _registered_already(known: Mapping[str, int], nik: str) -> BatchOutcome | None:
    """A ``duplicate`` for a NIK in ``known`` (registered participants' ids by NIK); None otherwise."""
    if nik not in known:
        return None
    return BatchOutcome("duplicate", errors={"nik": duplicate_message()}, existing_id=known[nik])


# --- upsert by NIK --------------------------------------------------------------------------------------

# What an import may change on a participant who is already registered, compared one by one.
UPDATABLE = (
    "full_name",
    "phone",
    "email",
    "address",
    "kelurahan_id",
    "entry_track",
    "registered_on",
)
_UPDATE_COLUMNS = (
    "full_name",
    "name_key",
    "phone",
    "email",
    "address",
    "kelurahan_id",
    "kecamatan_code",
    "kota_code",
    "province_code",
    "entry_track",
    "registered_on",
    "updated_at",
)
# What the comparison reads of a known participant (nothing else: a re-imported file is mostly equal rows).
_STORED = ("id", "nik", "status", *UPDATABLE)


@dataclass
class UpsertResult:
    """What became of each row of ``participants_bulk_upsert``, by its index in ``rows``."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    # index -> (field, reason in words): rows left out, nothing of them written. The field is a
    # ``RegistrationInput`` field, a stage code (``P5``) or a stage's level (``P2_level``).
    refused: dict[int, tuple[str, str]] = field(default_factory=dict)
    flagged: int = 0  # stage rows written that break today's rules (kept, flagged)


def outside_message() -> str:
    return _(
        "This NIK belongs to a participant registered outside your area; only the secretariat of their area "
        "can change their record."
    )


def merged_message() -> str:
    return _("This NIK belongs to a record merged into another participant; update that participant instead.")


def _changes(stored: dict[str, Any], row: ParticipantImport, facts: dict[str, Any]) -> dict[str, Any]:
    """The updatable fields whose value in ``row`` differs from the stored one (empty values keep)."""
    data = row.data
    wanted: dict[str, Any] = {
        "full_name": data.full_name.strip(),
        "phone": facts["phone"],
        "kelurahan_id": facts["kelurahan"].code,
        "entry_track": str(data.entry_track),
    }
    if data.email:
        wanted["email"] = data.email
    if data.address.strip():
        wanted["address"] = data.address.strip()
    if row.registered_at is not None:
        wanted["registered_on"] = timezone.localdate(row.registered_at)
    return {k: v for k, v in wanted.items() if stored[k] != v}


def participants_bulk_upsert(
    *,
    rows: Sequence[ParticipantImport],
    checked: Sequence[dict[str, Any]],
    actor: User | None = None,
    at: dt.datetime | None = None,
    programme: Programme | None = None,
    may_change: Callable[[str], bool] | None = None,
) -> UpsertResult:
    """Register the rows whose NIK is new and bring those already registered up to date; call it inside
    a transaction (an import's batch). ``checked`` holds each row's ``row_check`` result.

    A new NIK is registered exactly as ``participants_bulk_create`` registers it, its stage targets dated
    at its registration when they carry no date. For a known NIK the row's values are compared with the
    record: changed fields are written with one ``PARTICIPANT_UPDATED`` audit row (before/after of what
    changed), a new or different sector with ``BUSINESS_CREATED``/``BUSINESS_UPDATED``, stage targets that
    differ go through ``stage_history_import`` (audited transitions marked imported; history that breaks
    today's rules kept and flagged); a row equal to the record writes nothing at all. Rows are refused
    (nothing of them written, the reason returned) when the rules refuse their history, the record was
    merged away, or ``may_change`` (kelurahan code → bool) says the actor may not change a participant
    living there. NIKs must be distinct within ``rows``.
    """
    now = at or timezone.now()
    result = UpsertResult()
    if not rows:
        return result
    niks = [c["facts"].nik for c in checked]
    if len(set(niks)) != len(niks):
        raise ValueError("A NIK appears twice in one upsert.")
    stored: dict[str, dict[str, Any]] = {}
    for values in _select(Participant, _STORED, "nik", niks):
        stored[values[1]] = dict(zip(_STORED, values, strict=True))
    fresh = [i for i, n in enumerate(niks) if n not in stored]
    known = [i for i, n in enumerate(niks) if n in stored]
    if fresh:
        refusals: list[ImportRefused] = []
        made, flagged = _create(
            [
                (
                    ParticipantImport(
                        data=rows[i].data,
                        registered_at=rows[i].registered_at,
                        user=rows[i].user,
                        stages=_dated(rows[i].stages, rows[i].registered_at or now),
                    ),
                    checked[i],
                )
                for i in fresh
            ],
            actor=actor,
            now=now,
            programme=programme,
            refused=refusals,
        )
        result.flagged += flagged
        why = {r.participant_id: r for r in refusals}
        for i, (pk, p) in zip(fresh, made, strict=True):
            if p is not None:
                result.created.append(i)
            else:
                result.refused[i] = _refusal(why[pk])
    if known:
        _update(
            [(i, rows[i], checked[i], stored[niks[i]]) for i in known],
            result,
            actor=actor,
            now=now,
            may_change=may_change,
        )
    return result


def _refusal(exc: ImportRefused) -> tuple[str, str]:
    """The field a refused history is about (a stage code, or its level) and the rule in words."""
    return (f"{exc.stage}_level" if exc.code == "level" else exc.stage), exc.rule


def _dated(stages: Mapping[str, StageTarget], when: dt.datetime) -> dict[str, StageTarget]:
    """A new participant's targets without a date happened, as far as the file tells, at registration."""
    return {
        code: t if t.at is not None else StageTarget(t.status, t.level, when, t.started_at, t.reason)
        for code, t in stages.items()
    }


def _update(
    items: list[tuple[int, ParticipantImport, dict[str, Any], dict[str, Any]]],
    result: UpsertResult,
    *,
    actor: User | None,
    now: dt.datetime,
    may_change: Callable[[str], bool] | None,
) -> None:
    ids = [stored["id"] for _i, _r, _c, stored in items]
    statuses: dict[int, dict[str, tuple[str, int | None]]] = {}
    # By participant only: a filter on the stage code as well leads SQLite's planner (without ANALYZE) to
    # the (code, status) index, which reads every participant's rows of those stages.
    wanting_stages = ids if any(row.stages for _i, row, _c, _s in items) else []
    for pid, code, status, level in _select(
        ParticipantStage, ("participant_id", "code", "status", "level"), "participant_id", wanting_stages
    ):
        statuses.setdefault(pid, {})[code] = (status, level)
    sectors: dict[int, tuple[int, str, str]] = {}
    wanting_sector = [stored["id"] for _i, row, _c, stored in items if row.data.business is not None]
    businesses = _select(
        Business, ("participant_id", "id", "sector", "name", "created_at"), "participant_id", wanting_sector
    )
    # A participant's first business (as ``Business.Meta.ordering`` gives it) is the one a sector updates.
    for pid, bid, sector, name, _created in sorted(businesses, key=lambda b: (b[0], str(b[4]), b[1])):
        sectors.setdefault(pid, (bid, sector, name))
    plans: list[
        tuple[int, ParticipantImport, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, StageTarget]]
    ] = []
    for i, row, facts, stored in items:
        if stored["status"] == ParticipantStatus.MERGED:
            result.refused[i] = ("nik", merged_message())
            continue
        if may_change is not None and not may_change(stored["kelurahan_id"]):
            result.refused[i] = ("nik", outside_message())
            continue
        changes = _changes(stored, row, facts)
        current = statuses.get(stored["id"], {})
        targets = {
            code: t
            for code, t in row.stages.items()
            if code not in current
            or not (t.status == current[code][0] and t.level in (None, current[code][1]))
        }
        b = row.data.business
        business = sectors.get(stored["id"])
        if b is not None and (business is None or business[1] != b.sector):
            changes = {**changes, "sector": b.sector}
        if not changes and not targets:
            result.unchanged.append(i)
            continue
        plans.append((i, row, facts, stored, changes, targets))
    if not plans:
        return
    refusals: list[ImportRefused] = []
    moving = [p for p in plans if p[5]]
    if moving:
        history = stage_history_import(
            rows=[ParticipantHistory(participant_id=p[3]["id"], stages=p[5]) for p in moving],
            actor=actor,
            at=now,
            refused=refusals,
        )
        result.flagged += history.flagged
    refused_ids = {r.participant_id: r for r in refusals}
    w = _Writer(actor, now)
    people: list[Participant] = []
    moved: list[Participant] = []
    events: list[AuditEvent] = []
    new_businesses: list[tuple[Participant, BusinessInput]] = []
    changed_businesses: list[tuple[int, str, str, str]] = []  # business, old sector, new, kelurahan
    for i, row, _facts, stored, changes, _targets in plans:
        exc = refused_ids.get(stored["id"])
        if exc is not None:
            result.refused[i] = _refusal(exc)
            continue
        result.updated.append(i)
        sector = changes.pop("sector", None)
        fields = {k: v for k, v in stored.items() if k in UPDATABLE} | changes
        code = fields["kelurahan_id"]
        p = instance(
            Participant,
            {
                "id": stored["id"],
                "nik": stored["nik"],
                "status": stored["status"],
                **fields,
                "name_key": name_key(fields["full_name"]),
                "kecamatan_code": code[:8],
                "kota_code": code[:5],
                "province_code": code[:2],
            },
        )
        p._state.adding = False
        if changes:
            people.append(p)
            if "kelurahan_id" in changes or "registered_on" in changes:
                moved.append(p)
            events.append(
                w.event(
                    AuditAction.PARTICIPANT_UPDATED,
                    PARTICIPANT_TYPE,
                    p.pk,
                    organisation_id=w.organisation_id(access.Action.PARTICIPANT_EDIT, stored["kelurahan_id"]),
                    before={k: _plain(stored[k]) for k in changes},
                    after={"channel": CHANNEL.value} | {k: _plain(v) for k, v in changes.items()},
                )
            )
        if sector is not None:
            b = row.data.business
            assert b is not None
            business = sectors.get(stored["id"])
            if business is None:
                new_businesses.append((p, b))
            else:
                changed_businesses.append((business[0], business[1], str(sector), p.kelurahan_id))
    counters.participants_changed(moved)
    rows_update(Participant, people, _UPDATE_COLUMNS)
    if new_businesses:
        made = []
        for bid, (p, b) in zip(ids_reserve(Business, len(new_businesses)), new_businesses, strict=True):
            made.append(
                instance(
                    Business,
                    {
                        "id": bid,
                        "participant_id": p.pk,
                        "name": b.name.strip(),
                        "sector": b.sector,
                        "scale": str(business_scale(assets=b.assets, monthly_turnover=b.monthly_turnover)),
                        "assets": b.assets,
                        "monthly_turnover": b.monthly_turnover,
                        "workers": b.workers,
                        "nib": b.nib,
                    },
                )
            )
            events.append(
                w.event(
                    AuditAction.BUSINESS_CREATED,
                    "participants.business",
                    bid,
                    organisation_id=w.organisation_id(access.Action.PARTICIPANT_EDIT, p.kelurahan_id),
                    after={
                        "participant": p.pk,
                        "name": b.name.strip(),
                        "sector": b.sector,
                        "channel": CHANNEL.value,
                    },
                )
            )
        rows_insert(Business, made)
        rows_insert(
            BusinessFigures,
            [
                instance(
                    BusinessFigures,
                    {
                        "business_id": b.pk,
                        "measured_on": timezone.localdate(now),
                        "assets": b.assets,
                        "monthly_turnover": b.monthly_turnover,
                        "workers": b.workers,
                        "scale": b.scale,
                    },
                )
                for b in made
            ],
        )
    if changed_businesses:
        rows_update(
            Business,
            [
                instance(Business, {"id": bid, "sector": sector, "updated_at": now})
                for bid, _old, sector, _kelurahan in changed_businesses
            ],
            ("sector", "updated_at"),
        )
        events.extend(
            w.event(
                AuditAction.BUSINESS_UPDATED,
                "participants.business",
                bid,
                organisation_id=w.organisation_id(access.Action.PARTICIPANT_EDIT, kelurahan),
                before={"sector": old},
                after={"sector": sector, "channel": CHANNEL.value},
            )
            for bid, old, sector, kelurahan in changed_businesses
        )
    rows_insert(AuditEvent, events)


def _select(
    model: type[Any], columns: Sequence[str], key: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``columns`` (attribute names) of the rows of ``model`` whose ``key`` is in ``values``, in plain SQL,
    1,000 values a query: the ORM spends milliseconds building each such query, for 1,000 rows it hands
    back as they come. Dates come back as dates on every database."""
    if not values:
        return []
    conn = connections[router.db_for_read(model)]
    q = conn.ops.quote_name
    opts = model._meta
    fields = [opts.get_field(c) for c in columns]
    dates = [i for i, f in enumerate(fields) if f.get_internal_type() == "DateField"]
    names = ", ".join(q(f.column) for f in fields)
    out: list[tuple[Any, ...]] = []
    with conn.cursor() as cursor:
        for start in range(0, len(values), 1000):
            chunk = list(values[start : start + 1000])
            # Names from the model's own metadata; every value is a parameter.
            sql = "SELECT {} FROM {} WHERE {} IN ({})".format(  # noqa: S608
                names, q(opts.db_table), q(opts.get_field(key).column), ", ".join(["%s"] * len(chunk))
            )
            cursor.execute(sql, chunk)
            rows = cursor.fetchall()
            if dates:
                fixed = []
                for row in rows:
                    values_ = list(row)
                    for i in dates:
                        if isinstance(values_[i], str):
                            values_[i] = dt.date.fromisoformat(values_[i])
                    fixed.append(tuple(values_))
                rows = fixed
            out.extend(rows)
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _registered_reason(channel: str = CHANNEL) -> str:
    return _("Registered (%(channel)s)") % {"channel": RegistrationChannel(channel).label}


def _history(p: Participant, row: ParticipantImport, registered: str | None = None) -> dict[str, StageTarget]:
    """Registration's own stage changes (P1, and P4 for a recorded NIB), then the imported history.
    ``registered``: P1's reason, translated once per batch by the caller."""
    when = p.last_activity_at
    stages: dict[str, StageTarget] = {
        "P1": StageTarget(
            status="completed" if p.eligibility_verified_at else "in_progress",
            at=when,
            reason=registered if registered is not None else _registered_reason(),
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
