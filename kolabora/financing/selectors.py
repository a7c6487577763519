"""Reads for financing referrals: lists through the access gate, a referral's steps, the institution's
inbox, and the per-institution figures other apps (governance) use."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kolabora.core import access
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.models import Participant

from .choices import APPROVED_GROUP, DECIDED, UNDECIDED, ReferralStatus
from .models import Referral
from .services import SUBJECT

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser


def referral_list(*, user: AnyUser) -> QuerySet[Referral]:
    """The referrals the user may see, newest first."""
    return (
        access.scope_referrals(user, Referral.objects.all())
        .select_related("participant", "business", "institution", "product")
        .order_by("-received_at", "-pk")
    )


def participant_referrals(*, user: AnyUser, participant: Participant) -> list[Referral]:
    return list(referral_list(user=user).filter(participant=participant))


@dataclass(frozen=True)
class Step:
    code: str
    name: str
    state: str  # done | current | cancelled
    holder: str
    received_at: dt.datetime
    due_on: dt.date
    done_at: dt.datetime | None
    outcome: str
    within_service_level: bool | None
    overdue: bool


def referral_steps(referral: Referral) -> list[Step]:
    """The hand-offs of the referral so far: who held each step, by when, and whether it was on time."""
    day = timezone.localdate()
    rows = Handoff.objects.filter(subject_type=SUBJECT, subject_id=referral.pk).select_related("organisation")
    return [
        Step(
            code=h.step,
            name=h.step_name,
            state={HandoffStatus.OPEN: "current", HandoffStatus.DONE: "done"}.get(
                HandoffStatus(h.status), "cancelled"
            ),
            holder=h.organisation.name,
            received_at=h.received_at,
            due_on=h.due_on,
            done_at=h.done_at,
            outcome=h.outcome,
            within_service_level=h.within_service_level,
            overdue=h.status == HandoffStatus.OPEN and h.due_on < day,
        )
        for h in rows.order_by("received_at", "pk")
    ]


@dataclass(frozen=True)
class InboxRow:
    referral: Referral
    handoff: Handoff | None
    overdue: bool
    due_today: bool


def bank_inbox(*, user: AnyUser, status: str = "") -> list[InboxRow]:
    """Referrals at the institutions the user decides for: undecided and approved (to disburse) by default,
    the step due first; only those the gate lets the user see (the participant's consent)."""
    banks = access.referral_institution_ids(user)
    qs = access.scope_referrals(user, Referral.objects.filter(institution_id__in=banks)).select_related(
        "participant", "business", "institution", "product"
    )
    if status in ReferralStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=sorted(UNDECIDED | {ReferralStatus.APPROVED}))
    referrals = list(qs.order_by("received_at", "pk")[:500])
    handoffs = {
        h.subject_id: h
        for h in Handoff.objects.filter(
            subject_type=SUBJECT, subject_id__in=[r.pk for r in referrals], status=HandoffStatus.OPEN
        )
    }
    day = timezone.localdate()
    rows = [
        InboxRow(
            referral=r,
            handoff=handoffs.get(r.pk),
            overdue=r.pk in handoffs and handoffs[r.pk].due_on < day,
            due_today=r.pk in handoffs and handoffs[r.pk].due_on == day,
        )
        for r in referrals
    ]
    far = dt.date.max
    rows.sort(key=lambda row: (row.handoff.due_on if row.handoff else far, row.referral.received_at))
    return rows


def bank_counts(*, user: AnyUser) -> dict[str, int]:
    """How many of the user's institutions' referrals are in each status (the inbox's filter chips)."""
    banks = access.referral_institution_ids(user)
    qs = access.scope_referrals(user, Referral.objects.filter(institution_id__in=banks))
    return dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


def referral_totals_by_institution(
    *,
    since: dt.date | None = None,
    region_code: str | None = None,
    region_codes: list[str] | None = None,
    institution_ids: set[int] | None = None,
) -> list[dict[str, Any]]:
    """Per financial institution: referrals received and what became of them.

    One dict per institution that received a referral in the window or serves P7 under an agreement in
    force today (so an institution with nothing yet shows zeros), by name, with:

    - ``institution_id``, ``institution_name``;
    - ``referred``: referrals received (on or after ``since``, Asia/Jakarta date, when given), of
      participants living in ``region_code`` (a province, kota, kecamatan or kelurahan code) when given;
    - ``approved``: of those, approved (including those since disbursed); ``declined``; ``disbursed``;
    - ``median_days_to_decision``: the median of days (fractional, one decimal) from receipt to the
      approval or decline, over decided referrals; ``None`` when none is decided;
    - ``amount_approved``: the sum of amounts approved (Rupiah); ``amount_disbursed``: of amounts paid out.

    Withdrawn and still-undecided referrals count in ``referred`` only. The approval rate is
    ``approved / (approved + declined)``. Reads the referrals only (never all participants).
    ``region_codes`` (several areas at once) and ``institution_ids`` narrow further, for the pages.
    """
    qs = Referral.objects.all()
    if since is not None:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        qs = qs.filter(received_at__gte=start)
    areas = [region_code] if region_code else []
    areas += region_codes or []
    if region_code or region_codes is not None:
        qs = qs.filter(
            participant__in=Participant.objects.filter(access.participant_region_q(areas)).values("pk")
        )
    if institution_ids is not None:
        qs = qs.filter(institution_id__in=institution_ids)
    approved = Q(status__in=sorted(APPROVED_GROUP))
    totals: dict[int, dict[str, Any]] = {
        row["institution_id"]: dict(row)
        for row in qs.values("institution_id").annotate(
            referred=Count("pk"),
            approved=Count("pk", filter=approved),
            declined=Count("pk", filter=Q(status=ReferralStatus.DECLINED)),
            disbursed=Count("pk", filter=Q(status=ReferralStatus.DISBURSED)),
            amount_approved=Sum("approved_amount", filter=approved),
            amount_disbursed=Sum("disbursed_amount", filter=Q(status=ReferralStatus.DISBURSED)),
        )
    }
    durations: dict[int, list[float]] = {}
    for institution_id, received, decided in qs.filter(
        status__in=sorted(DECIDED), decided_at__isnull=False
    ).values_list("institution_id", "received_at", "decided_at"):
        if decided is not None:
            durations.setdefault(institution_id, []).append(_days(received, decided))
    serving = {
        a.partner_id
        for a in Agreement.objects.filter(
            status=AgreementStatus.ACTIVE,
            starts_on__lte=timezone.localdate(),
            ends_on__gte=timezone.localdate(),
        )
        if a.covers_stage("P7")
    }
    ids = set(totals) | {
        pk
        for pk in Organisation.objects.filter(
            pk__in=serving, type__in=sorted(access.FINANCIAL_TYPES)
        ).values_list("pk", flat=True)
    }
    if institution_ids is not None:
        ids &= institution_ids
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    result = []
    for pk in sorted(ids, key=lambda i: (names.get(i, ""), i)):
        row: dict[str, Any] = totals.get(pk, {})
        spans = durations.get(pk)
        result.append(
            {
                "institution_id": pk,
                "institution_name": names.get(pk, ""),
                "referred": row.get("referred", 0),
                "approved": row.get("approved", 0),
                "declined": row.get("declined", 0),
                "disbursed": row.get("disbursed", 0),
                "median_days_to_decision": round(statistics.median(spans), 1) if spans else None,
                "amount_approved": row.get("amount_approved") or 0,
                "amount_disbursed": row.get("amount_disbursed") or 0,
            }
        )
    return result


def approval_rate(row: dict[str, Any]) -> float | None:
    """Approved out of decided (approved + declined), as a fraction; None when nothing is decided."""
    decided = row["approved"] + row["declined"]
    return row["approved"] / decided if decided else None
