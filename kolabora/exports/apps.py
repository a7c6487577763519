from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "kolabora.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # The tables of the stages written with the export, then each domain's own ``export_tables.py``
        # (one ``register(ExportTable(...))`` each; see registry.py). Not ``exports.py``: some apps use that
        # name for their own page downloads.
        from . import tables  # noqa: F401

        autodiscover_modules("export_tables")
