"""``kolabora analytics rebuild|compact|check|targets``: maintain the dashboards' aggregates.

- ``rebuild``: recount every counter from the stage rows (after a change made around the services, or
  after an administrator changed a stage's prerequisites);
- ``compact``: fold the pending changes into the cells now (the sweep and the worker do it too);
- ``check``: recount in memory and compare with the live counters, cell by cell (exit status 1 on a
  difference), without changing anything;
- ``targets --year Y``: write the programme's default targets for a year where none are set.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kolabora.analytics import counters
from kolabora.analytics.services import aggregates_rebuild, differences, targets_seed


class Command(BaseCommand):
    help = "Maintain the dashboards' aggregates: rebuild, compact, check, or seed default targets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "compact", "check", "targets"])
        parser.add_argument("--year", type=int, help="targets: the year to set (default this year)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rebuild":
            cells = aggregates_rebuild()
            self.stdout.write(f"aggregates recounted: {cells} cells")
        elif action == "compact":
            folded = counters.counters_compact()
            counters.handoff_tally_refresh()
            self.stdout.write(f"pending changes folded: {folded}")
        elif action == "check":
            found = differences()
            if found:
                for line in found[:50]:
                    self.stdout.write(line)
                raise CommandError(
                    f"{len(found)} cells differ from a full recount; run: kolabora analytics rebuild"
                )
            self.stdout.write("aggregates equal a full recount")
        else:
            created = targets_seed(year=options.get("year"))
            self.stdout.write(f"default targets written: {created}")
