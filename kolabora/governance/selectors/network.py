"""The collaboration network: organisations as nodes, agreements and actual work passed between them as
edges, and which of Provan & Kenis's forms of network governance it behaves like, with the reason.

Edges:
- an **agreement** between the lead agency and a partner: in force today, or ended within the period;
- **hand-offs** between organisations: two consecutive steps of the same case (a licence application, a
  financing referral) held by different organisations, counted per pair (feedback hand-offs are not
  collaboration between organisations and are left out);
- **referrals** from one organisation to another (the financing app's referrals with a referring
  organisation), when that app is installed.

Consecutive steps are paired with a window function (``LAG``) over the hand-offs of the period (and of the
180 days before it, so a case that started just before still pairs); it reads hand-offs, never
participants.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.organisations.choices import AGREEMENT_TERMINAL, AgreementStatus, OrganisationType
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.models import Participant

from ..choices import NetworkModel
from .common import Scope, pct

FEEDBACK_SUBJECT = "governance.feedback"
# An organisation that leads at least this share of the agreements in force coordinates the network.
LEAD_SHARE = 0.5
# An organisation that takes part in at least this share of the work passed between organisations is its hub.
HUB_SHARE = 0.5
LOOKBACK_DAYS = 180
# Organisation types in the order they are placed around the circle.
TYPE_ORDER: list[str] = [
    OrganisationType.GOVERNMENT_AGENCY,
    OrganisationType.KECAMATAN_SECRETARIAT,
    OrganisationType.PTSP_UNIT,
    OrganisationType.KELURAHAN_OFFICE,
    OrganisationType.UNIVERSITY,
    OrganisationType.COMPANY,
    OrganisationType.COMMUNITY,
    OrganisationType.BANK,
    OrganisationType.FINANCIAL_INSTITUTION,
    OrganisationType.DEVELOPMENT_PARTNER,
]


def short_name(name: str, limit: int = 30) -> str:
    """A label that fits a map: common long words abbreviated, then cut."""
    for long, short in (
        ("Sekretariat JakPreneur Kecamatan", "Sekretariat Kec."),
        ("Suku Dinas", "Sudin"),
        ("Provinsi DKI Jakarta", "DKI"),
        ("Kantor Kelurahan", "Kantor Kel."),
        ("Kelurahan", "Kel."),
        ("Kecamatan", "Kec."),
        ("Universitas", "Univ."),
    ):
        name = name.replace(long, short)
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


@dataclass
class Node:
    id: int
    name: str
    short: str
    type: str
    type_label: str
    region_id: str
    received: int = 0

    @property
    def type_rank(self) -> int:
        return TYPE_ORDER.index(self.type) if self.type in TYPE_ORDER else len(TYPE_ORDER)


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    kind: str  # agreement | handoff | referral
    weight: int
    in_force: bool = True
    label: str = ""


@dataclass(frozen=True)
class Services:
    """What an organisation and its units did for participants in the period (the NAO test)."""

    handoffs: int
    courses: int
    mentoring: int
    relationships: int
    units: int

    @property
    def total(self) -> int:
        return self.handoffs + self.courses + self.mentoring + self.relationships


@dataclass
class Classification:
    model: str
    reason: str
    coordinator: Node | None = None
    led: int = 0
    agreements: int = 0
    coordination_share: float | None = None
    hub: Node | None = None
    hub_share: float | None = None
    services: Services | None = None

    @property
    def label(self) -> str:
        return str(NetworkModel(self.model).label)


@dataclass
class Network:
    nodes: list[Node]
    edges: list[Edge]
    classification: Classification
    by_id: dict[int, Node] = field(default_factory=dict)

    @property
    def agreement_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.kind == "agreement"]

    @property
    def work_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.kind != "agreement"]


def _agreement_edges(scope: Scope) -> list[Edge]:
    lapsed = Q(status__in=sorted(AGREEMENT_TERMINAL))
    if scope.since is not None:
        lapsed &= Q(ends_on__gte=scope.since)
    rows = Agreement.objects.filter(scope.region_q()).filter(
        Q(status=AgreementStatus.ACTIVE, starts_on__lte=scope.on, ends_on__gte=scope.on) | lapsed
    )
    return [
        Edge(a.lead_id, a.partner_id, "agreement", 1, in_force=a.in_force(scope.on), label=a.number)
        for a in rows.order_by("number")
    ]


def _handoff_pairs(scope: Scope) -> list[Edge]:
    h = Handoff._meta.db_table
    p = Participant._meta.db_table
    where = ["h.subject_type <> %s", "h.status <> %s"]
    params: list[Any] = [FEEDBACK_SUBJECT, HandoffStatus.CANCELLED.value]
    if scope.since_dt is not None:
        where.append("h.received_at >= %s")
        params.append(scope.since_dt - dt.timedelta(days=LOOKBACK_DAYS))
    if scope.codes is not None:
        column = {1: "province_code", 2: "kota_code", 3: "kecamatan_code", 4: "kelurahan_id"}
        area = " OR ".join(f"p.{column[c.count('.') + 1]} = %s" for c in scope.codes) or "1 = 0"
        where.append(f"({area})")
        params.extend(scope.codes)
    outer = "t.prev_org IS NOT NULL AND t.prev_org <> t.org"
    if scope.since_dt is not None:
        outer += " AND t.received_at >= %s"
        params.append(scope.since_dt)
    # Table names come from the models and every value is a parameter; only the shape is composed here.
    sql = (
        "SELECT t.prev_org, t.org, COUNT(*) FROM ("  # noqa: S608
        "  SELECT h.organisation_id AS org, h.received_at AS received_at,"
        "         LAG(h.organisation_id) OVER (PARTITION BY h.subject_type, h.subject_id"
        "                                      ORDER BY h.received_at, h.id) AS prev_org"
        f"  FROM {h} h LEFT JOIN {p} p ON p.id = h.participant_id"
        f"  WHERE {' AND '.join(where)}"
        f") t WHERE {outer} GROUP BY t.prev_org, t.org"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Edge(int(a), int(b), "handoff", int(n)) for a, b, n in cursor.fetchall()]


def _referral_model() -> Any:
    if not apps.is_installed("kolabora.financing"):
        return None
    try:
        model = apps.get_model("financing", "Referral")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    return model if {"participant", "institution", "referrer_organisation", "created_at"} <= names else None


def _referral_edges(scope: Scope) -> list[Edge]:
    model = _referral_model()
    if model is None:
        return []
    rows = (
        model.objects.filter(referrer_organisation__isnull=False)
        .filter(scope.area_q())
        .filter(scope.since_q("created_at"))
        .values("referrer_organisation_id", "institution_id")
        .annotate(n=Count("pk"))
    )
    return [
        Edge(r["referrer_organisation_id"], r["institution_id"], "referral", r["n"])
        for r in rows
        if r["referrer_organisation_id"] != r["institution_id"]
    ]


def _received(scope: Scope) -> dict[int, int]:
    rows = (
        Handoff.objects.exclude(subject_type=FEEDBACK_SUBJECT)
        .exclude(status=HandoffStatus.CANCELLED)
        .filter(scope.since_q("received_at"))
        .filter(scope.area_q())
        .values("organisation_id")
        .annotate(n=Count("pk"))
    )
    return {r["organisation_id"]: r["n"] for r in rows}


def organisation_family(organisation_id: int, depth: int = 3) -> set[int]:
    """The organisation and its units (organisations under it), up to ``depth`` levels down."""
    family = {organisation_id}
    level = {organisation_id}
    for _step in range(depth):
        level = set(Organisation.objects.filter(parent_id__in=level).values_list("pk", flat=True)) - family
        if not level:
            break
        family |= level
    return family


def organisation_services(organisation_id: int, scope: Scope) -> Services:
    """Hand-offs held, courses offered, mentoring assignments and open relationships with participants, of
    the organisation and its units, in the period."""
    from kolabora.mentoring.models import MentorAssignment
    from kolabora.participants.models import Relationship
    from kolabora.training.models import Course

    family = organisation_family(organisation_id)
    return Services(
        handoffs=Handoff.objects.filter(organisation_id__in=family)
        .exclude(subject_type=FEEDBACK_SUBJECT)
        .filter(scope.since_q("received_at"))
        .count(),
        courses=Course.objects.filter(provider_id__in=family).count(),
        mentoring=MentorAssignment.objects.filter(organisation_id__in=family)
        .filter(scope.since_q("started_at") | Q(ended_at__isnull=True))
        .count(),
        relationships=Relationship.objects.filter(organisation_id__in=family, ended_at__isnull=True).count(),
        units=len(family) - 1,
    )


def _services_text(s: Services) -> str:
    parts = []
    if s.handoffs:
        parts.append(_("%(n)s case steps held") % {"n": s.handoffs})
    if s.courses:
        parts.append(_("%(n)s courses offered") % {"n": s.courses})
    if s.mentoring:
        parts.append(_("%(n)s participants mentored") % {"n": s.mentoring})
    if s.relationships:
        parts.append(_("%(n)s participants served under a relationship") % {"n": s.relationships})
    text = ", ".join(parts)
    if s.units:
        text += " " + _("(with its %(n)s units)") % {"n": s.units}
    return text


def classify(
    agreements: list[Edge],
    work: list[Edge],
    nodes: dict[int, Node],
    services: Any,
) -> Classification:
    """Self-governance, lead organisation or NAO (Provan & Kenis), with the reason in words.

    - An organisation that leads at least half of the agreements in force coordinates the network. If it
      (or one of its units) also serves participants, it is a **lead organisation**; if it serves none, it
      is a dedicated coordinating body: an **NAO**.
    - Without such a coordinator, an organisation that takes part in at least half of the work passed
      between organisations is a **lead organisation** in practice.
    - Otherwise the members govern the network together: **self-governance**.

    ``services(organisation_id)`` returns the organisation's ``Services`` (called only when needed).
    """
    in_force = [e for e in agreements if e.in_force]
    volume = sum(e.weight for e in work)
    if not in_force and not volume:
        return Classification(
            NetworkModel.UNKNOWN,
            _("No agreement is in force and no work passed between organisations in this period."),
        )
    result = Classification(NetworkModel.SELF_GOVERNANCE, "", agreements=len(in_force))
    if in_force:
        lead_id, led = Counter(e.source for e in in_force).most_common(1)[0]
        result.coordinator, result.led = nodes.get(lead_id), led
        result.coordination_share = pct(led, len(in_force))
    if volume:
        weights: Counter[int] = Counter()
        for e in work:
            weights[e.source] += e.weight
            weights[e.target] += e.weight
        hub_id, hub_weight = weights.most_common(1)[0]
        result.hub, result.hub_share = nodes.get(hub_id), pct(hub_weight, volume)
    coordinator = result.coordinator
    if coordinator is not None and result.led >= LEAD_SHARE * len(in_force):
        result.services = services(coordinator.id)
        share = {
            "org": coordinator.name,
            "led": result.led,
            "total": len(in_force),
            "share": number_format(result.coordination_share or 0, 1),
        }
        if result.services.total:
            result.model = NetworkModel.LEAD_ORGANISATION
            result.reason = _(
                "%(org)s leads %(led)s of the %(total)s agreements in force (%(share)s%%) and also serves participants itself: %(services)s. One member both runs the network and provides services: the lead-organisation model."
            ) % {**share, "services": _services_text(result.services)}
        else:
            result.model = NetworkModel.NAO
            result.reason = (
                _(
                    "%(org)s leads %(led)s of the %(total)s agreements in force (%(share)s%%) but serves no participants itself (no case steps, courses or mentoring in this period): a separate body only coordinates the network, the NAO model."
                )
                % share
            )
        return result
    hub = result.hub
    if hub is not None and result.hub_share is not None and result.hub_share >= 100 * HUB_SHARE:
        result.model = NetworkModel.LEAD_ORGANISATION
        result.reason = _(
            "No organisation leads most agreements, but %(org)s takes part in %(share)s%% of the work passed between organisations: the network runs through one member, the lead-organisation model."
        ) % {"org": hub.name, "share": number_format(result.hub_share, 1)}
        return result
    parts = []
    if coordinator is not None:
        parts.append(
            _("no organisation leads most agreements (the most: %(org)s, %(led)s of %(total)s)")
            % {"org": coordinator.name, "led": result.led, "total": len(in_force)}
        )
    if hub is not None:
        parts.append(
            _(
                "no organisation is at the centre of the work passed between organisations (the busiest, %(org)s, takes part in %(share)s%%)"
            )
            % {"org": hub.name, "share": number_format(result.hub_share or 0, 1)}
        )
    result.reason = _("The members govern the network together, the self-governance model: %(why)s.") % {
        "why": "; ".join(parts)
    }
    return result


def network(scope: Scope) -> Network:
    """The network of the scope's regions in its period, classified."""
    agreements = _agreement_edges(scope)
    work = _handoff_pairs(scope) + _referral_edges(scope)
    received = _received(scope)
    ids = {e.source for e in agreements + work} | {e.target for e in agreements + work} | set(received)
    orgs = Organisation.objects.filter(pk__in=ids).only("pk", "name", "type", "region_id")
    nodes = {
        o.pk: Node(
            o.pk,
            o.name,
            short_name(o.name),
            o.type,
            str(OrganisationType(o.type).label) if o.type in OrganisationType.values else o.type,
            o.region_id,
            received.get(o.pk, 0),
        )
        for o in orgs
    }
    ordered = sorted(nodes.values(), key=lambda n: (n.type_rank, n.name))
    classification = classify(agreements, work, nodes, lambda pk: organisation_services(pk, scope))
    return Network(ordered, agreements + work, classification, nodes)
