"""Dates in the programme's time zone (Asia/Jakarta), whatever the server's clock zone is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
