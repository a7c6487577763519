from django.db import models
from django.utils.translation import gettext_lazy as _


class HandoffStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
