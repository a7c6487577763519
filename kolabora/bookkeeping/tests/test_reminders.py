"""Reminders when a month of the cash book is empty, sent once each by the daily sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from kolabora.bookkeeping import services
from kolabora.bookkeeping.models import BookkeepingRules, ImportBatch
from kolabora.bookkeeping.months import add_months, month_end, month_start
from kolabora.core.timeutils import today
from kolabora.notifications.models import Notification
from kolabora.pathway.services import programme_default

from .conftest import Books, jakarta

pytestmark = pytest.mark.django_db


def _notes(books: Books) -> list[Notification]:
    return list(Notification.objects.filter(recipient=books.owner).order_by("id"))


def test_an_empty_month_is_reminded_once(books: Books) -> None:
    this_month = month_start(today())
    two_ago, last = add_months(this_month, -2), add_months(this_month, -1)
    books.record(two_ago, "penjualan", 10_000)
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=2))) == 1
    (note,) = _notes(books)
    assert note.kind == "cashbook_empty_month"
    assert books.business.name in note.body
    assert (
        note.link
        == reverse("bookkeeping:cashbook", args=[books.business.pk]) + f"?tgl={month_end(last).isoformat()}"
    )
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=3))) == 0


def test_near_the_end_of_an_empty_month_the_owner_is_nudged_once(books: Books) -> None:
    this_month = month_start(today())
    books.record(add_months(this_month, -1), "penjualan", 10_000)
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=10))) == 0
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=26))) == 1
    assert [n.kind for n in _notes(books)] == ["cashbook_month_nudge"]
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=27))) == 0


def test_the_programme_sets_the_nudge_day(books: Books) -> None:
    BookkeepingRules.objects.create(programme=programme_default(), reminder_day=10)
    this_month = month_start(today())
    books.record(add_months(this_month, -1), "penjualan", 10_000)
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=10))) == 1


def test_owners_who_stopped_long_ago_or_keep_recording_are_left_alone(books: Books) -> None:
    this_month = month_start(today())
    books.record(add_months(this_month, -1), "penjualan", 10_000)
    books.record(this_month, "penjualan", 10_000)
    assert services.cashbook_reminders_send(now=jakarta(this_month.replace(day=27))) == 0
    # Seven months later nobody is told any more: it is the mentor's work then.
    later = add_months(this_month, 8)
    assert services.cashbook_reminders_send(now=jakarta(later.replace(day=2))) == 0


def test_the_daily_sweep_runs_the_bookkeeping_tasks(books: Books, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("sweep")
    out = capsys.readouterr().out
    assert "cash book months reminded: 0" in out
    assert "P6 completed from cash books: 0" in out
    assert "abandoned cash book imports deleted: 0" in out


def test_abandoned_imports_are_deleted_after_a_week(books: Books) -> None:
    from django.core.files.base import ContentFile

    batch = services.import_upload(
        business=books.business,
        actor=books.owner,
        upload=ContentFile(b"Tanggal;Masuk\n01/01/2026;5\n", name="a.csv"),
    )
    assert services.import_files_purge() == 0
    later = jakarta(today()) + dt.timedelta(days=8)
    assert services.import_files_purge(now=later) == 1
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()
