"""Demo aggregates: the programme's default targets for the demo's years, pending changes folded and the
hand-offs' service levels counted, so the funnel and the public page open with everything in place."""

from __future__ import annotations

from kolabora.core.demo import DemoContext
from kolabora.core.timeutils import today
from kolabora.participants.demo import YEARS

from .counters import counters_compact, handoff_tally_refresh
from .services import targets_seed


def seed(ctx: DemoContext) -> None:
    """Idempotent: targets are written only where none is set; compaction and the tally are recounts."""
    year = today().year
    for y in range(year - YEARS + 1, year + 1):
        targets_seed(year=y)
    counters_compact()
    handoff_tally_refresh()
