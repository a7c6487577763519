"""Aggregates the dashboards read instead of the participant tables.

``Cell`` holds the counters (``columns.FIELDS``) of one region and cohort: every level of region
(province, kota, kecamatan, kelurahan) and of cohort (a month ``YYYYMM``, a year ``YYYY00``, all time
``0``) has its own row, so a page reads about as many rows as it shows, whatever the number of
participants. Writers never touch ``Cell``: they append ``Delta`` rows (kelurahan × month), which the
compaction folds into ``Cell`` and deletes in one transaction; readers add the pending deltas to the cells
in the same statement. Concurrent registrations therefore only insert rows and never queue on a counter.

``HandoffTally`` is the hand-offs' service levels per organisation and stage, recomputed by the
compaction at most every few minutes (the table of hand-offs is small next to participants).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .columns import FIELDS


class Counters(models.Model):
    """The counters of ``columns.FIELDS``, one integer column each."""

    class Meta:
        abstract = True

    # One column per counter, declared from the single list of definitions.
    vars().update({name: models.IntegerField(default=0) for name in FIELDS})


class Cell(Counters):
    """Counters of one programme, region and cohort, as folded by the last compaction.

    Invariants: unique per (programme, region, cohort); ``level`` is the region's depth (1 province …
    4 kelurahan); a region's row equals the sum of its kelurahan's rows and a year's row the sum of its
    months (the compaction writes all levels from the same deltas); the current figure of a cell is this
    row plus the pending ``Delta`` rows inside it.
    """

    programme = models.ForeignKey(
        "pathway.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.CharField(_("region"), max_length=13)
    level = models.PositiveSmallIntegerField(_("level"))
    cohort = models.PositiveIntegerField(_("cohort"), help_text=_("YYYYMM, YYYY00 for a year, 0 for all"))

    class Meta:
        verbose_name = _("aggregate cell")
        verbose_name_plural = _("aggregate cells")
        constraints = [
            models.UniqueConstraint(fields=["programme", "region", "cohort"], name="analytics_cell_unique")
        ]
        indexes = [
            models.Index(fields=["programme", "cohort", "level", "region"], name="analytics_cell_read_idx")
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.region} {self.cohort}"


class Delta(Counters):
    """A change to the counters of one kelurahan and registration month, not yet folded into ``Cell``.

    Append-only: written in the transaction of the change it counts, deleted only by the compaction that
    folds it. No index beyond the key: inserts stay cheap and the table stays small.
    """

    id = models.BigAutoField(primary_key=True)
    programme = models.BigIntegerField(_("programme"), db_column="programme_id")
    kelurahan = models.CharField(_("kelurahan"), max_length=13)
    cohort = models.PositiveIntegerField(_("cohort"))

    class Meta:
        verbose_name = _("pending aggregate change")
        verbose_name_plural = _("pending aggregate changes")

    def __str__(self) -> str:
        return f"{self.programme} {self.kelurahan} {self.cohort}"


class HandoffTally(models.Model):
    """Hand-offs done per organisation and stage, how many of them within their service level, and how
    many are open past their due date.

    Recomputed from ``handoffs.Handoff`` as a whole (``counters.handoff_tally_refresh``); ``refreshed_at``
    is when, the same on every row.
    """

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    region = models.CharField(_("region"), max_length=13)
    organisation_type = models.CharField(_("organisation type"), max_length=30)
    stage = models.CharField(_("stage"), max_length=8)
    done = models.PositiveIntegerField(_("done"), default=0)
    within = models.PositiveIntegerField(_("done within the service level"), default=0)
    overdue = models.PositiveIntegerField(_("open past the due date"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("hand-off tally")
        verbose_name_plural = _("hand-off tallies")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "stage"], name="analytics_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.stage}: {self.within}/{self.done}"
