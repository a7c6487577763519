"""Calendar months as the first day of the month, and the runs of consecutive months a cash book has."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import formats

MONTH_PARAM = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after (or before, when negative) ``month``."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last`` (both month starts), in order; empty when ``last`` is earlier."""
    out: list[dt.date] = []
    month = month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def parse_month(value: str | None) -> dt.date | None:
    """``"2026-03"`` → 1 March 2026; None for anything else."""
    match = MONTH_PARAM.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return dt.date(year, month, 1)


def month_param(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_label(month: dt.date) -> str:
    """``Maret 2026`` in the active language."""
    return formats.date_format(month, "F Y")


@dataclass(frozen=True)
class Runs:
    """Runs of consecutive months with entries: the latest run and the longest (ties: the earliest)."""

    latest_length: int = 0
    latest_end: dt.date | None = None
    longest_length: int = 0
    longest_end: dt.date | None = None


def runs(months: Iterable[dt.date]) -> Runs:
    """The runs of consecutive calendar months in ``months`` (month starts, any order, repeats ignored)."""
    ordered = sorted(set(months))
    if not ordered:
        return Runs()
    longest, longest_end = 0, ordered[0]
    length, previous = 0, None
    for month in ordered:
        length = length + 1 if previous is not None and add_months(previous, 1) == month else 1
        if length > longest:
            longest, longest_end = length, month
        previous = month
    return Runs(latest_length=length, latest_end=ordered[-1], longest_length=longest, longest_end=longest_end)


def current_streak(run_length: int, run_end: dt.date | None, today: dt.date) -> int:
    """The latest run while it is still alive: it ends this month, or last month (this month is not over)."""
    if run_end is None:
        return 0
    this_month = month_start(today)
    return run_length if run_end in (this_month, add_months(this_month, -1)) else 0
