"""Background work for the aggregates: folding pending changes into the cells."""

from __future__ import annotations

from django_tasks import task

from .counters import TALLY_MAX_AGE, counters_compact, handoff_tally_refresh


@task()
def compact_counters() -> int:
    """Fold the pending aggregate changes into the cells, and recount the hand-offs' service levels when
    the last recount is more than a few minutes old. Queued by writers every few thousand changes and run
    by ``kolabora sweep``. Returns how many pending changes were folded."""
    folded = counters_compact()
    handoff_tally_refresh(max_age=TALLY_MAX_AGE)
    return folded
