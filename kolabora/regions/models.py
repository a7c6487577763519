"""Kemendagri administrative regions, keyed by their dotted code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import RegionLevel


class Region(models.Model):
    """A province, kabupaten/kota, kecamatan or kelurahan/desa.

    Invariants: ``code`` is the dotted Kemendagri code ("31.75.10.1001") and is the primary key, so a
    region's descendants are exactly the rows whose code starts with ``code + "."``; that is what every
    region-scope check uses. ``parent`` is the code without its last segment.
    """

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, help_text=_("kota, kabupaten, kelurahan, desa, ..."))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def covers(self, code: str) -> bool:
        """True when the region with ``code`` is this region or lies inside it."""
        return code == self.code or code.startswith(self.code + ".")

    @property
    def ancestor_codes(self) -> list[str]:
        parts = self.code.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts))]
