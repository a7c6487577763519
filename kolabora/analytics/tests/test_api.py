"""``GET /api/v1/analytics/funnel``: the issue's shape, specific 422s, 403 outside the caller's regions."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kolabora.core.testing import World

from .factories import person

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/funnel"


def test_the_address_is_the_one_the_issue_names() -> None:
    assert reverse("api:analytics_funnel") == URL


def test_funnel_of_a_kota_by_kecamatan_in_the_issues_shape(world: World) -> None:
    person("31.75.10.1001", stages={"P2": "completed", "P4": "completed", "P5": "in_progress"}, level=2)
    body = world.client("permitted").get(URL, {"region": "31.75", "level": "kecamatan"}).json()
    assert set(body) == {"columns", "rows", "totals"}
    assert body["columns"] == ["P1", "T1", "T2", "T3", "P3", "P4", "P5", "P6", "P7"]
    assert len(body["rows"]) == 10
    cipayung = next(r for r in body["rows"] if r["region"]["code"] == "31.75.10")
    assert cipayung == {
        "region": {"code": "31.75.10", "name": "Cipayung"},
        # The world's participant (registered, P1 completed) and this one.
        "counts": {"P1": 2, "T1": 1, "T2": 1, "T3": 0, "P3": 0, "P4": 1, "P5": 1, "P6": 0, "P7": 0},
        "target": 900,
        "attainment": round(1 / 900, 4),
    }
    assert body["totals"]["region"] == {"code": "31.75", "name": "Kota Administrasi Jakarta Timur"}
    assert body["totals"]["counts"]["P1"] == 2
    assert body["totals"]["target"] == 9000


def test_defaults_are_the_callers_region_one_level_down_and_everyone(world: World) -> None:
    body = world.client("kecamatan").get(URL).json()  # kecamatan staff of Cipayung
    assert body["totals"]["region"]["code"] == "31.75.10"
    assert {r["region"]["code"][:8] for r in body["rows"]} == {"31.75.10"}
    assert all(r["region"]["code"].count(".") == 3 for r in body["rows"])  # kelurahan


def test_a_cohort_counts_only_those_registered_then(world: World) -> None:
    last_year = timezone.now().year - 1
    person("31.75.10.1001", at=timezone.now().replace(year=last_year, month=6, day=15))
    client = world.client("permitted")
    this = client.get(URL, {"region": "31.75.10", "cohort": str(last_year + 1)}).json()
    then = client.get(URL, {"region": "31.75.10", "cohort": f"{last_year}-06"}).json()
    assert this["totals"]["counts"]["P1"] == 1  # the world's participant, registered today
    assert then["totals"]["counts"]["P1"] == 1
    assert then["totals"]["target"] == 900  # that year's (default) target


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"region": "31.7"}, "region", "Unknown region code: 31.7. Codes look like 31.75 or 31.75.10."),
        (
            {"region": "31.75", "level": "desa"},
            "level",
            "Choose the rows' level: kota, kecamatan or kelurahan.",
        ),
        (
            {"region": "31.75.10", "level": "kota"},
            "level",
            "31.75.10 is a district (kecamatan): its rows can be kecamatan, kelurahan.",
        ),
        (
            {"region": "31.75", "cohort": "2026-3"},
            "cohort",
            "Give the cohort as a year (YYYY) or a month (YYYY-MM), e.g. 2026 or 2026-03.",
        ),
        ({"region": "31.75", "cohort": "2025-00"}, "cohort", "The month must be between 01 and 12."),
        ({"region": "31.75.99"}, "region", "Unknown region code: 31.75.99"),
    ],
)
def test_bad_parameters_get_422_naming_the_parameter_and_the_problem(
    world: World, params: dict[str, str], field: str, message: str
) -> None:
    response = world.client("permitted").get(URL, params)
    assert response.status_code == 422
    body: dict[str, Any] = response.json()
    assert body["detail"] == "The request has invalid fields."
    assert {"field": field, "message": message} in body["errors"]


def test_outside_the_callers_region_is_403_and_anonymous_is_401(world: World) -> None:
    assert world.client("out_of_region").get(URL, {"region": "31.75"}).status_code == 403
    assert world.client("permitted").get(URL, {"region": "31"}).status_code == 403  # the province is wider
    assert world.client("other_org").get(URL).status_code == 403  # a bank officer sees no region's figures
    assert world.client("anonymous").get(URL).status_code == 401


def test_the_answer_costs_the_same_few_queries_whatever_the_level(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = world.client("permitted")
    client.get(URL, {"region": "31.75"})
    for level in ("kecamatan", "kelurahan"):
        with django_assert_max_num_queries(10):  # seven reads; the rest is the test session saving itself
            assert client.get(URL, {"region": "31.75", "level": level}).status_code == 200
