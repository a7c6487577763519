"""What the funnel counts, defined once: the counters every aggregate row carries and how one participant
contributes to them. The incremental hooks (``counters``), the full recount (``rebuild``) and the tests'
own recount all follow these definitions; the funnel page shows them in words.

Definitions (one participant, one programme):
- a stage is **reached** while its status is *in progress* or *completed* (the participant list's
  "reached"); T1–T3 are P2 by the highest training level reached (a P2 in progress without a level yet
  counts as T1);
- **dropped**: the stage's status is *dropped out* (a drop-out is counted there, not in the column);
- **completed**: the status is *completed*; P4 completed is the programme's success (licensed);
- **ahead**: the stage is reached while one of its prerequisites (the programme's rules, as data) is not
  completed, e.g. marketing (P5) before licensing (P4) is complete;
- **time in stage**: for a completed stage, completion minus start in whole seconds, counted in one of
  ``BUCKETS`` day ranges (``EDGES_DAYS``) so that medians can be estimated from sums;
- merged duplicate records count nowhere; every count belongs to the participant's kelurahan and
  registration month (the cohort).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STAGES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
LEVELLED = "P2"  # the stage whose levels are the columns T1–T3
TRAINING_LEVELS = 3
COLUMNS = ("P1", "T1", "T2", "T3", "P3", "P4", "P5", "P6", "P7")  # seed 000, Tabel 2
SUCCESS = "P4"
# Upper edges of the time-in-stage ranges, in days; the last range is open ("a year or more").
EDGES_DAYS = (1, 3, 7, 14, 21, 30, 45, 60, 90, 180, 365)
BUCKETS = len(EDGES_DAYS) + 1
EDGES_SECONDS = tuple(d * 86400 for d in EDGES_DAYS)

IN_PROGRESS, COMPLETED, DROPPED = "in_progress", "completed", "dropped"
REACHED_STATUSES = (IN_PROGRESS, COMPLETED)
ACTIVE = "active"  # the participant record's status that counts (merged records do not)


def reached_field(column: str) -> str:
    return f"r_{column.lower()}"


def completed_field(stage: str) -> str:
    return f"c_{stage.lower()}"


def dropped_field(stage: str) -> str:
    return f"d_{stage.lower()}"


def ahead_field(stage: str) -> str:
    return f"a_{stage.lower()}"


def bucket_field(stage: str, bucket: int) -> str:
    return f"h_{stage.lower()}_{bucket}"


FIELDS: tuple[str, ...] = (
    *(reached_field(c) for c in COLUMNS),
    *(completed_field(s) for s in STAGES),
    *(dropped_field(s) for s in STAGES),
    *(ahead_field(s) for s in STAGES),
    *(bucket_field(s, b) for s in STAGES for b in range(BUCKETS)),
)
INDEX = {name: i for i, name in enumerate(FIELDS)}
_REACHED = {code: INDEX[reached_field(code)] for code in COLUMNS if not code.startswith("T")}
_LEVELS = [INDEX[reached_field(f"T{k}")] for k in range(1, TRAINING_LEVELS + 1)]
_COMPLETED = {s: INDEX[completed_field(s)] for s in STAGES}
_DROPPED = {s: INDEX[dropped_field(s)] for s in STAGES}
_AHEAD = {s: INDEX[ahead_field(s)] for s in STAGES}
_BUCKET = {s: [INDEX[bucket_field(s, b)] for b in range(BUCKETS)] for s in STAGES}

Vector = dict[int, int]  # sparse: counter index → value


@dataclass(frozen=True, slots=True)
class StageState:
    status: str
    level: int | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None


def cohort_of(day: dt.date) -> int:
    """The registration month as ``YYYYMM``."""
    return day.year * 100 + day.month


def seconds_between(started: dt.datetime, completed: dt.datetime) -> int:
    """Whole seconds from start to completion, each truncated to the second (as the SQL recount does)."""
    return int((completed.replace(microsecond=0) - started.replace(microsecond=0)).total_seconds())


def bucket_of(seconds: int) -> int:
    """The time-in-stage range of a duration (negative durations, from history out of order, count as 0)."""
    return bisect.bisect_right(EDGES_SECONDS, seconds)


def contribution(states: Mapping[str, StageState], prerequisites: Mapping[str, Sequence[str]]) -> Vector:
    """The counters one active participant adds, from their stage rows (code → state)."""
    out: Vector = {}
    for code in STAGES:
        st = states.get(code)
        if st is None:
            continue
        if st.status in REACHED_STATUSES:
            if code == LEVELLED:
                level = st.level or 1
                for k, index in enumerate(_LEVELS, start=1):
                    if level >= k:
                        out[index] = 1
            else:
                out[_REACHED[code]] = 1
            for q in prerequisites.get(code, ()):
                pre = states.get(q)
                if pre is None or pre.status != COMPLETED:
                    out[_AHEAD[code]] = 1
                    break
            if st.status == COMPLETED:
                out[_COMPLETED[code]] = 1
                if st.started_at is not None and st.completed_at is not None:
                    out[_BUCKET[code][bucket_of(seconds_between(st.started_at, st.completed_at))]] = 1
        elif st.status == DROPPED:
            out[_DROPPED[code]] = 1
    return out


def subtract(into: Vector, other: Vector) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) - v


def add(into: Vector, other: Vector) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v
