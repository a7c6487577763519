"""Background work for marketing: the daily sweep (``kolabora sweep`` runs it with the others)."""

from __future__ import annotations

from django_tasks import task

from .services import p5_catch_up, products_unpublish_lapsed


@task()
def sweep_marketing() -> str:
    """Take down products whose required licences lapsed (telling the participant), and complete P5 for
    those who published or took part before their licensing (P4) was done."""
    taken_down = products_unpublish_lapsed()
    completed = p5_catch_up()
    return f"{len(taken_down)} products taken down, P5 completed for {completed}"
