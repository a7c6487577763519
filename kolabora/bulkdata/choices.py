from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A worker may pick these up; the job page keeps polling while a job is in one of them.
ACTIVE = frozenset({ImportStatus.QUEUED, ImportStatus.RUNNING})
# Nothing more happens to these.
FINISHED = frozenset({ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED})


class SourceFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    CSV = "csv", _("CSV text")


class ImportChannel(models.TextChoices):
    WEB = "web", _("Import page")
    API = "api", _("Partner system (API)")
    CLI = "cli", _("Command line")
