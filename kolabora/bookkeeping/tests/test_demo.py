"""The bookkeeping demo agrees with the demo funnel: P6 completed means at least three consecutive months
of entries, P6 in progress never three in a row; peserta.demo and the Cipayung mentor's mentees keep books;
a second run adds nothing."""

from __future__ import annotations

import pytest

from kolabora.bookkeeping import demo, services
from kolabora.bookkeeping.models import BalanceDeclaration, Cashbook, CashEntry
from kolabora.core.demo import DemoContext
from kolabora.mentoring import demo as mentoring_demo
from kolabora.organisations import demo as organisations_demo
from kolabora.participants import demo as participants_demo
from kolabora.pathway.models import ParticipantStage

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> DemoContext:
    ctx = DemoContext(password="kolabora-demo-2026", options={"participants": 400})
    organisations_demo.seed(ctx)
    participants_demo.seed(ctx)
    mentoring_demo.seed(ctx)
    demo.seed(ctx)
    return ctx


def test_cash_books_follow_the_funnel(seeded: DemoContext) -> None:
    p6 = dict(ParticipantStage.objects.filter(code="P6").values_list("participant_id", "status"))
    books = list(Cashbook.objects.select_related("business"))
    assert books
    completed = [b for b in books if p6[b.business.participant_id] == "completed"]
    in_progress = [b for b in books if p6[b.business.participant_id] == "in_progress"]
    assert completed and in_progress
    assert all(b.longest_run >= 3 for b in completed)
    assert all(b.longest_run < 3 for b in in_progress)
    # Every participant the funnel put in P6 has a cash book.
    with_p6 = {pid for pid, status in p6.items() if status in ("completed", "in_progress")}
    assert with_p6 <= {b.business.participant_id for b in books}
    # The sweep finds nothing to complete: the demo is already consistent.
    assert services.p6_catch_up() == 0


def test_peserta_demo_and_the_mentor_keep_books(seeded: DemoContext) -> None:
    home = Cashbook.objects.get(business__participant__user__username="peserta.demo")
    assert home.run_length == 2 and home.entries > 5
    assert CashEntry.objects.filter(business=home.business).exclude(receipt="").count() == 1
    assert BalanceDeclaration.objects.filter(business=home.business).exists()
    assert (
        ParticipantStage.objects.get(participant=home.business.participant, code="P6").status == "in_progress"
    )
    by_mentor = CashEntry.objects.filter(recorded_by__username="pendamping.cipayung")
    assert by_mentor.values("business").distinct().count() == demo.MENTEES


def test_a_second_run_adds_nothing(seeded: DemoContext) -> None:
    before = CashEntry.objects.count()
    demo.seed(seeded)
    assert CashEntry.objects.count() == before
