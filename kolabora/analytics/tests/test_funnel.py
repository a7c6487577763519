"""Funnel arithmetic (conversion, drop-out, median time, projection, anomalies, public rounding) and the
figures the selectors read back after real registrations and transitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kolabora.analytics import columns, counters, funnel, selectors
from kolabora.analytics.columns import FIELDS, INDEX
from kolabora.analytics.selectors import Cohort, cohort_parse
from kolabora.analytics.services import targets_seed
from kolabora.participants.services import participant_merge
from kolabora.pathway.models import ProgrammeTarget
from kolabora.pathway.services import programme_default

from .factories import person


def vector(**values: int) -> list[int]:
    v = [0] * len(FIELDS)
    for name, n in values.items():
        v[INDEX[name]] = n
    return v


# --- pure arithmetic ----------------------------------------------------------------------------------------


def test_tabel_2_of_east_jakarta_converts_and_flags_marketing_before_licensing() -> None:
    """Seed 000's totals: P1 7,294 → T1 6,677 → … → P4 395 → P5 483; 483 market while 395 are licensed."""
    v = vector(
        r_p1=7294,
        r_t1=6677,
        r_t2=3159,
        r_t3=2664,
        r_p3=1962,
        r_p4=395,
        r_p5=483,
        r_p6=166,
        r_p7=27,
        c_p4=395,
        c_p6=120,
        a_p5=120,
        a_p7=5,
    )
    steps = {s.target: s.conversion for s in funnel.conversions(v)}
    assert steps["T1"] == pytest.approx(6677 / 7294)
    assert steps["P4"] == pytest.approx(395 / 1962)
    assert steps["P5"] == pytest.approx(483 / 395)  # more than 100 %: the anomaly itself
    found = funnel.anomalies(v, {"P5": ("P4",), "P7": ("P4", "P6")})
    assert [a.stage for a in found] == ["P5", "P7"]
    assert found[0].reversed and found[0].count == 120 and found[0].completed == {"P4": 395}
    assert not found[1].reversed  # 27 in P7, more have completed P4 and P6
    from kolabora.analytics.wording import anomaly_headline

    stages = counters.ProgrammeStages(1, (), {}, {"P4": "Perizinan", "P6": "Pelaporan Keuangan"}, {}, {})
    assert anomaly_headline(found[0], stages, "id") == "483 participants marketing, only 395 licensed"
    assert (
        anomaly_headline(found[1], stages, "id")
        == "5 participants referred for capital before completing P4 Perizinan, P6 Pelaporan Keuangan"
    )


def test_drop_out_rate_counts_drop_outs_against_everyone_who_entered() -> None:
    v = vector(r_p3=60, d_p3=40, c_p3=30)
    p3 = next(s for s in funnel.stage_figures(v) if s.code == "P3")
    assert (p3.reached, p3.dropped, p3.completed) == (60, 40, 30)
    assert p3.drop_rate == pytest.approx(0.4)


def test_median_time_in_stage_is_interpolated_within_its_day_range() -> None:
    # 10 completions: 4 in [0, 1) days, 6 in [7, 14): the median (5th of 10) lies in [7, 14).
    histogram = [4, 0, 0, 6] + [0] * (columns.BUCKETS - 4)
    median, open_end = funnel.median_days(histogram)
    assert not open_end
    assert median == pytest.approx(7 + 7 * (5 - 4) / 6)
    assert funnel.median_days([0] * columns.BUCKETS) == (None, False)
    assert funnel.median_days([0] * (columns.BUCKETS - 1) + [3]) == (365.0, True)


def test_durations_fall_in_the_range_of_their_whole_seconds() -> None:
    start = dt.datetime(2026, 1, 1, 8, 0, 0, 900_000, tzinfo=dt.UTC)
    assert columns.bucket_of(columns.seconds_between(start, start + dt.timedelta(hours=23, minutes=59))) == 0
    # Exactly one day (counted in whole seconds, microseconds dropped on both ends) starts the second range.
    assert columns.bucket_of(columns.seconds_between(start, start + dt.timedelta(days=1))) == 1
    assert (
        columns.bucket_of(columns.seconds_between(start, start - dt.timedelta(days=3))) == 0
    )  # out of order
    assert columns.bucket_of(10**9) == columns.BUCKETS - 1


def test_projection_runs_the_pace_so_far_to_the_end_of_the_year() -> None:
    assert funnel.projection(100, 2026, dt.date(2026, 3, 14)) == 500  # day 73 of 365
    assert funnel.projection(100, 2025, dt.date(2026, 3, 14)) == 100  # a past year is final
    assert funnel.projection(100, 2027, dt.date(2026, 3, 14)) is None


def test_public_figures_hide_small_counts_and_round_the_rest() -> None:
    assert [funnel.published(n) for n in (0, 1, 4, 5, 7, 8, 12, 13, 395)] == [
        0,
        None,
        None,
        5,
        5,
        10,
        10,
        15,
        395,
    ]
    # A hidden cell cannot be recovered from a total: total 103 (shown 105) minus 100 (shown 100) is 5, not 3.
    assert funnel.published(103) - funnel.published(100) != 3  # type: ignore[operator]
    assert funnel.published_ratio(3, 100) is None
    assert funnel.published_ratio(48, 101) == pytest.approx(50 / 100)


@pytest.mark.parametrize(
    ("text", "key"), [("", 0), ("2026", 202600), ("2025-03", 202503), (" 2024-12 ", 202412)]
)
def test_cohorts_are_a_year_or_a_month(text: str, key: int) -> None:
    assert cohort_parse(text, day=dt.date(2026, 11, 30)).key == key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "The month must be between 01 and 12."),
        ("1999", "The cohort year must be between 2000 and 2026."),
        ("2027", "The cohort year must be between 2000 and 2026."),
        ("26-03", "Give the cohort as a year (YYYY) or a month (YYYY-MM), e.g. 2026 or 2026-03."),
        ("2026/03", "Give the cohort as a year (YYYY) or a month (YYYY-MM), e.g. 2026 or 2026-03."),
    ],
)
def test_a_wrong_cohort_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(
        ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.") + "$"
    ):
        cohort_parse(text, day=dt.date(2026, 11, 30))


# --- figures read back ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rows_add_up_to_the_region_and_drill_down_to_kelurahan() -> None:
    now = timezone.now()
    person("31.75.10.1001", at=now, stages={"P2": "completed", "P3": "in_progress"}, level=2)
    person("31.75.10.1002", at=now, stages={"P2": "dropped"})
    person(
        "31.75.01.1001", at=now, stages={"P2": "in_progress", "P4": "completed", "P5": "completed"}, level=3
    )
    person("31.74.10.1005", at=now, stages={"P2": "completed"})  # Jakarta Selatan: not in Jakarta Timur
    programme = programme_default()
    f = selectors.funnel_get(programme_id=programme.pk, region="31.75", level=3, cohort=Cohort())
    by_code = {r.place.code: r for r in f.rows}
    assert len(f.rows) == 10  # every kecamatan of Jakarta Timur, with or without participants
    assert by_code["31.75.10"].counts == {
        "P1": 2,
        "T1": 1,
        "T2": 1,
        "T3": 0,
        "P3": 1,
        "P4": 0,
        "P5": 0,
        "P6": 0,
        "P7": 0,
    }
    assert by_code["31.75.01"].counts["T3"] == 1 and by_code["31.75.01"].counts["P5"] == 1
    for c in columns.COLUMNS:
        assert f.total.counts[c] == sum(r.counts[c] for r in f.rows)
    assert f.total.counts["P1"] == 3
    assert funnel.value(f.total.vector, "d_p2") == 1
    assert funnel.value(f.total.vector, "a_p5") == 0  # P4 was completed before P5
    kelurahan = selectors.funnel_get(programme_id=programme.pk, region="31.75.10", level=4, cohort=Cohort())
    assert {r.place.code: r.counts["P1"] for r in kelurahan.rows if r.counts["P1"]} == {
        "31.75.10.1001": 1,
        "31.75.10.1002": 1,
    }


@pytest.mark.django_db
def test_cohorts_and_merges_change_who_is_counted() -> None:
    this_year = timezone.now()
    last_year = this_year - dt.timedelta(days=400)
    a = person("31.75.10.1001", at=this_year, stages={"P2": "in_progress"})
    b = person("31.75.10.1001", at=last_year, stages={"P2": "completed"})
    programme = programme_default()

    def p1(cohort: Cohort) -> int:
        return selectors.funnel_get(
            programme_id=programme.pk, region="31.75.10", level=4, cohort=cohort
        ).total.counts["P1"]

    assert p1(Cohort()) == 2
    assert p1(Cohort(this_year.year * 100)) == 1
    assert p1(Cohort(last_year.year * 100 + timezone.localtime(last_year).month)) == 1
    from kolabora.core.testing import make_user

    participant_merge(keep=a, duplicate=b, actor=make_user("admin.merge", superuser=True), reason="ganda")
    assert p1(Cohort()) == 1  # the duplicate is no longer counted; its P2 moved to the kept record
    f = selectors.funnel_get(programme_id=programme.pk, region="31.75.10", level=4, cohort=Cohort())
    assert f.total.counts["T1"] == 1
    assert funnel.value(f.total.vector, "c_p2") == 1
    counters.counters_compact()
    assert p1(Cohort()) == 1  # the same after folding


@pytest.mark.django_db
def test_targets_default_to_40000_a_year_and_900_a_kecamatan_and_rows_override_them() -> None:
    programme = programme_default()
    year = timezone.localdate().year
    person("31.75.10.1001", stages={"P4": "completed"})
    f = selectors.funnel_get(programme_id=programme.pk, region="31", level=2, cohort=Cohort())
    totals = {r.place.code: r.target for r in f.rows}
    assert f.total.target == selectors.Target(40_000, "default")
    assert totals["31.75"] == selectors.Target(9_000, "sum")  # ten kecamatan × 900, as seed 000 reckons
    ProgrammeTarget.objects.create(programme=programme, region_id="31.75.10", year=year, target=1_000)
    kec = selectors.funnel_get(programme_id=programme.pk, region="31.75", level=3, cohort=Cohort())
    cipayung = next(r for r in kec.rows if r.place.code == "31.75.10")
    assert cipayung.target == selectors.Target(1_000, "set")
    assert cipayung.success == 1 and cipayung.attainment == pytest.approx(1 / 1_000)
    assert kec.total.target == selectors.Target(9_100, "sum")
    assert targets_seed(year=year) == 1 + 43  # the province and every kecamatan but Cipayung
    assert targets_seed(year=year) == 0
