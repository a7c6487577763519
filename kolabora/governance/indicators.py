"""Indicators from operations: DeSeve's dimensions computed from what happens on the platform.

A registry of small functions. Each takes a ``Scope`` (regions and period) and returns a ``Result``: the
value, its numerator and denominator, and, when the data to compute it does not exist yet, ``None`` with
the reason in words; the definition is shown next to every value. Each reads aggregates (grouped counts
of stage rows, hand-offs, agreements, relationships, and other apps' totals), never all participants.

Stage retention counts participants' stage rows grouped by stage (a grouped COUNT over the pathway's
stage table, restricted to the scope's regions); once the analytics app keeps stage counters, this
indicator should read them instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kolabora.core.access import GOVERNMENT_TYPES
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.organisations.choices import AGREEMENT_TERMINAL, AgreementStatus
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.choices import CONSENT_FOR_RELATIONSHIP, RelationshipKind
from kolabora.participants.models import Consent, Relationship
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage, ProgrammeTarget

from .selectors.accountability import financing_totals
from .selectors.common import Scope, pct
from .selectors.network import network

STAGES = ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
# Steps in which the organisation holding them decides (a recommendation, an issuance, a verification of
# an existing licence, a bank's credit decision): (subject type, step).
DECISION_STEPS = frozenset(
    {
        ("licensing.licenceapplication", "recommendation"),
        ("licensing.licenceapplication", "issuance"),
        ("licensing.licence", "verification"),
        ("financing.referral", "decide"),
    }
)


@dataclass
class Result:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    display: str = ""
    note: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.value is not None


def _no_data(reason: str) -> Result:
    return Result(None, note=reason)


def _percent(
    numerator: int, denominator: int, note: str = "", details: list[tuple[str, str]] | None = None
) -> Result:
    value = pct(numerator, denominator)
    if value is None:
        return _no_data(note)
    return Result(
        value,
        numerator,
        denominator,
        display=f"{number_format(value, 1)}%",
        details=details or [],
    )


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str  # a DeSeve dimension code (instruments.DESEVE)
    name: Promise
    definition: Promise
    compute: Callable[[Scope], Result]


@dataclass(frozen=True)
class IndicatorValue:
    indicator: Indicator
    result: Result

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def name(self) -> str:
        return str(self.indicator.name)

    @property
    def definition(self) -> str:
        return str(self.indicator.definition)

    @property
    def dimension(self) -> str:
        return self.indicator.dimension


REGISTRY: list[Indicator] = []


def indicator(code: str, dimension: str, name: Promise, definition: Promise) -> Callable[..., Any]:
    def wrap(fn: Callable[[Scope], Result]) -> Callable[[Scope], Result]:
        REGISTRY.append(Indicator(code, dimension, name, definition, fn))
        return fn

    return wrap


def compute_all(scope: Scope, codes: list[str] | None = None) -> list[IndicatorValue]:
    return [IndicatorValue(i, i.compute(scope)) for i in REGISTRY if codes is None or i.code in codes]


def by_code(code: str) -> Indicator | None:
    return next((i for i in REGISTRY if i.code == code), None)


# --- networked structure ---------------------------------------------------------------------------


@indicator(
    "network_shape",
    "networked_structure",
    gettext_lazy("Shape of the network"),
    gettext_lazy(
        "The form of network governance (Provan & Kenis) that organisations' agreements and the work passed between them show: self-governance, a lead organisation, or a network administrative organisation (NAO). The figure is the share of agreements in force led by the most central organisation."
    ),
)
def network_shape(scope: Scope) -> Result:
    net = network(scope)
    c = net.classification
    if c.model == "unknown":
        return _no_data(c.reason)
    value = c.coordination_share if c.coordination_share is not None else c.hub_share
    numerator, denominator = (c.led, c.agreements) if c.coordination_share is not None else (None, None)
    return Result(value, numerator, denominator, display=c.label, note=c.reason)


# --- commitment to a common purpose ------------------------------------------------------------------


@indicator(
    "agreements_renewed",
    "commitment",
    gettext_lazy("Agreements renewed"),
    gettext_lazy(
        "Of the agreements (PKS/MoU) that ended in the period, the share whose partner signed a later agreement with the lead agency that has come into force."
    ),
)
def agreements_renewed(scope: Scope) -> Result:
    ended = Agreement.objects.filter(scope.region_q()).filter(
        Q(status__in=sorted(AGREEMENT_TERMINAL)) | Q(status=AgreementStatus.ACTIVE, ends_on__lt=scope.on)
    )
    if scope.since is not None:
        ended = ended.filter(ends_on__gte=scope.since)
    later = Agreement.objects.filter(
        partner_id=OuterRef("partner_id"),
        lead_id=OuterRef("lead_id"),
        starts_on__gt=OuterRef("starts_on"),
        status__in=[AgreementStatus.ACTIVE, *sorted(AGREEMENT_TERMINAL)],
    )
    counts = ended.aggregate(n=Count("pk"), renewed=Count("pk", filter=Q(Exists(later))))
    return _percent(counts["renewed"], counts["n"], _("No agreement ended in this period."))


@indicator(
    "targets_met",
    "commitment",
    gettext_lazy("Targets set and met"),
    gettext_lazy(
        "Of the programme's targets (participants reaching P4 in a region and year) set up to this year, the share already reached; P4 completions are counted in the target's region and year."
    ),
)
def targets_met(scope: Scope) -> Result:
    targets = list(
        ProgrammeTarget.objects.filter(year__lte=scope.on.year)
        .filter(scope.region_q())
        .order_by("year", "region_id")
    )
    if not targets:
        return _no_data(_("No targets have been set for this region yet."))
    column = {1: "province_code", 2: "kota_code", 3: "kecamatan_code", 4: "kelurahan_id"}
    reached: dict[tuple[int, str], int] = {}
    for year in sorted({t.year for t in targets}):
        start = timezone.make_aware(dt.datetime(year, 1, 1))
        end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
        done = ParticipantStage.objects.filter(
            code="P4", status=StageStatus.COMPLETED, completed_at__gte=start, completed_at__lt=end
        )
        for depth in sorted({t.region_id.count(".") + 1 for t in targets if t.year == year}):
            col = f"participant__{column[depth]}"
            wanted = [t.region_id for t in targets if t.year == year and t.region_id.count(".") + 1 == depth]
            for row in done.filter(**{f"{col}__in": wanted}).values(col).annotate(n=Count("pk")):
                reached[(year, row[col])] = row["n"]
    met = sum(1 for t in targets if reached.get((t.year, t.region_id), 0) >= t.target)
    details = [
        (
            f"{t.region_id} · {t.year}",
            f"{number_format(reached.get((t.year, t.region_id), 0))} / {number_format(t.target)}",
        )
        for t in targets[-6:]
    ]
    return _percent(met, len(targets), details=details)


# --- trust ---------------------------------------------------------------------------------------------


@indicator(
    "stage_retention",
    "trust",
    gettext_lazy("Retention between consecutive stages"),
    gettext_lazy(
        "Of the participants who reached a stage (P1 to P6), the share who also reached the next one, pooled over the six pairs; a stage counts as reached once it has started. Participants of the region registered in the period."
    ),
)
def stage_retention(scope: Scope) -> Result:
    rows = ParticipantStage.objects.filter(started_at__isnull=False, participant__status="active").filter(
        scope.area_q()
    )
    if scope.since is not None:
        rows = rows.filter(participant__registered_on__gte=scope.since)
    counts = {r["code"]: r["n"] for r in rows.values("code").annotate(n=Count("pk"))}
    pairs = [(a, b, counts.get(a, 0), counts.get(b, 0)) for a, b in pairwise(STAGES)]
    denominator = sum(n_a for _a, _b, n_a, _n_b in pairs)
    numerator = sum(n_b for _a, _b, _n_a, n_b in pairs)
    details = [
        (
            f"{a} → {b}",
            f"{number_format(pct(n_b, n_a) or 0, 1)}% ({number_format(n_b)} / {number_format(n_a)})",
        )
        for a, b, n_a, n_b in pairs
        if n_a
    ]
    return _percent(numerator, denominator, _("No participant has started a stage in this period."), details)


# --- governance ----------------------------------------------------------------------------------------


@indicator(
    "partners_under_agreement",
    "governance",
    gettext_lazy("Partners under an agreement in force (boundary)"),
    gettext_lazy(
        "Of the active partner organisations (not government offices) of the region, the share that is party to an agreement (PKS/MoU) in force today: who is inside the network is written down."
    ),
)
def partners_under_agreement(scope: Scope) -> Result:
    in_force = Agreement.objects.filter(
        partner_id=OuterRef("pk"),
        status=AgreementStatus.ACTIVE,
        starts_on__lte=scope.on,
        ends_on__gte=scope.on,
    )
    counts = (
        Organisation.objects.filter(is_active=True)
        .exclude(type__in=sorted(GOVERNMENT_TYPES))
        .filter(scope.region_q())
        .aggregate(n=Count("pk"), covered=Count("pk", filter=Q(Exists(in_force))))
    )
    return _percent(counts["covered"], counts["n"], _("No active partner organisation in this region yet."))


# --- access to authority ----------------------------------------------------------------------------


def _decision_q() -> Q:
    q = Q(pk__in=[])
    for subject_type, step in DECISION_STEPS:
        q |= Q(subject_type=subject_type, step=step)
    return q


@indicator(
    "decisions_within_level",
    "access_to_authority",
    gettext_lazy("Decisions by the authority within the service level"),
    gettext_lazy(
        "Of the decisions made in the period by the organisation that holds the authority (the lurah's recommendation, the PTSP's issuance and verification of licences, a bank's credit decision), the share made within the step's service level."
    ),
)
def decisions_within_level(scope: Scope) -> Result:
    counts = (
        Handoff.objects.filter(_decision_q(), status=HandoffStatus.DONE)
        .filter(scope.since_q("done_at"))
        .filter(scope.area_q())
        .aggregate(n=Count("pk"), within=Count("pk", filter=Q(within_service_level=True)))
    )
    return _percent(counts["within"], counts["n"], _("No decision step was done in this period."))


# --- distributive accountability --------------------------------------------------------------------


@indicator(
    "handoffs_within_level",
    "distributive_accountability",
    gettext_lazy("Hand-offs done within the service level"),
    gettext_lazy(
        "Of the steps handed to organisations in the period whose service level has come due (done, or still open after the due date), the share done on time. Per organisation on the accountability page."
    ),
)
def handoffs_within_level(scope: Scope) -> Result:
    counts = (
        Handoff.objects.exclude(status=HandoffStatus.CANCELLED)
        .filter(scope.since_q("received_at"))
        .filter(scope.area_q())
        .aggregate(
            done=Count("pk", filter=Q(status=HandoffStatus.DONE)),
            within=Count("pk", filter=Q(status=HandoffStatus.DONE, within_service_level=True)),
            overdue=Count("pk", filter=Q(status=HandoffStatus.OPEN, due_on__lt=scope.on)),
            organisations=Count("organisation_id", distinct=True),
        )
    )
    details = [
        (_("Done"), number_format(counts["done"])),
        (_("Open past the due date"), number_format(counts["overdue"])),
        (_("Organisations"), number_format(counts["organisations"])),
    ]
    return _percent(
        counts["within"],
        counts["done"] + counts["overdue"],
        _("No step has come due in this period."),
        details,
    )


# --- information sharing ----------------------------------------------------------------------------


@indicator(
    "consented_sharing",
    "information_sharing",
    gettext_lazy("Partner records shared under consent"),
    gettext_lazy(
        "Of the open relationships between partner organisations (not government offices) and participants of the region, the share where the participant consents to that kind of sharing, so the partner receives their data lawfully."
    ),
)
def consented_sharing(scope: Scope) -> Result:
    consented = Q(pk__in=[])
    for kind, purpose in CONSENT_FOR_RELATIONSHIP.items():
        consent = Consent.objects.filter(
            participant_id=OuterRef("participant_id"), purpose=purpose, withdrawn_at__isnull=True
        )
        consented |= Q(kind=kind) & Q(Exists(consent))
    counts = (
        Relationship.objects.filter(ended_at__isnull=True)
        .exclude(organisation__type__in=sorted(GOVERNMENT_TYPES))
        .filter(scope.area_q())
        .aggregate(n=Count("pk"), shared=Count("pk", filter=consented))
    )
    by_kind = (
        Relationship.objects.filter(ended_at__isnull=True)
        .exclude(organisation__type__in=sorted(GOVERNMENT_TYPES))
        .filter(scope.area_q())
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    details = [(str(RelationshipKind(r["kind"]).label), number_format(r["n"])) for r in by_kind]
    return _percent(
        counts["shared"],
        counts["n"],
        _("No partner organisation has an open relationship with a participant."),
        details,
    )


# --- access to resources ----------------------------------------------------------------------------


@indicator(
    "financing_approved",
    "access_to_resources",
    gettext_lazy("Financing approved of referrals decided"),
    gettext_lazy(
        "Of the financing referrals received by banks and other institutions in the period and decided, the share approved (approved ÷ (approved + declined)), from the financing app's totals."
    ),
)
def financing_approved(scope: Scope) -> Result:
    totals = financing_totals(scope)
    if totals is None:
        return _no_data(_("No data yet: financing referrals are not recorded in Kolabora yet."))
    approved = sum(r.get("approved") or 0 for r in totals)
    declined = sum(r.get("declined") or 0 for r in totals)
    referred = sum(r.get("referred") or 0 for r in totals)
    disbursed = sum(r.get("disbursed") or 0 for r in totals)
    details = [
        (_("Referred"), number_format(referred)),
        (_("Approved"), number_format(approved)),
        (_("Declined"), number_format(declined)),
        (_("Disbursed"), number_format(disbursed)),
    ]
    return _percent(approved, approved + declined, _("No referral has been decided in this period."), details)


def marketing_totals(scope: Scope) -> dict[str, int] | None:
    """The marketing app's allocation totals over the scope (added up per region; None when absent)."""
    try:
        from kolabora.marketing.selectors import allocation_totals  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    keys = ("slots_offered", "slots_allocated", "participants_served", "applications")
    merged = dict.fromkeys(keys, 0)
    codes: list[str | None] = [None] if scope.codes is None else list(scope.codes)
    for code in codes:
        found = allocation_totals(since=scope.since, region_code=code)
        for key in keys:
            merged[key] += int(found.get(key) or 0)
    return merged


@indicator(
    "marketing_places",
    "access_to_resources",
    gettext_lazy("Marketing places for applicants"),
    gettext_lazy(
        "Of the applications for marketing places (bazaars, exhibition spaces, online campaigns) in the period, the share that got a place; with places offered and places per participant served, from the marketing app's totals."
    ),
)
def marketing_places(scope: Scope) -> Result:
    totals = marketing_totals(scope)
    if totals is None:
        return _no_data(_("No data yet: marketing places are not recorded in Kolabora yet."))
    served = totals["participants_served"]
    details = [
        (_("Places offered"), number_format(totals["slots_offered"])),
        (_("Places given"), number_format(totals["slots_allocated"])),
        (_("Participants served"), number_format(served)),
    ]
    if served:
        details.append(
            (
                _("Places per participant served"),
                number_format(round(totals["slots_allocated"] / served, 2), 2),
            )
        )
    return _percent(
        totals["slots_allocated"],
        totals["applications"],
        _("No application for a marketing place in this period."),
        details,
    )
