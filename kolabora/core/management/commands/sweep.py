"""``kolabora sweep``: the daily housekeeping that time alone makes due (run it from cron or a timer).

Records agreements whose end date has passed as expired, and notes hand-offs past their service level
as overdue (telling the organisations holding them). With ``--enqueue`` the work is handed to the
background worker instead of run here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kolabora.handoffs.tasks import mark_overdue_handoffs
from kolabora.organisations.services import agreements_expire
from kolabora.organisations.tasks import expire_agreements


class Command(BaseCommand):
    help = "Run the daily sweeps (agreement expiry, overdue hand-offs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the sweeps for the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            for sweep in (expire_agreements, mark_overdue_handoffs):
                result = sweep.enqueue()
                self.stdout.write(f"queued: {sweep.name} ({result.id})")
            return
        self.stdout.write(f"agreements expired: {agreements_expire()}")
        self.stdout.write(f"handoffs overdue: {mark_overdue_handoffs.call()}")
