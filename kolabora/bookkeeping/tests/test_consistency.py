"""Months with entries, streaks, and P6: in progress with the first entry, completed after the programme's
number of consecutive months (3 unless the programme says otherwise), refusals kept in words."""

from __future__ import annotations

import datetime as dt

import pytest

from kolabora.bookkeeping import selectors, services
from kolabora.bookkeeping.models import BookkeepingRules, Cashbook, CashMonth
from kolabora.bookkeeping.months import add_months, current_streak, month_start, runs
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_participant
from kolabora.core.timeutils import today
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import programme_default, stage_transition

from .conftest import Books

pytestmark = pytest.mark.django_db


def p6(books: Books) -> ParticipantStage:
    return ParticipantStage.objects.get(participant=books.world.participant, code="P6")


def ago(n: int, day: int = 5) -> dt.date:
    return add_months(month_start(today()), -n).replace(day=day)


def test_runs_and_streaks() -> None:
    m = dt.date
    found = runs([m(2026, 1, 1), m(2026, 2, 1), m(2026, 4, 1), m(2026, 5, 1), m(2026, 6, 1), m(2026, 2, 1)])
    assert (found.latest_length, found.latest_end) == (3, m(2026, 6, 1))
    assert (found.longest_length, found.longest_end) == (3, m(2026, 6, 1))
    # Across a new year.
    assert runs([m(2025, 11, 1), m(2025, 12, 1), m(2026, 1, 1)]).longest_length == 3
    assert runs([]).latest_length == 0
    # A streak is alive while it ends this month or last month (this month is not over yet).
    assert current_streak(3, m(2026, 6, 1), m(2026, 6, 20)) == 3
    assert current_streak(3, m(2026, 6, 1), m(2026, 7, 2)) == 3
    assert current_streak(3, m(2026, 6, 1), m(2026, 8, 1)) == 0


def test_first_entry_starts_p6_and_three_consecutive_months_complete_it(books: Books) -> None:
    assert p6(books).status == StageStatus.NOT_STARTED
    books.record(ago(2), "penjualan", 100_000)
    assert p6(books).status == StageStatus.IN_PROGRESS
    books.record(ago(2, 20), "bahan_baku", 40_000)
    books.record(ago(1), "penjualan", 120_000)
    assert p6(books).status == StageStatus.IN_PROGRESS
    book = Cashbook.objects.get(business=books.business)
    assert (book.months_with_entries, book.run_length, book.entries) == (2, 2, 3)
    books.record(today(), "penjualan", 90_000)
    row = p6(books)
    assert row.status == StageStatus.COMPLETED
    assert "3" in row.reason
    changes = AuditEvent.objects.filter(action=AuditAction.P6_CHANGED).order_by("id")
    assert [e.after["status"] for e in changes] == ["in_progress", "completed"]
    c = selectors.consistency(business=books.business, today=today())
    assert (c.streak, c.months_to_go, c.kept_in_window, c.p6_done) == (3, 0, 3, True)


def test_months_with_a_gap_do_not_complete_p6(books: Books) -> None:
    for n in (4, 3, 1, 0):
        books.record(ago(n), "penjualan", 50_000)
    assert p6(books).status == StageStatus.IN_PROGRESS
    c = selectors.consistency(business=books.business, today=today())
    assert (c.streak, c.longest_run, c.months_with_entries, c.months_to_go) == (2, 2, 4, 1)
    assert [m.kept for m in c.marks] == [False, True, True, False, True, True]


def test_a_cancelled_entry_empties_its_month_but_completion_stays(books: Books) -> None:
    books.record(ago(2), "penjualan", 10_000)
    books.record(ago(1), "penjualan", 10_000)
    last = books.record(today(), "penjualan", 10_000)
    assert p6(books).status == StageStatus.COMPLETED
    services.entry_void(entry=last, actor=books.owner, reason="Salah bulan")
    assert not CashMonth.objects.filter(business=books.business, month=month_start(today())).exists()
    assert Cashbook.objects.get(business=books.business).run_length == 2
    assert p6(books).status == StageStatus.COMPLETED


def test_the_programme_decides_how_many_months(books: Books) -> None:
    BookkeepingRules.objects.create(programme=programme_default(), months_for_completion=2)
    books.record(ago(1), "penjualan", 10_000)
    assert p6(books).status == StageStatus.IN_PROGRESS
    books.record(today(), "penjualan", 10_000)
    assert p6(books).status == StageStatus.COMPLETED


def test_a_refusal_is_kept_in_words_and_the_sweep_completes_later(books: Books) -> None:
    # A participant whose registration (P1) is not complete cannot start P6 by the programme's rules.
    world = books.world
    other = make_participant(nik="3175104101950033", full_name="Lina Marlina", password="rahasia-uji-123")
    stage_transition(
        participant=other, stage="P1", to_status="in_progress", actor=None, reason="Dokumen diperiksa ulang"
    )
    assert other.user is not None
    b = Books(world=world, business=other.businesses.get(), owner=other.user)
    for n in (2, 1, 0):
        b.record(ago(n), "penjualan", 25_000)
    book = Cashbook.objects.get(business=b.business)
    assert ParticipantStage.objects.get(participant=other, code="P6").status == StageStatus.NOT_STARTED
    assert "P1" in book.p6_refusal
    assert book.entries == 3  # the entries are kept
    # Registration completes later; the daily sweep completes P6.
    stage_transition(participant=other, stage="P1", to_status="completed", actor=None)
    assert services.p6_catch_up() == 1
    assert ParticipantStage.objects.get(participant=other, code="P6").status == StageStatus.COMPLETED
    assert Cashbook.objects.get(business=b.business).p6_refusal == ""
    assert services.p6_catch_up() == 0


def test_only_the_owner_or_their_mentor_keeps_the_book(books: Books) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        books.record(today(), "penjualan", 10_000, actor=books.world.user("kecamatan"))
    with pytest.raises(PermissionDenied):
        books.record(today(), "penjualan", 10_000, actor=books.world.user("permitted"))
    assert not Cashbook.objects.filter(business=books.business, entries__gt=0).exists()


def test_entry_rules(books: Books) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.entry_validate(
            services.EntryInput(
                occurred_on=today() + dt.timedelta(days=1), category=books.cat("penjualan"), amount=0
            )
        )
    assert set(exc.value.message_dict) == {"occurred_on", "amount"}
    with pytest.raises(ValidationError):
        services.entry_validate(
            services.EntryInput(occurred_on=today(), category=books.cat("penjualan"), amount=10**12)
        )
