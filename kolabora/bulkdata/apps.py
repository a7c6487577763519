from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkdataConfig(AppConfig):
    name = "kolabora.bulkdata"
    label = "bulkdata"
    verbose_name = _("Bulk data import")
