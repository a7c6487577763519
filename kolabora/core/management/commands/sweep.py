"""``kolabora sweep``: the daily housekeeping that time alone makes due (run it from cron or a timer).

Records agreements whose end date has passed as expired; notes hand-offs past their service level as
overdue (telling the organisations holding them); assigns mentors to participants in P3 without one;
sends tomorrow's training reminders and the follow-up questions due; deletes the uploads of
self-registrations abandoned for more than a day; folds the funnel's pending counter changes into their
totals; reminds owners of empty cash-book months, completes P6 where the months add up and deletes cash-book
imports left unfinished; takes down products whose licences lapsed and completes P5 once P4 allows it.
With ``--enqueue`` the work is handed to the background worker instead of run here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks.base import Task

from kolabora.analytics.tasks import compact_counters
from kolabora.bookkeeping.tasks import (
    complete_p6_from_cashbooks,
    purge_abandoned_cashbook_imports,
    remind_empty_cashbook_months,
)
from kolabora.handoffs.tasks import mark_overdue_handoffs
from kolabora.marketing.tasks import sweep_marketing
from kolabora.mentoring.tasks import assign_mentors
from kolabora.organisations.tasks import expire_agreements
from kolabora.participants.tasks import purge_registration_drafts
from kolabora.training.tasks import remind_follow_ups, remind_tomorrows_sessions

# Each a task: run here, or queued for the worker with --enqueue.
SWEEPS: list[tuple[str, Task[Any, Any]]] = [
    ("agreements expired", expire_agreements),
    ("handoffs overdue", mark_overdue_handoffs),
    ("aggregate changes folded", compact_counters),
    ("mentors assigned", assign_mentors),
    ("training reminders queued", remind_tomorrows_sessions),
    ("follow-up reminders", remind_follow_ups),
    ("abandoned registration uploads deleted", purge_registration_drafts),
    ("cash book months reminded", remind_empty_cashbook_months),
    ("P6 completed from cash books", complete_p6_from_cashbooks),
    ("abandoned cash book imports deleted", purge_abandoned_cashbook_imports),
    ("marketing: lapsed products taken down, P5 caught up", sweep_marketing),
]


class Command(BaseCommand):
    help = (
        "Run the daily sweeps (agreements, overdue hand-offs, mentors, reminders, counters, P5/P6 catch-up)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the sweeps for the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        for label, sweep in SWEEPS:
            if options["enqueue"]:
                result = sweep.enqueue()
                self.stdout.write(f"queued: {sweep.name} ({result.id})")
            else:
                self.stdout.write(f"{label}: {sweep.call()}")
