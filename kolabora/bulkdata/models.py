"""Imports of programme data from spreadsheets: the job with its checkpoint, the rows it rejected, and the
column mappings people save for the layouts they receive."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel

from .choices import ACTIVE, FINISHED, ImportChannel, ImportStatus, SourceFormat

# A running job that has not committed a batch for this long has lost its worker; it may be resumed.
STALL_AFTER = dt.timedelta(minutes=10)


def import_upload_to(instance: ImportJob, filename: str) -> str:
    day = timezone.localdate()
    return f"imports/{day:%Y/%m}/{filename}"


class ColumnMapping(BaseModel):
    """Which column of a file holds which field, saved under a name and reused for files of that layout.

    ``columns`` maps a field (``nik``, ``full_name``, …, see ``fields.FIELDS``) to a column header as it
    appears in the file. A mapping belongs to the organisation its author acted for (its members reuse
    it), or to its author alone when they act for none (a system administrator).
    """

    name = models.CharField(_("name"), max_length=80)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    columns = models.JSONField(_("columns"), default=dict)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=Q(organisation__isnull=False),
                name="mapping_unique_name_per_org",
            ),
            models.UniqueConstraint(
                fields=["created_by", "name"],
                condition=Q(organisation__isnull=True),
                name="mapping_unique_name_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(BaseModel):
    """One file being imported as participants, in checkpointed batches.

    Invariants: ``rows_done`` is the number of data rows of the file consumed so far and is written in the
    same transaction as the batch it concludes, with the counts; so a worker that dies mid-batch leaves the
    job at the last committed batch, and resuming reads on from ``rows_done`` without writing any row
    twice. ``run_token`` names the run that may commit the next batch: a second run (a resume while the
    first still lives) takes the token over and the first stops at its next batch. The counts add up to
    the non-empty rows consumed. The file is kept until the job is deleted; only its creator (and a system
    administrator) sees the job and its rejection report.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("acting through"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    programme = models.ForeignKey(
        "pathway.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.BigIntegerField(_("file size"), default=0)
    format = models.CharField(_("format"), max_length=4, choices=SourceFormat.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    date1904 = models.BooleanField(default=False)  # an xlsx whose dates count from 1904
    header = models.JSONField(_("header"), default=list, blank=True)
    # Field name -> column index in ``header``.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    dry_run = models.BooleanField(_("check only (nothing is saved)"), default=False)
    channel = models.CharField(_("started from"), max_length=4, choices=ImportChannel.choices, default="web")
    # The language of the person who started it: the reasons in the rejection report are in it.
    language = models.CharField(_("language"), max_length=10, default="id")
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING, db_index=True
    )
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    flagged_count = models.PositiveIntegerField(_("stages flagged as breaking today's rules"), default=0)
    error = models.TextField(_("error"), blank=True)
    run_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds spent importing"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_owner_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_stalled(self) -> bool:
        """Running, but no batch committed for ``STALL_AFTER``: its worker is gone."""
        if self.status != ImportStatus.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at or self.updated_at
        return last is None or timezone.now() - last > STALL_AFTER

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))

    @property
    def processed(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count + self.rejected_count


class ImportRejection(models.Model):
    """A problem with one row of an imported file: which row, which column, the value and why.

    A row with several problems has one rejection each; the row counts once in ``rejected_count``.
    Written in the transaction of the batch that read the row, so a resumed job never repeats one.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=120, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    message = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="importrejection_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_id} row {self.row_number}: {self.message}"


__all__ = ["ColumnMapping", "ImportJob", "ImportRejection", "ImportStatus", "SourceFormat"]
