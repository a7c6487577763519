"""Reads of the aggregates: the funnel of a region's sub-regions, the registration trend, targets, the
hand-off service levels, and the participants behind a figure. Every read of counters is one statement
over the cells plus the pending deltas inside them, so it sees a consistent state while the compaction
runs, and costs about as many rows as it returns whatever the number of participants."""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.timeutils import today
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage, ProgrammeTarget
from kolabora.regions.models import Region

from . import columns, funnel
from .columns import COLUMNS, FIELDS
from .counters import WIDTHS
from .models import Cell, HandoffTally

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

LEVEL_NAMES = {2: "kota", 3: "kecamatan", 4: "kelurahan"}
LEVEL_BY_NAME = {v: k for k, v in LEVEL_NAMES.items()}
# The programme's default targets (DESIGN.md §1): 40,000 new licensed entrepreneurs a year province-wide,
# about 900 per kecamatan; a kota's is the sum of its kecamatan's. Rows of ``ProgrammeTarget`` override them.
DEFAULT_TARGETS = {1: 40_000, 3: 900}
FIRST_YEAR = 2000
TREND_MONTHS = 36
SHORTENED = ("Kota Administrasi ", "Kabupaten Administrasi ")


def depth(code: str) -> int:
    return code.count(".") + 1


# --- cohorts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """Participants registered in a month (``key`` YYYYMM), a year (YYYY00) or ever (0)."""

    key: int = 0

    @property
    def year(self) -> int | None:
        return self.key // 100 if self.key else None

    @property
    def month(self) -> int | None:
        month = self.key % 100
        return month or None

    @property
    def label(self) -> str:
        if not self.key:
            return ""
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    def months(self) -> tuple[int, int]:
        """The range of month keys it covers."""
        if not self.key:
            return 0, 999999
        if self.month:
            return self.key, self.key
        return self.key + 1, self.key + 12


def cohort_parse(text: str, *, day: dt.date | None = None) -> Cohort:
    """``""`` (everyone), ``YYYY`` or ``YYYY-MM``; raises ValueError with the problem in words."""
    text = (text or "").strip()
    if not text:
        return Cohort()
    found = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
    if found is None:
        raise ValueError(_("Give the cohort as a year (YYYY) or a month (YYYY-MM), e.g. 2026 or 2026-03."))
    year = int(found.group(1))
    month = int(found.group(2)) if found.group(2) else 0
    last = (day or today()).year
    if not FIRST_YEAR <= year <= last:
        raise ValueError(
            _("The cohort year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last}
        )
    if found.group(2) and not 1 <= month <= 12:
        raise ValueError(_("The month must be between 01 and 12."))
    return Cohort(year * 100 + month)


# --- counters ---------------------------------------------------------------------------------------------

Vector = list[int]


def _zero() -> Vector:
    return [0] * len(FIELDS)


def _add(into: Vector, other: Sequence[int]) -> None:
    into[:] = map(operator.add, into, other)


def _put(into: dict[Any, Vector], key: Any, values: Sequence[int]) -> None:
    """Add ``values`` at ``key``; the first ones are taken as they are (most keys have only one source)."""
    found = into.get(key)
    if found is None:
        into[key] = list(values)  # sums of integer columns: integers, never NULL
    else:
        _add(found, values)


@dataclass
class RegionCounters:
    """What one read returns: the rows (code, cohort key), the region's own total per cohort key, and the
    region's counters per registration month (YYYYMM) of a window."""

    rows: dict[tuple[str, int], Vector]
    total: dict[int, Vector]
    months: dict[int, Vector]


def month_keys(months: int, day: dt.date | None = None) -> list[int]:
    """The last ``months`` months up to ``day``'s, oldest first, as YYYYMM."""
    now = day or today()
    keys = []
    y, m = now.year, now.month
    for _i in range(months):
        keys.append(y * 100 + m)
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    keys.reverse()
    return keys


# What the rows of a table need: Tabel 2's columns and the success (P4 completed). A region's own total
# carries every counter (stage figures, drop-outs, times, anomalies).
NARROW = (*(f for f in FIELDS if f.startswith("r_")), columns.completed_field(columns.SUCCESS))
_N_SUCCESS = len(NARROW) - 1  # the success's position in a narrow vector; the columns come first
ZERO_NARROW = [0] * len(NARROW)


def counters_by_region(
    *,
    programme_id: int,
    region: str,
    level: int,
    cohorts: Sequence[Cohort],
    months: tuple[int, int] | None = None,
) -> RegionCounters:
    """Counters of every region at ``level`` inside ``region`` (the ``NARROW`` ones, in that order) and all
    counters of ``region`` itself (``FIELDS`` order), for each cohort, and (with ``months``, a range of
    YYYYMM) the narrow counters of ``region`` per month. Each figure is its cell plus the pending deltas
    inside it.

    Two statements: the rows (up to 267 kelurahan × cohorts, narrow) and the region's totals (wide).
    Transferring every counter of every row would cost several times the rest of the read."""
    conn = connections[router.db_for_read(Cell)]
    width = WIDTHS[level]
    cohorts = list({c.key: c for c in cohorts}.values())  # once each, or pending changes count twice
    keys = sorted(c.key for c in cohorts)
    marks = ", ".join(["%s"] * len(keys))
    prefix = f"{region}.%"
    inside = "(kelurahan = %s OR kelurahan LIKE %s)"
    found = RegionCounters(rows={}, total={}, months={})

    # The rows (src 0 folded, 1 pending) and the region's months (src 2).
    narrow = ", ".join(NARROW)
    parts = [
        f"SELECT 0 AS src, region, cohort, {narrow} FROM analytics_cell "  # noqa: S608
        f"WHERE programme_id = %s AND cohort IN ({marks}) AND level = %s AND (region = %s OR region LIKE %s)"
    ]
    params: list[Any] = [programme_id, *keys, level, region, prefix]
    for c in cohorts:
        low, high = c.months()
        parts.append(
            f"SELECT 1 AS src, substr(kelurahan, 1, %s) AS region, %s AS cohort, {narrow} "  # noqa: S608
            f"FROM analytics_delta WHERE programme_id = %s AND {inside} AND cohort BETWEEN %s AND %s"
        )
        params += [width, c.key, programme_id, region, prefix, low, high]
    if months is not None:
        parts.append(
            f"SELECT 2 AS src, region, cohort, {narrow} FROM analytics_cell "  # noqa: S608
            "WHERE programme_id = %s AND region = %s AND cohort BETWEEN %s AND %s AND cohort %% 100 <> 0"
        )
        parts.append(
            f"SELECT 2 AS src, %s AS region, cohort, {narrow} FROM analytics_delta "  # noqa: S608
            f"WHERE programme_id = %s AND {inside} AND cohort BETWEEN %s AND %s"
        )
        params += [programme_id, region, *months, region, programme_id, region, prefix, *months]
    sums = ", ".join(f"SUM({f})" for f in NARROW)
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT src, region, cohort, {sums} FROM ("  # noqa: S608
            + " UNION ALL ".join(parts)
            + ") t GROUP BY src, region, cohort",
            params,
        )
        for src, code, cohort, *values in cursor.fetchall():
            _put(
                found.months if src == 2 else found.rows,
                int(cohort) if src == 2 else (str(code), int(cohort)),
                values,
            )

        # The region's own totals, every counter.
        fields = ", ".join(FIELDS)
        parts = [
            f"SELECT cohort, {fields} FROM analytics_cell "  # noqa: S608
            f"WHERE programme_id = %s AND region = %s AND cohort IN ({marks})"
        ]
        params = [programme_id, region, *keys]
        for c in cohorts:
            low, high = c.months()
            parts.append(
                f"SELECT %s AS cohort, {fields} FROM analytics_delta "  # noqa: S608
                f"WHERE programme_id = %s AND {inside} AND cohort BETWEEN %s AND %s"
            )
            params += [c.key, programme_id, region, prefix, low, high]
        sums = ", ".join(f"SUM({f})" for f in FIELDS)
        cursor.execute(
            f"SELECT cohort, {sums} FROM (" + " UNION ALL ".join(parts) + ") t GROUP BY cohort",  # noqa: S608
            params,
        )
        for cohort, *values in cursor.fetchall():
            _put(found.total, int(cohort), values)
    return found


def trend_points(months: dict[int, Vector], keys: Sequence[int]) -> list[tuple[int, int, int]]:
    """(YYYYMM, registered (P1 reached), licensed (P4 completed)) for each month of ``keys``."""
    return [(k, months[k][0], months[k][_N_SUCCESS]) if k in months else (k, 0, 0) for k in keys]


# --- regions and targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: int

    @property
    def short(self) -> str:
        """The name without the administrative prefix ("Jakarta Timur" for "Kota Administrasi Jakarta Timur")."""
        for prefix in SHORTENED:
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name


def places_within(
    code: str, *, targets_of: tuple[int, int] | None = None
) -> tuple[dict[str, Place], list[Place], dict[str, int]]:
    """Every region inside ``code`` (and it), by code, its ancestors (province first), and with
    ``targets_of`` (programme id, year) the targets set for them: one query."""
    ancestors = [".".join(code.split(".")[:i]) for i in range(1, depth(code))]
    qs = Region.objects.filter(Q(code=code) | Q(code__startswith=code + ".") | Q(code__in=ancestors))
    if targets_of is not None:
        set_target = ProgrammeTarget.objects.filter(
            programme_id=targets_of[0], year=targets_of[1], region_id=OuterRef("code")
        ).values("target")[:1]
        rows = list(qs.annotate(target=Subquery(set_target)).values_list("code", "name", "target"))
    else:
        rows = [(c, n, None) for c, n in qs.values_list("code", "name")]
    found = {c: Place(c, n, depth(c)) for c, n, _t in rows}
    inside = {c: p for c, p in found.items() if c == code or c.startswith(code + ".")}
    set_targets = {c: int(t) for c, _n, t in rows if t is not None and c in inside}
    return inside, [found[a] for a in ancestors if a in found], set_targets


@dataclass(frozen=True)
class Target:
    value: int
    source: str  # "set" (a row of ProgrammeTarget), "default" or "sum" (of the kecamatan's)


def targets(*, places: dict[str, Place], set_targets: dict[str, int]) -> dict[str, Target]:
    """The target of every region of ``places`` that has one: set by the programme, the default (province,
    kecamatan), or for a kota the sum of its kecamatan's."""
    out: dict[str, Target] = {c: Target(v, "set") for c, v in set_targets.items()}
    for code, place in places.items():
        if code not in out and place.level in DEFAULT_TARGETS:
            out[code] = Target(DEFAULT_TARGETS[place.level], "default")
    for code, place in places.items():
        if code not in out and place.level == 2:
            parts = [t.value for c, t in out.items() if depth(c) == 3 and c.startswith(code + ".")]
            if parts:
                out[code] = Target(sum(parts), "sum")
    return out


# --- the funnel -------------------------------------------------------------------------------------------


@dataclass
class FunnelRow:
    """One region's line of Tabel 2: the columns' counts, the success of the target year (P4 completed
    among those registered that year), the target, attainment and projection; ``vector`` (every counter)
    only for the region the table is about."""

    place: Place
    counts: dict[str, int]
    success: int
    licensed: int  # P4 completed among the cohort the table shows (the success counts the target year)
    target: Target | None
    attainment: float | None
    projection: int | None
    vector: Vector = field(default_factory=list)


@dataclass
class Funnel:
    place: Place
    chain: list[Place]
    level: int
    cohort: Cohort
    year: int
    rows: list[FunnelRow]
    total: FunnelRow
    trend: list[tuple[int, int, int]] = field(default_factory=list)  # (YYYYMM, registered, licensed)


def funnel_get(
    *, programme_id: int, region: str, level: int, cohort: Cohort, day: dt.date | None = None
) -> Funnel:
    """Tabel 2 for the regions at ``level`` inside ``region``, with targets and attainment of the year
    (the cohort's, or this year's without a cohort): successes among those registered that year."""
    now = day or today()
    year = cohort.year or now.year
    year_cohort = Cohort(year * 100)
    places, chain, set_targets = places_within(region, targets_of=(programme_id, year))
    window = month_keys(TREND_MONTHS, now)
    read = counters_by_region(
        programme_id=programme_id,
        region=region,
        level=level,
        cohorts=[cohort, year_cohort],
        months=(window[0], window[-1]),
    )
    rows, total = read.rows, read.total
    goals = targets(places=places, set_targets=set_targets)

    def make(
        place: Place, counts: dict[str, int], licensed: int, done: int, vector: Vector | None = None
    ) -> FunnelRow:
        goal = goals.get(place.code)
        return FunnelRow(
            place=place,
            counts=counts,
            success=done,
            licensed=licensed,
            target=goal,
            attainment=funnel.ratio(done, goal.value) if goal else None,
            projection=funnel.projection(done, year, now) if goal else None,
            vector=vector or [],
        )

    def line(place: Place) -> FunnelRow:
        narrow = rows.get((place.code, cohort.key), ZERO_NARROW)
        in_year = rows.get((place.code, year_cohort.key), ZERO_NARROW)
        return make(place, dict(zip(COLUMNS, narrow, strict=False)), narrow[_N_SUCCESS], in_year[_N_SUCCESS])

    children = sorted((p for p in places.values() if p.level == level), key=lambda p: p.code)
    whole = total.get(cohort.key, _zero())
    return Funnel(
        place=places[region],
        chain=chain,
        level=level,
        cohort=cohort,
        year=year,
        rows=[line(p) for p in children],
        total=make(
            places[region],
            funnel.column_counts(whole),
            funnel.success(whole),
            funnel.success(total.get(year_cohort.key, _zero())),
            whole,
        ),
        trend=trend_points(read.months, window),
    )


# --- hand-off service levels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLevel:
    stage: str
    organisation_type: str
    done: int
    within: int
    overdue: int


def service_levels(*, region: str) -> tuple[list[ServiceLevel], dt.datetime | None]:
    """Hand-offs held by organisations inside ``region``, per stage and organisation type (from the tally),
    and when the tally was counted."""
    rows = list(
        HandoffTally.objects.filter(Q(region=region) | Q(region__startswith=region + ".")).values_list(
            "stage", "organisation_type", "done", "within", "overdue", "refreshed_at"
        )
    )
    grouped: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    latest = None
    for stage, kind, done, within, overdue, at in rows:
        g = grouped[(stage, kind)]
        g[0] += done
        g[1] += within
        g[2] += overdue
        latest = at if latest is None or at > latest else latest
    order = {s: i for i, s in enumerate((*columns.STAGES, "other"))}
    return [
        ServiceLevel(stage, kind, *values)
        for (stage, kind), values in sorted(
            grouped.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
        )
    ], latest


# --- the participants behind a figure ---------------------------------------------------------------------

PEOPLE_KINDS = ("reached", "completed", "dropped", "ahead")


@dataclass(frozen=True)
class PeopleFilter:
    """Which participants a figure counts: ``kind`` of ``column`` (reached: P1, T1–T3, P3…P7; the others:
    a stage P1…P7), in ``region``, registered in ``cohort``."""

    region: str
    column: str
    kind: str = "reached"
    cohort: Cohort = Cohort()


def people_list(
    *, user: AnyUser, programme_id: int, filters: PeopleFilter, prerequisites: dict[str, tuple[str, ...]]
) -> QuerySet[Participant]:
    """The participants (that the user may see) whom a funnel figure counts, newest first."""
    qs = access.scope(user, Participant.objects.all(), Action.PARTICIPANT_VIEW).filter(
        access.participant_region_q([filters.region]), status=columns.ACTIVE
    )
    low, high = filters.cohort.months()
    if filters.cohort.key:
        first = dt.date(low // 100, low % 100, 1)
        y, m = divmod(high, 100)
        qs = qs.filter(registered_on__gte=first, registered_on__lt=dt.date(y + m // 12, m % 12 + 1, 1))
    stage = columns.LEVELLED if filters.column.startswith("T") else filters.column
    rows = ParticipantStage.objects.filter(
        participant=OuterRef("pk"), code=stage, stage__programme_id=programme_id
    )
    if filters.kind == "dropped":
        qs = qs.filter(Exists(rows.filter(status=columns.DROPPED)))
    elif filters.kind == "completed":
        qs = qs.filter(Exists(rows.filter(status=columns.COMPLETED)))
    else:
        reached = rows.filter(status__in=columns.REACHED_STATUSES)
        if filters.column.startswith("T") and int(filters.column[1:]) > 1:
            reached = reached.filter(level__gte=int(filters.column[1:]))
        qs = qs.filter(Exists(reached))
        if filters.kind == "ahead":
            missing = ParticipantStage.objects.filter(
                participant=OuterRef("pk"),
                code__in=prerequisites.get(stage, ()),
                stage__programme_id=programme_id,
            ).exclude(status=columns.COMPLETED)
            qs = qs.filter(Exists(missing))
    return qs.order_by("-id")


def stage_prefetch() -> Prefetch:
    """The stage rows a list shows as its P1–P7 strip (ordered by code, which sorts as the steps do)."""
    return Prefetch(
        "stages",
        queryset=ParticipantStage.objects.order_by("code").only(
            "id", "participant_id", "code", "status", "level"
        ),
    )
