"""Arithmetic on counters: conversion, drop-out, median time in stage, attainment, projection, anomalies and
the rounding that protects small counts on public pages. Pure functions over ``columns`` vectors."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import columns
from .columns import BUCKETS, COLUMNS, EDGES_DAYS, INDEX, STAGES

Counts = Sequence[int]  # a dense vector in ``columns.FIELDS`` order


def value(vector: Counts, name: str) -> int:
    return int(vector[INDEX[name]])


_COLUMN_INDEX = [(c, INDEX[columns.reached_field(c)]) for c in COLUMNS]
_SUCCESS_INDEX = INDEX[columns.completed_field(columns.SUCCESS)]


def column_counts(vector: Counts) -> dict[str, int]:
    """Tabel 2's cells: P1, T1–T3, P3 … P7 reached."""
    return {c: int(vector[i]) for c, i in _COLUMN_INDEX}


def stage_reached(vector: Counts, stage: str) -> int:
    return value(vector, columns.reached_field("T1" if stage == columns.LEVELLED else stage))


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Step:
    """Between two consecutive columns: how many of the first reached the second."""

    source: str
    target: str
    conversion: float | None


def conversions(vector: Counts) -> list[Step]:
    counts = column_counts(vector)
    return [Step(a, b, ratio(counts[b], counts[a])) for a, b in itertools.pairwise(COLUMNS)]


@dataclass(frozen=True)
class StageFigures:
    """One stage: reached, completed, dropped out, drop-out rate, median time to complete (days)."""

    code: str
    reached: int
    completed: int
    dropped: int
    drop_rate: float | None
    median_days: float | None
    median_open: bool  # the median lies in the last, open range (a year or more)
    timed: int  # completions with a start and an end (the median's base)


def median_days(histogram: Sequence[int]) -> tuple[float | None, bool]:
    """The median of a time-in-stage histogram, interpolated linearly inside its day range; (None, False)
    when empty, (365, True) when it lies in the open range "a year or more"."""
    total = sum(histogram)
    if total <= 0:
        return None, False
    half = total / 2
    seen = 0
    lows = (0, *EDGES_DAYS)
    for b, n in enumerate(histogram):
        if n > 0 and seen + n >= half:
            if b == BUCKETS - 1:
                return float(EDGES_DAYS[-1]), True
            low, high = lows[b], EDGES_DAYS[b]
            return low + (high - low) * (half - seen) / n, False
        seen += n
    return float(EDGES_DAYS[-1]), True


def stage_figures(vector: Counts) -> list[StageFigures]:
    out = []
    for s in STAGES:
        reached = stage_reached(vector, s)
        dropped = value(vector, columns.dropped_field(s))
        histogram = [value(vector, columns.bucket_field(s, b)) for b in range(BUCKETS)]
        median, open_end = median_days(histogram)
        out.append(
            StageFigures(
                code=s,
                reached=reached,
                completed=value(vector, columns.completed_field(s)),
                dropped=dropped,
                drop_rate=ratio(dropped, reached + dropped),
                median_days=median,
                median_open=open_end,
                timed=sum(histogram),
            )
        )
    return out


def success(vector: Counts) -> int:
    """The programme's success: participants with licensing (P4) completed."""
    return int(vector[_SUCCESS_INDEX])


def projection(done: int, year: int, today: dt.date) -> int | None:
    """Successes expected by 31 December if the pace so far holds: done ÷ share of the year elapsed.

    For a past year the count is final (returned as is); for a future year there is nothing to project.
    """
    if year < today.year:
        return done
    if year > today.year:
        return None
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    elapsed = (today - first).days + 1
    return round(done * days / elapsed)


@dataclass(frozen=True)
class Anomaly:
    """Figures that contradict the programme's rules, in words, with what to list behind them."""

    stage: str  # the stage reached too early
    prerequisites: tuple[str, ...]  # the stages that should have been completed first
    count: int  # participants in ``stage`` while a prerequisite is not completed
    reached: int  # participants in ``stage``
    completed: dict[str, int]  # participants who completed each prerequisite
    reversed: bool  # more participants reached ``stage`` than completed a prerequisite


def anomalies(vector: Counts, prerequisites: Mapping[str, Sequence[str]]) -> list[Anomaly]:
    """Stages reached before their prerequisites were completed, largest first (exact, from the
    "ahead" counters), e.g. 483 participants marketing (P5) while only 395 are licensed (P4)."""
    found = []
    for s in STAGES:
        pre = tuple(q for q in prerequisites.get(s, ()) if q in STAGES)
        count = value(vector, columns.ahead_field(s))
        if not pre or count <= 0:
            continue
        reached = stage_reached(vector, s)
        done = {q: value(vector, columns.completed_field(q)) for q in pre}
        found.append(
            Anomaly(
                stage=s,
                prerequisites=pre,
                count=count,
                reached=reached,
                completed=done,
                reversed=any(reached > n for n in done.values()),
            )
        )
    return sorted(found, key=lambda a: (-a.reversed, -a.count, a.stage))


# --- public figures ---------------------------------------------------------------------------------------

SMALL = 5  # counts below this are not published
ROUND_TO = 5


def published(n: int) -> int | None:
    """A count as the public page shows it: None ("< 5") for 1–4, otherwise rounded to the nearest 5
    (halves up). Zero identifies nobody and stays 0. Rounding every figure, totals included, means a
    hidden count cannot be recovered by subtracting the others from a total."""
    if n <= 0:
        return 0
    if n < SMALL:
        return None
    return math.floor(n / ROUND_TO + 0.5) * ROUND_TO


def published_ratio(part: int, whole: int) -> float | None:
    """A rate computed from the published (rounded) figures, or None when either is hidden or zero."""
    p, w = published(part), published(whole)
    if p is None or not w:
        return None
    return p / w
