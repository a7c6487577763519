"""Users and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kolabora.core.models import BaseModel


class User(AbstractUser):
    """A person who logs in: staff of an organisation, a participant, or a system administrator.

    What a staff user may do comes from their memberships (organisations app), never from fields here;
    ``is_superuser`` is kept for the system administrator only.
    """

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(BaseModel):
    """A bearer token for a partner system acting as ``user``.

    Invariants: only the SHA-256 of the token is stored; the token itself is shown once, when created.
    A revoked token never authenticates again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(
        _("prefix"), max_length=8, help_text=_("First characters, to recognise a token.")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
