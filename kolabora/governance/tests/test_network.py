"""The collaboration network: edges from agreements and consecutive hand-offs, and its classification as
self-governance, lead organisation or NAO (Provan & Kenis) with the reason."""

from __future__ import annotations

import pytest

from kolabora.core.testing import World, make_org
from kolabora.governance.choices import NetworkModel
from kolabora.governance.selectors.common import Scope
from kolabora.governance.selectors.network import Edge, Node, Services, classify, network
from kolabora.governance.svg import network_svg
from kolabora.organisations.choices import OrganisationType

from .factories import ago, handoff, participant


def nodes(*ids: int) -> dict[int, Node]:
    return {i: Node(i, f"Organisasi {i}", f"Org {i}", "company", "Company", "31") for i in ids}


def agreements(*pairs: tuple[int, int]) -> list[Edge]:
    return [Edge(a, b, "agreement", 1) for a, b in pairs]


NONE = Services(0, 0, 0, 0, 0)
SOME = Services(handoffs=12, courses=2, mentoring=0, relationships=0, units=3)


def test_no_agreement_and_no_work_is_not_enough_data() -> None:
    c = classify([], [], nodes(1), lambda pk: NONE)
    assert c.model == NetworkModel.UNKNOWN and c.reason


def test_a_coordinator_that_also_serves_is_a_lead_organisation() -> None:
    c = classify(agreements((1, 2), (1, 3), (1, 4), (5, 6)), [], nodes(1, 2, 3, 4, 5, 6), lambda pk: SOME)
    assert c.model == NetworkModel.LEAD_ORGANISATION
    assert c.coordinator is not None and c.coordinator.id == 1
    assert (c.led, c.agreements, c.coordination_share) == (3, 4, 75.0)
    assert "Organisasi 1" in c.reason and "12" in c.reason and "75" in c.reason


def test_a_coordinator_that_serves_nobody_is_an_nao() -> None:
    asked: list[int] = []

    def services(pk: int) -> Services:
        asked.append(pk)
        return NONE

    c = classify(agreements((1, 2), (1, 3), (1, 4)), [Edge(2, 3, "handoff", 9)], nodes(1, 2, 3, 4), services)
    assert c.model == NetworkModel.NAO
    assert asked == [1]
    assert "NAO" in c.reason


def test_without_a_coordinator_a_hub_of_the_work_leads() -> None:
    work = [Edge(1, 2, "handoff", 10), Edge(1, 3, "handoff", 10), Edge(4, 5, "handoff", 2)]
    c = classify(agreements((6, 1), (7, 2), (8, 3)), work, nodes(*range(1, 9)), lambda pk: SOME)
    assert c.model == NetworkModel.LEAD_ORGANISATION
    assert c.hub is not None and c.hub.id == 1
    assert c.hub_share == pytest.approx(90.9)


def test_spread_ties_are_self_governance() -> None:
    work = [Edge(1, 2, "handoff", 3), Edge(3, 4, "handoff", 3), Edge(5, 6, "handoff", 3)]
    c = classify(agreements((1, 2), (3, 4), (5, 6)), work, nodes(*range(1, 7)), lambda pk: SOME)
    assert c.model == NetworkModel.SELF_GOVERNANCE
    assert "33" in c.reason


def test_ended_agreements_do_not_make_a_coordinator() -> None:
    lapsed = [Edge(1, n, "agreement", 1, in_force=False) for n in (2, 3, 4)]
    c = classify(lapsed + agreements((5, 6)), [], nodes(*range(1, 7)), lambda pk: NONE)
    assert c.coordinator is not None and c.coordinator.id == 5


@pytest.mark.django_db
def test_consecutive_steps_held_by_different_organisations_make_an_edge(world: World) -> None:
    ptsp = make_org("PTSP Uji Jaringan", "31.75.10.1001", OrganisationType.PTSP_UNIT)
    kel = make_org("Kelurahan Uji Jaringan", "31.75.10.1001", OrganisationType.KELURAHAN_OFFICE)
    p = participant(kelurahan="31.75.10.1001")
    for case in (1, 2):
        handoff(ptsp, received=ago(9), done=ago(8.9), subject_id=case, step="a", participant=p)
        handoff(kel, received=ago(8), done=ago(7.9), subject_id=case, step="b", participant=p)
        handoff(ptsp, received=ago(7), subject_id=case, step="c", participant=p)
    # Feedback is not work passed between organisations.
    handoff(kel, received=ago(1), subject_type="governance.feedback", subject_id=1, participant=p)
    net = network(Scope(codes=("31.75",)))
    work = {(e.source, e.target): e.weight for e in net.work_edges}
    assert work == {(ptsp.pk, kel.pk): 2, (kel.pk, ptsp.pk): 2}
    assert net.by_id[ptsp.pk].received == 4 and net.by_id[kel.pk].received == 2
    # The world's agreements over Jakarta Timur: the training company's in force (the draft is not an edge).
    assert [(e.source, e.target, e.in_force) for e in net.agreement_edges] == [
        (world.dinas.pk, world.trainer.pk, True)
    ]
    assert network(Scope(codes=("31.74",))).work_edges == []
    svg = network_svg(net, title="Jaringan uji")
    assert svg.startswith("<svg") and "PTSP Uji Jaringan" in svg and svg.count("<path") == 2
