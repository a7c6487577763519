"""``kolabora sweep``: the daily housekeeping that time alone makes due (run it from cron or a timer).

Today: record agreements whose end date has passed as expired. Later issues add service-level sweeps.
With ``--enqueue`` the work is handed to the background worker instead of run here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kolabora.organisations.services import agreements_expire
from kolabora.organisations.tasks import expire_agreements


class Command(BaseCommand):
    help = "Run the daily sweeps (agreement expiry)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the sweeps for the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = expire_agreements.enqueue()
            self.stdout.write(f"queued: expire_agreements ({result.id})")
            return
        self.stdout.write(f"agreements expired: {agreements_expire()}")
