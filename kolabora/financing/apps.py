from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    name = "kolabora.financing"
    label = "financing"
    verbose_name = _("Financing referrals")

    def ready(self) -> None:
        from kolabora.participants.signals import consent_withdrawn

        from .handlers import on_consent_withdrawn

        consent_withdrawn.connect(on_consent_withdrawn, dispatch_uid="financing.consent_withdrawn")
