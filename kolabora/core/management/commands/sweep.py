"""``kolabora sweep``: the daily housekeeping that time alone makes due (run it from cron or a timer).

Records agreements whose end date has passed as expired; notes hand-offs past their service level as
overdue (telling the organisations holding them); assigns mentors to participants in P3 without one;
sends tomorrow's training reminders and the follow-up questions due; deletes the uploads of
self-registrations abandoned for more than a day. With ``--enqueue`` the work is
handed to the background worker instead of run here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kolabora.handoffs.tasks import mark_overdue_handoffs
from kolabora.mentoring.tasks import assign_mentors
from kolabora.organisations.tasks import expire_agreements
from kolabora.participants.tasks import purge_registration_drafts
from kolabora.training.tasks import remind_follow_ups, remind_tomorrows_sessions

SWEEPS = [
    ("agreements expired", expire_agreements),
    ("handoffs overdue", mark_overdue_handoffs),
    ("mentors assigned", assign_mentors),
    ("training reminders queued", remind_tomorrows_sessions),
    ("follow-up reminders", remind_follow_ups),
    ("abandoned registration uploads deleted", purge_registration_drafts),
]


class Command(BaseCommand):
    help = "Run the daily sweeps (agreements, overdue hand-offs, mentor assignment, training reminders)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the sweeps for the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        for label, sweep in SWEEPS:
            if options["enqueue"]:
                result = sweep.enqueue()
                self.stdout.write(f"queued: {sweep.name} ({result.id})")
            else:
                self.stdout.write(f"{label}: {sweep.call()}")
