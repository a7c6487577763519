"""Whether books are kept up (seed 003: they often are not): months with entries, the current streak and
what P6 still needs, for one business and for the lists mentors and kecamatan staff work from. Everything
is read from the ``Cashbook`` and ``CashMonth`` aggregates, never by scanning entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.participants.models import Business, Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from ..models import Cashbook, CashMonth
from ..months import add_months, current_streak, month_start
from ..services.entries import rules_for

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

WINDOW = 6


@dataclass(frozen=True)
class MonthMark:
    month: dt.date
    entries: int

    @property
    def kept(self) -> bool:
        return self.entries > 0


@dataclass
class Consistency:
    """One cash book's consistency: the last months with their entry counts (oldest first), the streak,
    and P6 against the programme's rule."""

    marks: list[MonthMark]
    streak: int
    longest_run: int
    months_with_entries: int
    first_entry_on: dt.date | None
    last_entry_on: dt.date | None
    needed: int
    p6_status: str
    p6_completed_at: dt.datetime | None = None
    refusal: str = ""
    entries: int = 0

    @property
    def kept_in_window(self) -> int:
        return sum(1 for m in self.marks if m.kept)

    @property
    def p6_done(self) -> bool:
        return self.p6_status == StageStatus.COMPLETED

    @property
    def months_to_go(self) -> int:
        return 0 if self.p6_done else max(0, self.needed - self.streak)

    @property
    def p6_label(self) -> str:
        return str(StageStatus(self.p6_status).label)

    @property
    def this_month_kept(self) -> bool:
        return bool(self.marks) and self.marks[-1].kept


def _marks(counts: dict[dt.date, int], last: dt.date, window: int) -> list[MonthMark]:
    first = add_months(last, 1 - window)
    return [
        MonthMark(month=m, entries=counts.get(m, 0)) for m in (add_months(first, i) for i in range(window))
    ]


def consistency(*, business: Business, today: dt.date, window: int = WINDOW) -> Consistency:
    """The business's consistency over the ``window`` months ending this month."""
    book = Cashbook.objects.filter(business=business).first()
    this_month = month_start(today)
    counts = dict(
        CashMonth.objects.filter(
            business=business, month__gte=add_months(this_month, 1 - window), month__lte=this_month
        ).values_list("month", "entries")
    )
    p6 = ParticipantStage.objects.filter(participant_id=business.participant_id, code="P6").first()
    return Consistency(
        marks=_marks(counts, this_month, window),
        streak=current_streak(book.run_length, book.run_end, today) if book else 0,
        longest_run=book.longest_run if book else 0,
        months_with_entries=book.months_with_entries if book else 0,
        first_entry_on=book.first_entry_on if book else None,
        last_entry_on=book.last_entry_on if book else None,
        needed=rules_for(business.participant).months_for_completion,
        p6_status=p6.status if p6 else StageStatus.NOT_STARTED,
        p6_completed_at=p6.completed_at if p6 else None,
        refusal=book.p6_refusal if book else "",
        entries=book.entries if book else 0,
    )


# --- lists for mentors and kecamatan staff --------------------------------------------------------------

VIEWS = ("dampingan", "wilayah")
SHOW = {
    "tertinggal": "lagging",
    "belum": "not_started",
    "selesai": "completed",
}


def _p6_status_q(statuses: list[str]) -> Exists:
    return Exists(
        ParticipantStage.objects.filter(participant=OuterRef("participant"), code="P6", status__in=statuses)
    )


def caseload_businesses(user: AnyUser) -> QuerySet[Business]:
    """Businesses of the participants the user currently mentors (whose cash books they may read)."""
    from kolabora.mentoring.models import MentorAssignment

    mentored = MentorAssignment.objects.filter(mentor_id=user.pk, ended_at__isnull=True).values(
        "participant_id"
    )
    visible = access.scope_cashbook_participants(user, Participant.objects.filter(pk__in=mentored))
    return Business.objects.filter(participant__in=visible, participant__status="active")


def area_businesses(user: AnyUser, *, kecamatan: str | None = None) -> QuerySet[Business]:
    """Businesses in the user's area that keep a cash book or whose owner is in P6."""
    people = access.scope_cashbook_participants(
        user,
        Participant.objects.filter(
            access.participant_region_q(access.region_codes(user, Action.CASHBOOK_VIEW))
            if not access.is_system_admin(user)
            else Q()
        ),
    )
    if kecamatan:
        people = people.filter(kecamatan_code=kecamatan)
    started = Exists(Cashbook.objects.filter(business=OuterRef("pk"), entries__gt=0))
    return Business.objects.filter(participant__in=people, participant__status="active").filter(
        started | _p6_status_q([StageStatus.IN_PROGRESS, StageStatus.COMPLETED])
    )


def filter_show(qs: QuerySet[Business], show: str, *, today: dt.date) -> QuerySet[Business]:
    """``tertinggal``: nothing recorded last month or this month; ``belum``: no entries at all;
    ``selesai``: P6 completed."""
    kind = SHOW.get(show)
    if kind == "lagging":
        return qs.filter(cashbook__entries__gt=0).filter(
            cashbook__last_entry_on__lt=add_months(month_start(today), -1)
        )
    if kind == "not_started":
        return qs.filter(Q(cashbook__isnull=True) | Q(cashbook__entries=0))
    if kind == "completed":
        return qs.filter(_p6_status_q([StageStatus.COMPLETED]))
    return qs


def ordered(qs: QuerySet[Business], *, today: dt.date) -> QuerySet[Business]:
    """Those who most need a nudge first: who started and fell behind (longest silence first), then who
    has not started, then who is up to date."""
    behind = Q(cashbook__entries__gt=0, cashbook__last_entry_on__lt=add_months(month_start(today), -1))
    started = Q(cashbook__entries__gt=0)
    group = Case(When(behind, then=Value(0)), When(started, then=Value(2)), default=Value(1))
    return (
        qs.select_related("participant__kelurahan", "cashbook")
        .annotate(need=group)
        .order_by("need", F("cashbook__last_entry_on").asc(nulls_first=True), "participant__full_name", "pk")
    )


@dataclass
class ConsistencyRow:
    business: Business
    book: Cashbook | None
    marks: list[MonthMark] = field(default_factory=list)
    streak: int = 0
    p6_status: str = StageStatus.NOT_STARTED

    @property
    def participant(self) -> Participant:
        return self.business.participant

    @property
    def p6_label(self) -> str:
        return str(StageStatus(self.p6_status).label)

    @property
    def lagging(self) -> bool:
        return not self.marks[-1].kept and not self.marks[-2].kept if len(self.marks) > 1 else False


def consistency_rows(
    businesses: list[Business], *, today: dt.date, window: int = WINDOW
) -> list[ConsistencyRow]:
    """Rows for a page of businesses (``cashbook`` and ``participant`` selected), in two more queries."""
    this_month = month_start(today)
    counts: dict[int, dict[dt.date, int]] = {}
    for business_id, month, entries in CashMonth.objects.filter(
        business_id__in=[b.pk for b in businesses],
        month__gte=add_months(this_month, 1 - window),
        month__lte=this_month,
    ).values_list("business_id", "month", "entries"):
        counts.setdefault(business_id, {})[month] = entries
    statuses = dict(
        ParticipantStage.objects.filter(
            participant_id__in={b.participant_id for b in businesses}, code="P6"
        ).values_list("participant_id", "status")
    )
    rows = []
    for b in businesses:
        book = b.cashbook if _has_cashbook(b) else None
        rows.append(
            ConsistencyRow(
                business=b,
                book=book,
                marks=_marks(counts.get(b.pk, {}), this_month, window),
                streak=current_streak(book.run_length, book.run_end, today) if book else 0,
                p6_status=statuses.get(b.participant_id, StageStatus.NOT_STARTED),
            )
        )
    return rows


def _has_cashbook(business: Business) -> bool:
    try:
        return business.cashbook is not None
    except Cashbook.DoesNotExist:
        return False
