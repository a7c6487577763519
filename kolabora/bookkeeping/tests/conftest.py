from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from kolabora.accounts.models import User
from kolabora.bookkeeping import defaults, services
from kolabora.bookkeeping.models import CashCategory, CashEntry
from kolabora.core.testing import World
from kolabora.participants.models import Business

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def t(msgid: str, **values: Any) -> str:
    """The message as an Indonesian page shows it (HTML-escaped), through the catalogue: tests hold before
    and after a string gets its translation."""
    with translation.override("id"):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)


def jakarta(day: dt.date, hour: int = 12) -> dt.datetime:
    """Noon in Jakarta on ``day`` (an aware moment, as services take ``at``)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def photo(fmt: str = "JPEG", size: tuple[int, int] = (2400, 1800), exif: bool = True) -> bytes:
    """A real image; with EXIF (camera model, GPS-ish data and an orientation) when asked."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 180, 150))
    out = io.BytesIO()
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x0110] = "Kamera Uji"  # Model
        data[0x0112] = 6  # Orientation: rotate 90° clockwise to view
        image.save(out, format=fmt, exif=data)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


@dataclass
class Books:
    world: World
    business: Business
    owner: User

    def cat(self, code: str) -> CashCategory:
        return CashCategory.objects.get(code=code)

    def record(
        self, day: dt.date, code: str, amount: int, note: str = "", *, actor: User | None = None, **kw: Any
    ) -> CashEntry:
        return services.entry_record(
            business=self.business,
            actor=actor or self.owner,
            data=services.EntryInput(
                occurred_on=day, category=self.cat(code), amount=amount, note=note, **kw
            ),
            at=jakarta(max(day, timezone.localdate())),
        )


@pytest.fixture(autouse=True)
def _categories(db: Any) -> None:
    # Live-server tests elsewhere flush the rows the data migration made; put them back.
    defaults.ensure()


@pytest.fixture
def books(world: World) -> Books:
    p = world.participant
    return Books(world=world, business=p.businesses.get(), owner=world.user("participant"))
