from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwayConfig(AppConfig):
    name = "kolabora.pathway"
    label = "pathway"
    verbose_name = _("Pathway")
