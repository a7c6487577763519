"""Writes for participants: registration, consents, eligibility, businesses, relationships, merges and
data-subject requests. Each state change writes one audit row in its own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.accounts.models import User
from kolabora.analytics import counters
from kolabora.core import access
from kolabora.core.audit import audit_record
from kolabora.core.choices import AuditAction
from kolabora.core.timeutils import today
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .choices import (
    CONSENT_TEXT_VERSION,
    ConsentPurpose,
    DataRequestKind,
    DataRequestStatus,
    DocumentKind,
    DomicileBasis,
    EntryTrack,
    ParticipantStatus,
    RegistrationChannel,
    RelationshipKind,
    Sector,
)
from .models import (
    Business,
    BusinessFigures,
    Consent,
    DataRequest,
    Participant,
    ParticipantDocument,
    Relationship,
)
from .scale import business_scale
from .signals import consent_withdrawn
from .validation import domicile_check, nib_check, nik_check, nik_plain, phone_check

if TYPE_CHECKING:
    from kolabora.organisations.models import Organisation

PROGRAMME_REGION = "31"
ANSWER_WITHIN = dt.timedelta(hours=72)  # UU PDP: 3 × 24 hours


class DuplicateNik(Exception):
    """The NIK is registered already; the message tells the person how to get back into their account."""

    def __init__(self, participant_id: int) -> None:
        super().__init__(duplicate_message())
        self.participant_id = participant_id


def duplicate_message() -> str:
    return _(
        "This NIK is already registered. Log in with the phone number or email you registered with, or reset "
        "your password. If that does not work, visit your kecamatan secretariat with your KTP."
    )


@dataclass
class BusinessInput:
    name: str
    sector: str
    started_on: dt.date | None = None
    workers: int = 0
    monthly_turnover: int = 0
    assets: int = 0
    nib: str = ""
    kbli_code: str = ""


@dataclass
class RegistrationInput:
    nik: str
    full_name: str
    phone: str
    kelurahan_code: str
    entry_track: str
    email: str = ""
    address: str = ""
    domicile_basis: str = ""
    domicile_since: dt.date | None = None
    business: BusinessInput | None = None
    consents: list[str] = field(default_factory=list)
    password: str = ""
    documents: dict[str, File] = field(default_factory=dict)


def name_key(name: str) -> str:
    return " ".join(name.upper().split())


def _business_errors(b: BusinessInput, day: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not b.name.strip():
        errors["business.name"] = _("Give the business a name.")
    if b.sector not in Sector.values:
        errors["business.sector"] = _("Choose one of the programme's sectors.")
    if b.started_on and b.started_on > day:
        errors["business.started_on"] = _("The start date cannot be in the future.")
    if b.workers < 0:
        errors["business.workers"] = _("The number of workers cannot be negative.")
    if b.monthly_turnover < 0:
        errors["business.monthly_turnover"] = _("Turnover cannot be negative.")
    if b.assets < 0:
        errors["business.assets"] = _("Business capital cannot be negative.")
    try:
        b.nib = nib_check(b.nib)
    except ValidationError as exc:
        errors["business.nib"] = exc.messages[0]
    return errors


def registration_validate(
    data: RegistrationInput,
    *,
    channel: str,
    day: dt.date | None = None,
    known: Mapping[str, Region] | None = None,
) -> dict[str, Any]:
    """Check everything a registration needs; raise ValidationError with every field's problem at once.
    ``known``: kelurahan by code that the caller has read already (an import's ``kelurahan_map``); a code
    not in it is looked up as usual."""
    day = day or today()
    errors: dict[str, str] = {}
    facts = None
    try:
        facts = nik_check(data.nik, today=day)
    except ValidationError as exc:
        errors["nik"] = exc.messages[0]
    if len(data.full_name.strip()) < 3:
        errors["full_name"] = _("Write the full name as on the KTP.")
    phone = ""
    try:
        phone = phone_check(data.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError:
            errors["email"] = _("“%(email)s” is not a valid email address.") % {"email": data.email}
    kelurahan = known.get(data.kelurahan_code) if known is not None else None
    if kelurahan is None and data.kelurahan_code.strip():
        kelurahan = Region.objects.filter(code=data.kelurahan_code, level=RegionLevel.KELURAHAN).first()
    if not data.kelurahan_code.strip():
        errors["kelurahan_code"] = _("Give the kelurahan where the participant lives.")
    elif kelurahan is None:
        errors["kelurahan_code"] = _("Unknown kelurahan code: %(code)s") % {"code": data.kelurahan_code}
    elif not kelurahan.code.startswith(PROGRAMME_REGION + "."):
        errors["kelurahan_code"] = _("The business and domicile must be in DKI Jakarta.")
    if data.entry_track not in EntryTrack.values:
        errors["entry_track"] = _("Choose new entrepreneur (pemula) or existing business (naik kelas).")
    basis = ""
    if facts is not None:
        try:
            basis = domicile_check(
                facts=facts, basis=data.domicile_basis, since=data.domicile_since, today=day
            )
        except ValidationError as exc:
            field_name = (
                "domicile_since" if exc.code in ("domicile_since", "domicile_too_short") else "domicile_basis"
            )
            errors[field_name] = exc.messages[0]
    web = channel in (RegistrationChannel.ONLINE, RegistrationChannel.WALK_IN)
    if basis == DomicileBasis.DOMICILE_LETTER and web and DocumentKind.DOMICILE_LETTER not in data.documents:
        errors["domicile_letter"] = _("Attach the domicile letter from your lurah.")
    if data.entry_track == EntryTrack.NAIK_KELAS:
        if data.business is None:
            errors["business.name"] = _(
                "An existing business (naik kelas) registers with its business details."
            )
        if web and DocumentKind.OWNERSHIP_PROOF not in data.documents:
            errors["ownership_proof"] = _(
                "Attach proof that you own the business (e.g. a photo of the premises, "
                "a business letter or an existing licence)."
            )
    if data.business is not None:
        errors |= _business_errors(data.business, day)
    unknown = [c for c in data.consents if c not in ConsentPurpose.values]
    if unknown:
        errors["consents"] = _("Unknown consent purpose: %(codes)s") % {"codes": ", ".join(unknown)}
    elif ConsentPurpose.PROGRAMME not in data.consents:
        errors["consents"] = _(
            "Registering needs your consent to processing for the programme administration."
        )
    if data.password:
        if phone and User.objects.filter(username=phone).exists() and not data.email:
            errors["email"] = _(
                "This phone number is already used by another account; give an email to log in with."
            )
        if data.email and User.objects.filter(email__iexact=data.email).exists():
            errors["email"] = _("This email is already used by another account.")
        from django.contrib.auth.password_validation import validate_password

        try:
            validate_password(data.password)
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    assert facts is not None and kelurahan is not None
    return {"facts": facts, "phone": phone, "kelurahan": kelurahan, "basis": basis}


def _existing(nik: str) -> Participant | None:
    return Participant.objects.filter(nik=nik).only("pk").first()


def participant_register(
    *, data: RegistrationInput, actor: User | None, channel: str, at: dt.datetime | None = None
) -> Participant:
    """Register a participant: validate, create the record, business, consents, documents and the seven
    stage rows, and start P1 (completing it when eligibility is already proven by a DKI KTP). A naik
    kelas business that records its NIB completes P4 at once. All or nothing; raises ValidationError with
    every problem, or DuplicateNik."""
    from kolabora.pathway.choices import StageStatus
    from kolabora.pathway.services import participant_stages_create, programme_default, stage_transition

    now = at or timezone.now()
    nik = nik_plain(data.nik)
    try:
        checked = registration_validate(data, channel=channel, day=timezone.localdate(now))
    except ValidationError:
        # A known NIK is answered first: the person needs their account back, not a list of form errors.
        # (On the usual path the database's unique NIK answers it, below, without a query of its own.)
        known = _existing(nik)
        if known is not None:
            raise DuplicateNik(known.pk) from None
        raise
    facts, phone, kelurahan, basis = (
        checked["facts"],
        checked["phone"],
        checked["kelurahan"],
        checked["basis"],
    )
    programme = programme_default()
    try:
        with transaction.atomic():
            user = None
            if data.password:
                username = data.email.lower() if User.objects.filter(username=phone).exists() else phone
                first, _sep, last = data.full_name.strip().partition(" ")
                user = User.objects.create_user(
                    username=username,
                    email=data.email,
                    password=data.password,
                    first_name=first[:150],
                    last_name=last[:150],
                )
            participant = Participant.objects.create(
                user=user,
                nik=facts.nik,
                full_name=data.full_name.strip(),
                name_key=name_key(data.full_name),
                sex=facts.sex,
                birth_date=facts.birth_date,
                phone=phone,
                email=data.email,
                address=data.address.strip(),
                kelurahan=kelurahan,
                kecamatan_code=kelurahan.code[:8],
                kota_code=kelurahan.code[:5],
                province_code=kelurahan.code[:2],
                domicile_basis=basis,
                domicile_since=data.domicile_since,
                entry_track=data.entry_track,
                eligibility_verified_at=now if basis == DomicileBasis.KTP_DKI else None,
                channel=channel,
                registered_on=timezone.localdate(now),
                registered_by=actor if actor is not None and actor.is_authenticated else user,
                last_activity_at=now,
            )
            if data.business is not None:
                _business_create(participant=participant, data=data.business, at=now)
            consents = list(dict.fromkeys(data.consents))
            Consent.objects.bulk_create(
                Consent(
                    participant=participant,
                    purpose=purpose,
                    text_version=CONSENT_TEXT_VERSION,
                    granted_at=now,
                )
                for purpose in consents
            )
            for kind, upload in data.documents.items():
                ParticipantDocument.objects.create(
                    participant=participant, kind=kind, file=upload, uploaded_by=actor or user
                )
            audit_record(
                actor=actor or user,
                action=AuditAction.PARTICIPANT_REGISTERED,
                obj=participant,
                organisation=(
                    access.acting_organisation(actor, access.Action.PARTICIPANT_REGISTER, kelurahan.code)
                    if actor is not None
                    else None
                ),
                after={
                    "channel": channel,
                    "kelurahan": kelurahan.code,
                    "entry_track": data.entry_track,
                    "domicile_basis": basis,
                    "consents": sorted(set(data.consents)),
                },
            )
            # P1 opens with the registration: completed when a DKI KTP already proves eligibility.
            p1_to = StageStatus.COMPLETED if participant.eligibility_verified_at else StageStatus.IN_PROGRESS
            participant_stages_create(
                participant=participant,
                programme=programme,
                at=now,
                p1=p1_to,
                consented=ConsentPurpose.PROGRAMME in consents,
                reason=_("Registered (%(channel)s)") % {"channel": RegistrationChannel(channel).label},
            )
            business = data.business
            if (
                data.entry_track == EntryTrack.NAIK_KELAS
                and business is not None
                and business.nib
                and p1_to == StageStatus.COMPLETED
            ):
                stage_transition(
                    participant=participant,
                    stage="P4",
                    to_status="completed",
                    actor=None,
                    reason=_("Existing NIB %(nib)s recorded at registration") % {"nib": business.nib},
                    at=now,
                )
    except IntegrityError:
        # Two registrations with the same NIK at the same moment: the database kept one.
        known = _existing(facts.nik)
        if known is None:
            raise
        raise DuplicateNik(known.pk) from None
    return participant


def _business_create(*, participant: Participant, data: BusinessInput, at: dt.datetime) -> Business:
    scale = business_scale(assets=data.assets, monthly_turnover=data.monthly_turnover)
    business = Business.objects.create(
        participant=participant,
        name=data.name.strip(),
        sector=data.sector,
        kbli_code=data.kbli_code,
        started_on=data.started_on,
        workers=data.workers,
        assets=data.assets,
        monthly_turnover=data.monthly_turnover,
        scale=scale,
        nib=data.nib,
    )
    BusinessFigures.objects.create(
        business=business,
        measured_on=timezone.localdate(at),
        assets=data.assets,
        monthly_turnover=data.monthly_turnover,
        workers=data.workers,
        scale=scale,
    )
    return business


def business_create(*, participant: Participant, data: BusinessInput, actor: User) -> Business:
    errors = _business_errors(data, today())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        business = _business_create(participant=participant, data=data, at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditAction.BUSINESS_CREATED,
            obj=business,
            after={"participant": participant.pk, "name": business.name},
        )
    return business


def business_figures_update(
    *, business: Business, actor: User, assets: int, monthly_turnover: int, workers: int
) -> Business:
    """Record new figures; the scale is recomputed and the measurement kept, so growth shows over time."""
    if min(assets, monthly_turnover, workers) < 0:
        raise ValidationError(_("Figures cannot be negative."))
    with transaction.atomic():
        b = Business.objects.select_for_update().get(pk=business.pk)
        before = {
            "assets": b.assets,
            "monthly_turnover": b.monthly_turnover,
            "workers": b.workers,
            "scale": b.scale,
        }
        b.assets, b.monthly_turnover, b.workers = assets, monthly_turnover, workers
        b.scale = business_scale(assets=assets, monthly_turnover=monthly_turnover)
        b.save()
        BusinessFigures.objects.create(
            business=b,
            measured_on=today(),
            assets=assets,
            monthly_turnover=monthly_turnover,
            workers=workers,
            scale=b.scale,
        )
        audit_record(
            actor=actor,
            action=AuditAction.BUSINESS_UPDATED,
            obj=b,
            before=before,
            after={
                "assets": assets,
                "monthly_turnover": monthly_turnover,
                "workers": workers,
                "scale": b.scale,
            },
        )
    return b


def eligibility_verify(*, participant: Participant, actor: User) -> Participant:
    """Kecamatan staff confirm the domicile letter; P1 then completes (when programme consent is given)."""
    from kolabora.pathway.services import stage_transition

    access.require(actor, access.Action.PARTICIPANT_EDIT, participant)
    with transaction.atomic():
        p = Participant.objects.select_for_update().get(pk=participant.pk)
        if p.eligibility_verified_at is not None:
            raise ValidationError(_("Eligibility has already been verified."))
        if (
            p.domicile_basis == DomicileBasis.DOMICILE_LETTER
            and not p.documents.filter(kind=DocumentKind.DOMICILE_LETTER).exists()
        ):
            raise ValidationError(_("Upload the lurah's domicile letter before verifying eligibility."))
        p.eligibility_verified_at = timezone.now()
        p.eligibility_verified_by = actor
        p.save(update_fields=["eligibility_verified_at", "eligibility_verified_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ELIGIBILITY_VERIFIED,
            obj=p,
            organisation=access.acting_organisation(actor, access.Action.PARTICIPANT_EDIT, p.kelurahan_id),
            after={"domicile_basis": p.domicile_basis},
        )
        if access.consent_is_open(p, ConsentPurpose.PROGRAMME):
            stage_transition(
                participant=p,
                stage="P1",
                to_status="completed",
                actor=actor,
                reason=_("Eligibility verified"),
            )
    return p


def consent_grant(*, participant: Participant, purpose: str, actor: User) -> Consent:
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown consent purpose: %(codes)s") % {"codes": purpose}})
    with transaction.atomic():
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        existing = Consent.objects.filter(
            participant=participant, purpose=purpose, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        consent = Consent.objects.create(
            participant=participant,
            purpose=purpose,
            text_version=CONSENT_TEXT_VERSION,
            granted_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CONSENT_GRANTED,
            obj=participant,
            after={"purpose": purpose, "text_version": CONSENT_TEXT_VERSION},
        )
    return consent


def consent_withdraw(*, participant: Participant, purpose: str, actor: User) -> Consent:
    """Withdraw a consent; sharing for that purpose stops at once (the access gate reads open consents),
    and so does work still waiting on a partner for that purpose (``signals.consent_withdrawn``)."""
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(participant=participant, purpose=purpose, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            raise ValidationError(_("There is no active consent for this purpose."))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CONSENT_WITHDRAWN,
            obj=participant,
            before={"purpose": purpose, "open": True},
            after={"purpose": purpose, "open": False},
        )
        # Work in progress that shares data for this purpose stops too (e.g. referrals awaiting a bank).
        consent_withdrawn.send(sender=Consent, participant=participant, purpose=purpose, actor=actor)
    return consent


def relationship_open(
    *, participant: Participant, organisation: Organisation, kind: str, source: str, actor: User | None
) -> Relationship:
    """Record that a partner now deals with the participant (called by the services that create the dealing)."""
    if kind not in RelationshipKind.values:
        raise ValueError(kind)
    with transaction.atomic():
        rel, created = Relationship.objects.get_or_create(
            participant=participant, organisation=organisation, kind=kind, source=source
        )
        if not created and rel.ended_at is not None:
            rel.ended_at = None
            rel.save(update_fields=["ended_at", "updated_at"])
            created = True
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.RELATIONSHIP_OPENED,
                obj=participant,
                organisation=organisation,
                after={"kind": kind, "source": source},
            )
    return rel


def relationship_end(*, relationship: Relationship, actor: User | None) -> Relationship:
    with transaction.atomic():
        rel = Relationship.objects.select_for_update().get(pk=relationship.pk)
        if rel.ended_at is None:
            rel.ended_at = timezone.now()
            rel.save(update_fields=["ended_at", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.RELATIONSHIP_ENDED,
                obj=rel.participant,
                organisation=rel.organisation,
                after={"kind": rel.kind, "source": rel.source},
            )
    return rel


def data_request_create(*, participant: Participant, kind: str, details: str, actor: User) -> DataRequest:
    """A participant's request (access, correction, withdrawal, erasure), due within 3×24 hours."""
    if kind not in DataRequestKind.values:
        raise ValidationError({"kind": _("Choose what you are asking for.")})
    if kind == DataRequestKind.CORRECTION and not details.strip():
        raise ValidationError({"details": _("Say which data is wrong and what it should be.")})
    with transaction.atomic():
        request = DataRequest.objects.create(
            participant=participant, kind=kind, details=details.strip(), due_at=timezone.now() + ANSWER_WITHIN
        )
        audit_record(
            actor=actor,
            action=AuditAction.DATA_REQUEST_MADE,
            obj=request,
            after={"participant": participant.pk, "kind": kind},
        )
    return request


def data_request_answer(
    *, request: DataRequest, actor: User, answer: str, rejected: bool = False
) -> DataRequest:
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer the participant will read.")})
    with transaction.atomic():
        r = DataRequest.objects.select_for_update().select_related("participant").get(pk=request.pk)
        access.require(actor, access.Action.DATA_REQUEST_ANSWER, r.participant)
        if r.status != DataRequestStatus.OPEN:
            raise ValidationError(_("This request has already been answered."))
        r.status = DataRequestStatus.REJECTED if rejected else DataRequestStatus.ANSWERED
        r.answer = answer.strip()
        r.answered_at = timezone.now()
        r.answered_by = actor
        r.save()
        audit_record(
            actor=actor,
            action=AuditAction.DATA_REQUEST_ANSWERED,
            obj=r,
            after={"status": r.status, "on_time": r.answered_at <= r.due_at},
        )
    return r


def _move_rows(model: Any, field_name: str, source: Participant, target: Participant) -> int:
    """Point ``model``'s rows from ``source`` to ``target``. A row that would collide with one the target
    already has (e.g. both records enrolled in the same session) stays on the merged record, so nothing
    is lost and the history remains traceable through ``merged_into``."""
    rows = model._default_manager.filter(**{field_name: source})
    try:
        with transaction.atomic():
            return int(rows.update(**{field_name: target}))
    except IntegrityError:
        moved = 0
        for pk in list(rows.values_list("pk", flat=True)):
            try:
                with transaction.atomic():
                    moved += model._default_manager.filter(pk=pk).update(**{field_name: target})
            except IntegrityError:
                continue
        return moved


STATUS_RANK = {"completed": 4, "in_progress": 3, "skipped": 2, "dropped": 1, "not_started": 0}


def participant_merge(
    *, keep: Participant, duplicate: Participant, actor: User, reason: str = ""
) -> Participant:
    """Merge ``duplicate`` into ``keep``: every related record moves to ``keep``; each stage takes the more
    advanced of the two (through stage_transition, marked as merged history); the duplicate stays as a
    tombstone (status merged, ``merged_into`` set) so its NIK still resolves."""
    from kolabora.pathway.models import ParticipantStage
    from kolabora.pathway.services import stage_transition

    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different participants."))
    access.require(actor, access.Action.PARTICIPANT_MERGE, keep)
    access.require(actor, access.Action.PARTICIPANT_MERGE, duplicate)
    with transaction.atomic():
        a, b = sorted([keep.pk, duplicate.pk])
        locked = {p.pk: p for p in Participant.objects.select_for_update().filter(pk__in=[a, b])}
        k, d = locked[keep.pk], locked[duplicate.pk]
        if d.status == ParticipantStatus.MERGED or k.status == ParticipantStatus.MERGED:
            raise ValidationError(_("One of these records has already been merged."))
        moved: dict[str, int] = {}
        now = timezone.now()
        # Consents: keep one open consent per purpose (the earliest); close the redundant duplicate.
        keep_open = set(
            Consent.objects.filter(participant=k, withdrawn_at__isnull=True).values_list("purpose", flat=True)
        )
        Consent.objects.filter(participant=d, withdrawn_at__isnull=True, purpose__in=keep_open).update(
            withdrawn_at=now
        )
        for rel in Relationship.objects.filter(participant=d):
            if Relationship.objects.filter(
                participant=k, organisation_id=rel.organisation_id, kind=rel.kind, source=rel.source
            ).exists():
                rel.delete()
        # Every other table pointing at participants, including those later domains add, moves wholesale.
        for related in Participant._meta.related_objects:
            model = related.related_model
            if not related.one_to_many or model in (Participant, ParticipantStage):
                continue
            count = _move_rows(model, related.field.name, d, k)
            if count:
                moved[model._meta.label_lower] = count
        # Stages: the more advanced status wins.
        keep_rows = {r.code: r for r in ParticipantStage.objects.filter(participant=k)}
        for row in ParticipantStage.objects.filter(participant=d):
            mine = keep_rows.get(row.code)
            if mine is None:
                continue
            better = STATUS_RANK[row.status] > STATUS_RANK[mine.status]
            higher = (row.level or 0) > (mine.level or 0)
            if better or higher:
                stage_transition(
                    participant=k,
                    stage=row.code,
                    to_status=row.status if better else mine.status,
                    actor=None,
                    reason=_("Merged from a duplicate record") + (f": {reason}" if reason else ""),
                    level=row.level if higher else None,
                    imported=True,
                )
        if k.user_id is None and d.user_id is not None:
            k.user_id, d.user_id = d.user_id, None
        elif d.user_id is not None:
            User.objects.filter(pk=d.user_id).update(is_active=False)
        if k.eligibility_verified_at is None and d.eligibility_verified_at is not None:
            k.eligibility_verified_at = d.eligibility_verified_at
        d.status = ParticipantStatus.MERGED
        d.merged_into = k
        counters.participants_changed([d])
        d.save(update_fields=["status", "merged_into", "user", "updated_at"])
        k.save(update_fields=["user", "eligibility_verified_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.PARTICIPANTS_MERGED,
            obj=k,
            organisation=access.acting_organisation(actor, access.Action.PARTICIPANT_MERGE, k.kelurahan_id),
            before={"duplicate": d.pk},
            after={"kept": k.pk, "moved": moved},
            reason=reason,
        )
    return k


DRAFT_FOLDER = "registration-drafts"
DRAFT_LIFETIME = dt.timedelta(days=1)


def registration_drafts_purge(*, now: dt.datetime | None = None) -> int:
    """Delete uploads of self-registrations abandoned for more than a day (the session that held them
    has expired by then, so nobody can finish them). Returns how many files were deleted."""
    from django.core.files.storage import default_storage

    cutoff = (now or timezone.now()) - DRAFT_LIFETIME
    try:
        folders, _files = default_storage.listdir(DRAFT_FOLDER)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for folder in folders:
        base = f"{DRAFT_FOLDER}/{folder}"
        _sub, names = default_storage.listdir(base)
        paths = [f"{base}/{name}" for name in names]
        if paths and all(default_storage.get_modified_time(p) < cutoff for p in paths):
            for path in paths:
                default_storage.delete(path)
                deleted += 1
    return deleted
