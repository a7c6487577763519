"""Reads of one participant's own data, for their pages and for "download all my data".

Everything here is about the participant asking; nothing goes through the staff access gate because the
caller has already resolved the participant from ``request.user``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kolabora.core.models import AuditEvent
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.regions.models import Region

from .choices import ConsentPurpose
from .models import Consent, DataRequest, Participant


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    label: str
    is_open: bool
    latest: Consent | None
    history: list[Consent]


def consent_states(*, participant: Participant) -> list[ConsentState]:
    """Every purpose with its latest consent (open or withdrawn) and the full history, newest first."""
    by_purpose: dict[str, list[Consent]] = {}
    for c in Consent.objects.filter(participant=participant).order_by("-granted_at", "-id"):
        by_purpose.setdefault(c.purpose, []).append(c)
    states = []
    for purpose in ConsentPurpose:
        rows = by_purpose.get(purpose, [])
        latest = rows[0] if rows else None
        states.append(
            ConsentState(
                purpose=purpose.value,
                label=str(purpose.label),
                is_open=latest is not None and latest.withdrawn_at is None,
                latest=latest,
                history=rows,
            )
        )
    return states


def data_request_list(*, participant: Participant) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(participant=participant).order_by("-created_at", "-id")


def region_path(code: str) -> list[Region]:
    """The region and its ancestors, from the kelurahan up to the province."""
    parts = code.split(".")
    codes = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def document_list(*, participant: Participant) -> list[dict[str, Any]]:
    """The participant's documents by kind and file name only (the files themselves are never public)."""
    return [
        {
            "kind": d.get_kind_display(),
            "name": (d.file.name or "").rsplit("/", 1)[-1],
            "uploaded_at": d.created_at,
        }
        for d in participant.documents.order_by("created_at", "id")
    ]


def place_name(code: str) -> str:
    """``Cipayung, Cipayung, Jakarta Timur``: kelurahan, kecamatan and city, without the province."""
    names = [r.name for r in region_path(code) if r.code.count(".") >= 1]
    return ", ".join(re.sub(r"^(Kota|Kabupaten) Administrasi ", "", n) for n in names)


def processing_record(*, participant: Participant) -> QuerySet[AuditEvent]:
    """Audit rows about the participant, their businesses and their data requests, newest first."""
    businesses = [str(pk) for pk in participant.businesses.values_list("pk", flat=True)]
    requests = [str(pk) for pk in participant.data_requests.values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(
            Q(object_type="participants.participant", object_id=str(participant.pk))
            | Q(object_type="participants.business", object_id__in=businesses)
            | Q(object_type="participants.datarequest", object_id__in=requests)
        )
        .select_related("organisation")
        .order_by("-occurred_at", "-id")
    )


def _actor(event: AuditEvent, participant: Participant) -> str:
    # Staff are named by their organisation only: their own identity is their personal data.
    if event.actor_id is None:
        return "system"
    if event.actor_id == participant.user_id:
        return "you"
    return "staff"


def participant_export(*, participant: Participant) -> dict[str, Any]:
    """All the data the programme holds about the participant, as plain values (dates stay dates)."""
    p = participant
    stages = ParticipantStage.objects.filter(participant=p).select_related("stage").order_by("stage__order")
    return {
        "exported_at": timezone.now(),
        "participant": {
            "nik": p.nik,
            "full_name": p.full_name,
            "sex": p.get_sex_display(),
            "birth_date": p.birth_date,
            "phone": p.phone,
            "email": p.email,
            "address": p.address,
            "kelurahan": p.kelurahan_id,
            "region": place_name(p.kelurahan_id),
            "domicile_basis": p.get_domicile_basis_display(),
            "domicile_since": p.domicile_since,
            "entry_track": p.get_entry_track_display(),
            "eligibility_verified_at": p.eligibility_verified_at,
            "registered_through": p.get_channel_display(),
            "registered_on": p.registered_on,
            "last_activity_at": p.last_activity_at,
            "status": p.get_status_display(),
        },
        "businesses": [
            {
                "name": b.name,
                "sector": b.get_sector_display(),
                "kbli_code": b.kbli_code,
                "nib": b.nib,
                "started_on": b.started_on,
                "workers": b.workers,
                "assets": b.assets,
                "monthly_turnover": b.monthly_turnover,
                "scale": b.get_scale_display(),
                "figures": [
                    {
                        "measured_on": f.measured_on,
                        "assets": f.assets,
                        "monthly_turnover": f.monthly_turnover,
                        "workers": f.workers,
                        "scale": f.get_scale_display(),
                    }
                    for f in b.figures.all()
                ],
            }
            for b in p.businesses.prefetch_related("figures")
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "label": c.get_purpose_display(),
                "text_version": c.text_version,
                "granted_at": c.granted_at,
                "withdrawn_at": c.withdrawn_at,
            }
            for c in Consent.objects.filter(participant=p).order_by("purpose", "granted_at", "id")
        ],
        "documents": document_list(participant=p),
        "stages": [
            {
                "code": s.code,
                "name": s.stage.name,
                "status": str(StageStatus(s.status).label),
                "level": s.level,
                "since": s.since,
                "started_at": s.started_at,
                "completed_at": s.completed_at,
                "reason": s.reason,
            }
            for s in stages
        ],
        "data_requests": [
            {
                "kind": r.get_kind_display(),
                "details": r.details,
                "made_at": r.created_at,
                "due_at": r.due_at,
                "status": r.get_status_display(),
                "answer": r.answer,
                "answered_at": r.answered_at,
            }
            for r in data_request_list(participant=p)
        ],
        "record_of_processing": [
            {
                "at": e.occurred_at,
                "action": e.action,
                "description": e.get_action_display(),
                "by": _actor(e, p),
                "organisation": e.organisation.name if e.organisation else "",
                "about": f"{e.object_type}#{e.object_id}",
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
            }
            for e in processing_record(participant=p)
        ],
    }
