from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    """The four Kemendagri levels. ``kota`` covers both kota and kabupaten."""

    PROVINSI = "provinsi", _("Province")
    KOTA = "kota", _("City / regency")
    KECAMATAN = "kecamatan", _("District (kecamatan)")
    KELURAHAN = "kelurahan", _("Village (kelurahan/desa)")


LEVEL_BY_DEPTH = {
    1: RegionLevel.PROVINSI,
    2: RegionLevel.KOTA,
    3: RegionLevel.KECAMATAN,
    4: RegionLevel.KELURAHAN,
}
