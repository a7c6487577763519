from django.db import models
from django.utils.translation import gettext_lazy as _


class StageStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    SKIPPED = "skipped", _("Skipped")
    DROPPED = "dropped", _("Dropped out")


OPEN = frozenset({StageStatus.IN_PROGRESS})
# Allowed moves. Re-entry after dropping out and re-opening a completed stage (with a reason) are real:
# people come back, and a licence can be revoked.
ALLOWED = {
    StageStatus.NOT_STARTED: {
        StageStatus.IN_PROGRESS,
        StageStatus.COMPLETED,
        StageStatus.SKIPPED,
        StageStatus.DROPPED,
    },
    StageStatus.IN_PROGRESS: {
        StageStatus.COMPLETED,
        StageStatus.SKIPPED,
        StageStatus.DROPPED,
        StageStatus.IN_PROGRESS,
    },
    StageStatus.COMPLETED: {StageStatus.IN_PROGRESS, StageStatus.COMPLETED},
    StageStatus.SKIPPED: {StageStatus.IN_PROGRESS, StageStatus.COMPLETED},
    StageStatus.DROPPED: {StageStatus.IN_PROGRESS, StageStatus.COMPLETED},
}
# These need a reason in words.
NEEDS_REASON = frozenset({StageStatus.SKIPPED, StageStatus.DROPPED})
