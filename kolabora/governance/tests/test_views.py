"""The governance pages as the programme manager, a coordinator and an organisation's staff see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kolabora.core.testing import World, make_org
from kolabora.governance import indicators
from kolabora.organisations.choices import OrganisationType

from .factories import ago, handoff, participant

pytestmark = pytest.mark.django_db


def t(msgid: str, **values: Any) -> str:
    with translation.override("id"):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)


def as_user(world: World, persona: str) -> Client:
    return world.client(persona)


def busy_ptsp(world: World) -> Any:
    """A PTSP unit in Cipayung with one step done on time and one overdue."""
    ptsp = make_org("PTSP Uji Akuntabilitas", "31.75.10.1001", OrganisationType.PTSP_UNIT)
    p = participant(kelurahan="31.75.10.1001")
    handoff(ptsp, received=ago(10), done=ago(9.9), participant=p, subject_id=1, step="a")
    handoff(world.cipayung, received=ago(9), done=ago(8.9), participant=p, subject_id=1, step="b")
    handoff(ptsp, received=ago(10), participant=p, subject_id=2, step="a")
    return ptsp


def test_indicators_page_shows_every_indicator_with_its_definition(world: World) -> None:
    page = as_user(world, "permitted").get(reverse("governance:indicators"))
    body = page.content.decode()
    assert page.status_code == 200
    for i in indicators.REGISTRY:
        assert escape(str(i.name)) in body and escape(str(i.definition)) in body
    assert t("No data yet") in body  # e.g. no targets set
    assert as_user(world, "other_org").get(reverse("governance:indicators")).status_code == 403


def test_a_region_outside_ones_own_cannot_be_chosen(world: World) -> None:
    client = as_user(world, "permitted")
    page = client.get(reverse("governance:indicators"), {"region": "31.74", "period": "90"})
    assert page.status_code == 200
    note = page.content.decode().split('gov-scope-note">')[1].split("</p>")[0]
    assert "Jakarta Timur" in note and "Jakarta Selatan" not in note


def test_accountability_table_map_and_csv(world: World) -> None:
    ptsp = busy_ptsp(world)
    client = as_user(world, "permitted")
    body = client.get(reverse("governance:accountability")).content.decode()
    assert "PTSP Uji Akuntabilitas" in body and "<svg" in body
    assert "50,0%" in body  # one of the two steps that came due was on time
    csv = client.get(reverse("governance:accountability_csv")).content.decode("utf-8-sig")
    row = next(line for line in csv.splitlines() if line.startswith("PTSP Uji Akuntabilitas"))
    assert row.split(",")[3:8] == ["2", "1", "1", "1", "50"]
    org = client.get(reverse("governance:organisation", args=[ptsp.pk])).content.decode()
    assert "Langkah a" in org
    steps = client.get(reverse("governance:organisation_csv", args=[ptsp.pk])).content.decode("utf-8-sig")
    assert "Langkah a,uji.kasus,2,1,1,1,50" in steps


def test_an_organisation_sees_its_own_row_only(world: World) -> None:
    busy_ptsp(world)
    staff = as_user(world, "kecamatan")  # Cipayung secretariat: no region-wide analytics of Jakarta Timur
    body = staff.get(reverse("governance:accountability")).content.decode()
    assert world.cipayung.name in body and "PTSP Uji Akuntabilitas" in body  # within its kecamatan
    bank = as_user(world, "other_org")
    body = bank.get(reverse("governance:accountability")).content.decode()
    assert "PTSP Uji Akuntabilitas" not in body and world.cipayung.name not in body
    assert bank.get(reverse("governance:organisation", args=[world.other_bank.pk])).status_code == 200
    assert bank.get(reverse("governance:organisation", args=[world.cipayung.pk])).status_code == 403


def test_network_page_explains_the_classification(world: World) -> None:
    busy_ptsp(world)
    body = as_user(world, "permitted").get(reverse("governance:network")).content.decode()
    assert "<svg" in body and world.trainer.name in body
    # The lead agency leads the one agreement in force, and its units (the Cipayung secretariat) hold steps.
    assert t("Lead organisation") in body and world.dinas.name in body
    csv = as_user(world, "permitted").get(reverse("governance:network_csv")).content.decode("utf-8-sig")
    assert "PTSP Uji Akuntabilitas,Sekretariat Uji Cipayung" in csv
    nodes = as_user(world, "permitted").get(reverse("governance:network_csv"), {"table": "organisations"})
    assert "PTSP Uji Akuntabilitas" in nodes.content.decode("utf-8-sig")


def test_the_governance_report_is_a_pdf(world: World) -> None:
    busy_ptsp(world)
    response = as_user(world, "permitted").get(reverse("governance:report"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000


def test_report_html_holds_each_section(world: World) -> None:
    from kolabora.governance.exports import report_html
    from kolabora.governance.selectors.accountability import accountability
    from kolabora.governance.selectors.common import Scope
    from kolabora.governance.selectors.network import network
    from kolabora.governance.views.common import PageScope
    from kolabora.governance.views.dashboard import _grouped

    ptsp = busy_ptsp(world)
    scope = Scope(codes=("31.75",))
    from kolabora.governance.forms import ScopeForm

    ps = PageScope(scope, ScopeForm(regions=[]), "Jakarta Timur", "365")
    acc = accountability(scope)
    html = report_html(
        {
            "ps": ps,
            "groups": _grouped(indicators.compute_all(scope)),
            "net": network(scope),
            "network_svg": "",
            "acc": acc,
            "rows": acc.rows,
            "more_rows": 0,
            "performance_svg": "",
            "points": [],
            "results": None,
            "radar": "",
            "generated_at": None,
            "user": world.user("permitted"),
        }
    )
    assert ptsp.name in html and t("No assessment round has been closed yet.") in html


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name",
    ["governance:indicators", "governance:accountability", "governance:network", "governance:feedback_list"],
)
def test_dashboards_read_aggregates_whatever_the_volume(world: World, name: str) -> None:
    """The number of queries of a dashboard does not grow with organisations, steps or participants."""
    client = as_user(world, "permitted")
    busy_ptsp(world)
    first = _queries(client, reverse(name))
    for i in range(3):
        ptsp = make_org(f"PTSP Uji Tambahan {i}", "31.75.10.1002", OrganisationType.PTSP_UNIT)
        p = participant(kelurahan="31.75.10.1002")
        handoff(ptsp, received=ago(6), done=ago(5.9), participant=p, subject_id=100 + i, step="a")
        handoff(world.cipayung, received=ago(5), participant=p, subject_id=100 + i, step="b")
    assert _queries(client, reverse(name)) == first
    assert first <= 40, first
