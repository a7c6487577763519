"""The funnel page, the list behind a figure, the exports and the public page, as their users see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kolabora.analytics import counters
from kolabora.core.testing import World, make_org
from kolabora.handoffs.services import handoff_finish, handoff_open
from kolabora.organisations.choices import OrganisationType

from .factories import person

pytestmark = pytest.mark.django_db
FUNNEL = "/analitik/"


def _csv(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def marketed_before_licensed(world: World) -> list[Any]:
    """Seed 000's anomaly in miniature: three in marketing (P5), one of them licensed (P4)."""
    return [
        person("31.75.10.1001", stages={"P2": "completed", "P4": "completed", "P5": "in_progress"}),
        person("31.75.10.1002", stages={"P2": "completed", "P5": "completed"}),
        person("31.75.01.1001", stages={"P2": "dropped", "P5": "in_progress"}),
    ]


def test_the_funnel_page_shows_tabel_2_with_drill_down_flags_and_charts(
    world: World, marketed_before_licensed: list[Any]
) -> None:
    response = world.client("permitted").get(FUNNEL, {"region": "31.75"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Funnel and targets: Kota Administrasi Jakarta Timur" in html
    # Rows by kecamatan, each name drilling down to its kelurahan.
    assert '?region=31.75.10&amp;level=kelurahan"' in html and ">Cipayung</a>" in html
    # The anomaly in words, with the list behind it.
    assert "3 participants marketing, only 1 licensed" in html
    assert "2 participants are in P5 Marketing while P4 Licensing is not completed." in html
    assert "/analitik/peserta/?region=31.75&amp;column=P5&amp;kind=ahead" in html
    # Charts drawn on the server, without scripts.
    assert html.count("<svg") == 3 and "<script" not in html.split("<main", 1)[1]
    # The definitions, on the page.
    assert "while that stage is in progress or completed" in html
    # Totals: P1 counts the world's participant and the three above.
    total = re.search(r'<tr class="total">(.*?)</tr>', html, re.S)
    assert total is not None and re.findall(r">(\d+)</a>", total.group(1))[:1] == ["4"]


def test_the_page_reads_a_few_rows_whatever_the_level(
    world: World, marketed_before_licensed: list[Any], django_assert_max_num_queries: Any
) -> None:
    client = world.client("permitted")
    client.get(FUNNEL, {"region": "31.75"})
    for level in ("kecamatan", "kelurahan"):
        with django_assert_max_num_queries(10):
            assert (
                client.get(
                    FUNNEL, {"region": "31.75", "level": level, "cohort": str(timezone.now().year)}
                ).status_code
                == 200
            )


def test_kecamatan_staff_see_their_kecamatan_and_not_the_city(world: World) -> None:
    client = world.client("kecamatan")
    own = client.get(FUNNEL)
    assert own.status_code == 200 and "Funnel and targets: Cipayung" in own.content.decode()
    assert client.get(FUNNEL, {"region": "31.75"}).status_code == 403


def test_faulty_filters_are_named_and_the_rest_still_applies(world: World) -> None:
    response = world.client("permitted").get(
        FUNNEL, {"region": "31.75", "level": "kota", "cohort": "2026-13"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid and were not applied:" in html
    assert "The month must be between 01 and 12." in html
    assert "Funnel and targets: Kota Administrasi Jakarta Timur" in html  # the region still applies


def test_the_list_behind_a_flag_is_who_it_counts(world: World, marketed_before_licensed: list[Any]) -> None:
    licensed, unlicensed, dropped_training = marketed_before_licensed
    client = world.client("permitted")
    html = client.get(
        reverse("analytics:people"), {"region": "31.75", "column": "P5", "kind": "ahead"}
    ).content.decode()
    assert unlicensed.full_name in html and dropped_training.full_name in html
    assert licensed.full_name not in html and world.participant.full_name not in html
    assert "In P5 Marketing before completing its prerequisites" in html
    dropped = client.get(
        reverse("analytics:people"), {"region": "31.75", "column": "P2", "kind": "dropped"}
    ).content.decode()
    assert dropped_training.full_name in dropped and unlicensed.full_name not in dropped
    # Out of a kecamatan's region: refused; a column that is not one: not found; a bad cohort: said so.
    assert (
        world.client("kecamatan")
        .get(reverse("analytics:people"), {"region": "31.75", "column": "P1"})
        .status_code
        == 403
    )
    assert client.get(reverse("analytics:people"), {"region": "31.75", "column": "P9"}).status_code == 404
    bad = client.get(reverse("analytics:people"), {"region": "31.75", "column": "P1", "cohort": "2026-13"})
    assert bad.status_code == 422 and "The month must be between 01 and 12." in bad.content.decode()


def test_the_list_pages_25_at_a_time(world: World, django_assert_max_num_queries: Any) -> None:
    for _i in range(26):
        person("31.75.10.1003")
    client = world.client("permitted")
    url = reverse("analytics:people")
    first = client.get(url, {"region": "31.75.10.1003", "column": "P1"})
    cursor = re.search(r'href="/analitik/peserta/\?([^"]+after=\d+)"', first.content.decode())
    assert cursor is not None
    with django_assert_max_num_queries(10):
        second = client.get(url + "?" + cursor.group(1).replace("&amp;", "&"))
    assert second.content.decode().count('class="cell-title"') == 1


def test_every_table_exports_as_csv_and_tabel_2_as_a_workbook(
    world: World, marketed_before_licensed: list[Any]
) -> None:
    client = world.client("permitted")
    params = {"region": "31.75", "level": "kecamatan"}
    rows = _csv(client.get(reverse("analytics:export_csv", args=["funnel"]), params))
    assert rows[0][:11] == ["Code", "Region", "P1", "T1", "T2", "T3", "P3", "P4", "P5", "P6", "P7"]
    assert len(rows) == 1 + 10 + 1
    cipayung = next(r for r in rows if r[0] == "31.75.10")
    assert cipayung[2] == "3" and cipayung[8] == "2"  # P1, P5
    assert rows[-1][1] == "Total Kota Administrasi Jakarta Timur" and rows[-1][2] == "4"
    stages = _csv(client.get(reverse("analytics:export_csv", args=["stages"]), params))
    assert stages[5][0] == "P5 Marketing" and stages[5][1] == "3"
    assert len(_csv(client.get(reverse("analytics:export_csv", args=["trend"]), params))) == 1 + 36
    flags = _csv(client.get(reverse("analytics:export_csv", args=["anomalies"]), params))
    assert flags[1][:4] == ["P5", "P4", "2", "3"]
    assert client.get(reverse("analytics:export_csv", args=["people"]), params).status_code == 404

    book = client.get(reverse("analytics:export_xlsx"), {"region": "31.75"})
    assert book["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(book.content))
    assert workbook.sheet_names == [
        "District (kecamatan)",
        "Village (kelurahan-desa)",
        "Stages",
        "Definitions",
    ]
    kelurahan = workbook.get_sheet_by_name("Village (kelurahan-desa)").to_python()
    assert len(kelurahan) == 1 + 65 + 1  # Jakarta Timur's 65 kelurahan and the total
    assert kelurahan[-1][2] == 4


# --- the public page --------------------------------------------------------------------------------------


def test_the_public_page_shows_progress_without_personal_data_and_hides_small_counts(
    world: World, marketed_before_licensed: list[Any], django_assert_max_num_queries: Any
) -> None:
    for _i in range(6):
        person("31.75.10.1001", stages={"P2": "completed"})
    client = world.client("anonymous")
    url = reverse("analytics_public:region", args=["31.75"])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    html = response.content.decode()
    assert "JakPreneur progress: Kota Administrasi Jakarta Timur" in html
    for p in [world.participant, *marketed_before_licensed]:
        assert p.full_name not in html and p.nik_masked not in html
    # 10 registered: shown as 10; Cipayung's 9 rounds to 10; every kecamatan with 1–4 shows "< 5".
    assert re.search(r'<tr class="total"><th scope="row">Total</th><td class="num">10</td>', html)
    assert "&lt;\u00a05" in html
    assert (
        "counts from 1 to 4 are shown as “&lt; 5” and every other count is rounded to the nearest 5" in html
    )
    rows = _csv(client.get(reverse("analytics_public:csv", args=["31.75", "regions"])))
    matraman = next(r for r in rows if r[0] == "31.75.01")
    assert matraman[2] == "< 5"  # one registered
    assert next(r for r in rows if r[0] == "31.75.10")[2] == "10"  # nine registered


def test_the_public_page_shows_service_levels_kept_by_stage_and_organisation_type(world: World) -> None:
    ptsp = make_org("PTSP Kelurahan Uji", "31.75.10.1001", OrganisationType.PTSP_UNIT)
    received = timezone.now() - dt.timedelta(days=20)
    for i in range(7):
        h = handoff_open(
            subject_type="licensing.licenceapplication",
            subject_id=i,
            step="verification",
            step_name="Pemeriksaan",
            organisation=ptsp,
            service_days=3,
            at=received,
        )
        # Five in time, two late.
        handoff_finish(
            handoff=h, actor=None, outcome="ok", at=received + dt.timedelta(days=1 if i < 5 else 15)
        )
    counters.handoff_tally_refresh()
    html = world.client("anonymous").get(reverse("analytics_public:region", args=["31.75"])).content.decode()
    assert "P4 Licensing" in html and "PTSP unit" in html
    # Seven done (shown as 5), five within (5): the share is computed from the published figures.
    assert re.search(
        r'data-label="Done">5</td>\s*<td class="num" data-label="Within the service level">5 \(100%\)', html
    )
    rows = _csv(world.client("anonymous").get(reverse("analytics_public:csv", args=["31.75", "services"])))
    assert rows[1][:4] == ["P4 Licensing", "PTSP unit", "5", "5"]
    # Outside the region: nothing of this office.
    other = world.client("anonymous").get(reverse("analytics_public:region", args=["31.74"])).content.decode()
    assert "PTSP unit" not in other


def test_unknown_public_regions_are_not_found(world: World) -> None:
    client = world.client("anonymous")
    assert client.get(reverse("analytics_public:region", args=["31.99"])).status_code == 404
    assert client.get(reverse("analytics_public:region", args=["x"])).status_code == 404
    assert client.get(reverse("analytics_public:csv", args=["31.75", "names"])).status_code == 404
