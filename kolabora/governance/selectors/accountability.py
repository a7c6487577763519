"""Accountability per organisation: the work it received and how it did it, from the data of every stage.

One grouped query per source (hand-offs, training courses and attendance, licence applications,
feedback, and the financing app's referral totals), never a scan of participants:
- hand-offs received in the period; done; done within their service level; open past their due date;
- training: sessions attended at its courses in the period, and the follow-up answers of its courses
  (the courses' counters, all time): the share of trained participants applying what they learned;
- licensing (PTSP units): applications submitted in the period, issued, refused;
- financing (banks): referrals received, approved, declined, disbursed, median days to decide;
- feedback: how many, the average rating, the share answered within its service level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from django.db.models import Avg, Count, Q, Sum

from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.organisations.choices import OrganisationType
from kolabora.organisations.models import Organisation

from ..models import Feedback
from .common import Scope, pct

# Share of hand-offs done within their service level that the programme aims for (the map's line).
SERVICE_LEVEL_TARGET = 80.0


@dataclass
class AccountabilityRow:
    organisation_id: int
    name: str
    type: str
    type_label: str
    region_id: str
    received: int = 0
    done: int = 0
    within: int = 0
    overdue: int = 0
    open: int = 0
    attended: int = 0
    follow_ups: int = 0
    applied: int = 0
    licence_submitted: int = 0
    licence_issued: int = 0
    licence_refused: int = 0
    referred: int = 0
    approved: int = 0
    declined: int = 0
    disbursed: int = 0
    median_days_to_decision: float | None = None
    feedback: int = 0
    feedback_rating: float | None = None
    feedback_within: int = 0
    feedback_answered: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def due(self) -> int:
        """Hand-offs whose service level has come due: done, or open past the due date."""
        return self.done + self.overdue

    @property
    def within_share(self) -> float | None:
        return pct(self.within, self.due)

    @property
    def application_rate(self) -> float | None:
        return pct(self.applied, self.follow_ups)

    @property
    def approval_rate(self) -> float | None:
        return pct(self.approved, self.approved + self.declined)

    @property
    def feedback_within_share(self) -> float | None:
        return pct(self.feedback_within, self.feedback_answered)

    @property
    def has_activity(self) -> bool:
        return bool(
            self.received
            or self.attended
            or self.follow_ups
            or self.licence_submitted
            or self.referred
            or self.feedback
        )


def _organisations(scope: Scope, organisation_ids: Iterable[int] | None) -> dict[int, AccountabilityRow]:
    qs = Organisation.objects.filter(is_active=True)
    if organisation_ids is not None:
        qs = qs.filter(pk__in=list(organisation_ids))
    else:
        qs = qs.filter(scope.region_q())
    return {
        o.pk: AccountabilityRow(
            o.pk,
            o.name,
            o.type,
            str(OrganisationType(o.type).label) if o.type in OrganisationType.values else o.type,
            o.region_id,
        )
        for o in qs.only("pk", "name", "type", "region_id")
    }


def _handoffs(rows: dict[int, AccountabilityRow], scope: Scope) -> None:
    found = (
        Handoff.objects.filter(organisation_id__in=list(rows))
        .exclude(status=HandoffStatus.CANCELLED)
        .filter(scope.since_q("received_at"))
        .values("organisation_id")
        .annotate(
            received=Count("pk"),
            done=Count("pk", filter=Q(status=HandoffStatus.DONE)),
            within=Count("pk", filter=Q(status=HandoffStatus.DONE, within_service_level=True)),
            overdue=Count("pk", filter=Q(status=HandoffStatus.OPEN, due_on__lt=scope.on)),
            open=Count("pk", filter=Q(status=HandoffStatus.OPEN)),
        )
    )
    for r in found:
        row = rows[r["organisation_id"]]
        row.received, row.done, row.within = r["received"], r["done"], r["within"]
        row.overdue, row.open = r["overdue"], r["open"]


def _training(rows: dict[int, AccountabilityRow], scope: Scope) -> None:
    from kolabora.training.choices import EnrolmentStatus
    from kolabora.training.models import Course, Enrolment

    for r in (
        Course.objects.filter(provider_id__in=list(rows))
        .values("provider_id")
        .annotate(answered=Sum("follow_ups_answered"), applied=Sum("follow_ups_applied"))
    ):
        row = rows[r["provider_id"]]
        row.follow_ups, row.applied = r["answered"] or 0, r["applied"] or 0
    for a in (
        Enrolment.objects.filter(session__course__provider_id__in=list(rows), status=EnrolmentStatus.ATTENDED)
        .filter(scope.since_q("session__starts_at"))
        .values("session__course__provider_id")
        .annotate(n=Count("pk"))
    ):
        rows[a["session__course__provider_id"]].attended = a["n"]


def _licensing(rows: dict[int, AccountabilityRow], scope: Scope) -> None:
    from kolabora.licensing.choices import ApplicationStatus
    from kolabora.licensing.models import LicenceApplication

    for r in (
        LicenceApplication.objects.filter(ptsp_id__in=list(rows), first_submitted_at__isnull=False)
        .filter(scope.since_q("first_submitted_at"))
        .values("ptsp_id")
        .annotate(
            n=Count("pk"),
            issued=Count("pk", filter=Q(status=ApplicationStatus.ISSUED)),
            refused=Count("pk", filter=Q(status=ApplicationStatus.REFUSED)),
        )
    ):
        row = rows[r["ptsp_id"]]
        row.licence_submitted, row.licence_issued, row.licence_refused = r["n"], r["issued"], r["refused"]


def financing_totals(scope: Scope, institution_ids: set[int] | None = None) -> list[dict[str, Any]] | None:
    """The financing app's referral totals per institution over the scope (None when it is not installed).

    Its selector takes one region at a time; for several regions the counts are added up and the median
    is kept only when one region was asked.
    """
    try:
        from kolabora.financing.selectors import referral_totals_by_institution
    except ImportError:
        return None
    merged: dict[int, dict[str, Any]] = {}
    codes: list[str | None] = [None] if scope.codes is None else list(scope.codes)
    for code in codes:
        kwargs: dict[str, Any] = {"since": scope.since, "region_code": code}
        if institution_ids is not None:
            kwargs["institution_ids"] = institution_ids
        try:
            found = referral_totals_by_institution(**kwargs)
        except TypeError:  # an older signature without ``institution_ids``
            kwargs.pop("institution_ids", None)
            found = referral_totals_by_institution(**kwargs)
        for r in found:
            into = merged.get(r["institution_id"])
            if into is None:
                merged[r["institution_id"]] = dict(r)
                continue
            for key in (
                "referred",
                "approved",
                "declined",
                "disbursed",
                "amount_approved",
                "amount_disbursed",
            ):
                into[key] = (into.get(key) or 0) + (r.get(key) or 0)
            into["median_days_to_decision"] = None
    return list(merged.values())


def _financing(rows: dict[int, AccountabilityRow], scope: Scope) -> bool:
    totals = financing_totals(scope, set(rows))
    if totals is None:
        return False
    for r in totals:
        row = rows.get(r["institution_id"])
        if row is None:
            continue
        row.referred, row.approved = r.get("referred") or 0, r.get("approved") or 0
        row.declined, row.disbursed = r.get("declined") or 0, r.get("disbursed") or 0
        row.median_days_to_decision = r.get("median_days_to_decision")
    return True


def _feedback(rows: dict[int, AccountabilityRow], scope: Scope) -> None:
    for r in (
        Feedback.objects.filter(organisation_id__in=list(rows))
        .filter(scope.since_q("created_at"))
        .values("organisation_id")
        .annotate(
            n=Count("pk"),
            rating=Avg("rating"),
            answered=Count("pk", filter=Q(status="answered")),
            within=Count("pk", filter=Q(status="answered", handoff__within_service_level=True)),
        )
    ):
        row = rows[r["organisation_id"]]
        row.feedback, row.feedback_answered, row.feedback_within = r["n"], r["answered"], r["within"]
        row.feedback_rating = round(float(r["rating"]), 1) if r["rating"] is not None else None


@dataclass
class Accountability:
    rows: list[AccountabilityRow]
    financing_installed: bool

    @property
    def totals(self) -> AccountabilityRow:
        t = AccountabilityRow(0, "", "", "", "")
        for r in self.rows:
            for name in (
                "received", "done", "within", "overdue", "open", "attended", "follow_ups", "applied",
                "licence_submitted", "licence_issued", "licence_refused", "referred", "approved", "declined",
                "disbursed", "feedback", "feedback_within", "feedback_answered",
            ):  # fmt: skip
                setattr(t, name, getattr(t, name) + getattr(r, name))
        ratings = [(r.feedback_rating, r.feedback) for r in self.rows if r.feedback_rating is not None]
        if ratings:
            t.feedback_rating = round(sum(a * n for a, n in ratings) / sum(n for _a, n in ratings), 1)
        return t


def accountability(
    scope: Scope, *, organisation_ids: Iterable[int] | None = None, only_active: bool = True
) -> Accountability:
    """One row per organisation of the scope's regions (or of ``organisation_ids``), busiest first."""
    rows = _organisations(scope, organisation_ids)
    if rows:
        _handoffs(rows, scope)
        _training(rows, scope)
        _licensing(rows, scope)
        installed = _financing(rows, scope)
        _feedback(rows, scope)
    else:
        installed = financing_totals(Scope(codes=(), since=scope.since)) is not None
    found = [r for r in rows.values() if r.has_activity or not only_active]
    found.sort(key=lambda r: (-r.received - r.referred - r.attended, r.name))
    return Accountability(found, installed)


@dataclass(frozen=True)
class StepRow:
    step: str
    step_name: str
    subject_type: str
    received: int
    done: int
    within: int
    overdue: int
    median_days: float | None

    @property
    def within_share(self) -> float | None:
        return pct(self.within, self.done + self.overdue)


def organisation_steps(organisation_id: int, scope: Scope, sample: int = 2000) -> list[StepRow]:
    """The organisation's hand-offs by step, with the median days from receipt to done (over the latest
    ``sample`` done steps of each kind, so the page stays quick however long the history)."""
    grouped = (
        Handoff.objects.filter(organisation_id=organisation_id)
        .exclude(status=HandoffStatus.CANCELLED)
        .filter(scope.since_q("received_at"))
        .values("subject_type", "step")
        .annotate(
            received=Count("pk"),
            done=Count("pk", filter=Q(status=HandoffStatus.DONE)),
            within=Count("pk", filter=Q(status=HandoffStatus.DONE, within_service_level=True)),
            overdue=Count("pk", filter=Q(status=HandoffStatus.OPEN, due_on__lt=scope.on)),
        )
        .order_by("subject_type", "step")
    )
    result = []
    for g in grouped:
        base = Handoff.objects.filter(
            organisation_id=organisation_id, subject_type=g["subject_type"], step=g["step"]
        )
        name = base.order_by("-received_at").values_list("step_name", flat=True).first() or g["step"]
        spans = [
            (done - received).total_seconds() / 86400
            for received, done in base.filter(status=HandoffStatus.DONE)
            .filter(scope.since_q("received_at"))
            .order_by("-done_at")
            .values_list("received_at", "done_at")[:sample]
            if done is not None
        ]
        result.append(
            StepRow(
                g["step"],
                name,
                g["subject_type"],
                g["received"],
                g["done"],
                g["within"],
                g["overdue"],
                round(median(spans), 1) if spans else None,
            )
        )
    return result


def since_for(days: int | None, on: dt.date | None = None) -> dt.date | None:
    from kolabora.core.timeutils import today

    return None if days is None else (on or today()) - dt.timedelta(days=days)
