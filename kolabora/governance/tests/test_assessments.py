"""Assessment rounds: created and opened by the programme manager, answered once by each invited member,
results per dimension and region (withheld below three respondents)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_member
from kolabora.governance import services
from kolabora.governance.choices import RoundStatus
from kolabora.governance.models import AssessmentRound, Framework, Invitation, Item, Response
from kolabora.governance.selectors.assessments import round_results
from kolabora.notifications.models import Notification
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Membership
from kolabora.regions.models import Region

pytestmark = pytest.mark.django_db


def t(msgid: str, **values: Any) -> str:
    with translation.override("id"):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)


def create(world: World, **extra: Any) -> AssessmentRound:
    data: dict[str, Any] = {
        "actor": world.user("permitted"),
        "framework": Framework.objects.get(code="deseve"),
        "title": "Penilaian uji",
        "region": Region.objects.get(code="31.75"),
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 6, 30),
        "closes_on": timezone.localdate() + dt.timedelta(days=10),
        "organisations": [world.cipayung, world.sudin_jaktim],
    }
    data.update(extra)
    return services.round_create(**data)


def scores(rnd: AssessmentRound, value: int | dict[str, int] = 4) -> dict[int, int]:
    items = services.framework_items(rnd.framework)
    if isinstance(value, int):
        return {i.pk: value for i in items}
    return {i.pk: value.get(i.dimension.code, 3) for i in items}


def test_only_an_assessment_manager_over_the_region_creates_a_round(world: World) -> None:
    with pytest.raises(PermissionDenied):
        create(world, actor=world.user("kecamatan"))
    with pytest.raises(PermissionDenied):
        create(world, actor=world.user("out_of_region"))
    with pytest.raises(ValidationError) as exc:
        create(world, closes_on=timezone.localdate() - dt.timedelta(days=1), organisations=[])
    assert set(exc.value.message_dict) == {"closes_on", "organisations"}
    rnd = create(world)
    assert rnd.status == RoundStatus.DRAFT
    assert (
        AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_ROUND_CREATED, object_id=str(rnd.pk)).count()
        == 1
    )


def test_opening_invites_each_member_once_and_notifies_them(world: World) -> None:
    # The coordinator also works for the Cipayung secretariat: one invitation, one notification.
    Membership.objects.create(
        user=world.user("permitted"), organisation=world.cipayung, role=Role.KECAMATAN_STAFF
    )
    mentor = make_member("pendamping.uji", world.cipayung, Role.MENTOR)
    rnd = services.round_open(round=create(world), actor=world.user("permitted"))
    assert rnd.status == RoundStatus.OPEN and rnd.invited_count == 3
    invited = set(Invitation.objects.filter(round=rnd).values_list("user__username", flat=True))
    assert invited == {"pengelola.jaktim", "kecamatan.uji", "pendamping.uji"}
    link = reverse("governance:round_respond", args=[rnd.pk])
    assert Notification.objects.filter(link=link, recipient=mentor).count() == 1
    assert Notification.objects.filter(link=link).count() == 3
    with pytest.raises(ValidationError):
        services.round_open(round=rnd, actor=world.user("permitted"))


def test_one_response_per_member_with_every_statement_answered(world: World) -> None:
    rnd = services.round_open(round=create(world), actor=world.user("permitted"))
    member = world.user("kecamatan")
    with pytest.raises(PermissionDenied):
        services.response_submit(round=rnd, actor=world.user("other_org"), scores=scores(rnd))
    incomplete = scores(rnd)
    incomplete.pop(next(iter(incomplete)))
    with pytest.raises(ValidationError) as exc:
        services.response_submit(round=rnd, actor=member, scores=incomplete)
    assert "scores" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.response_submit(round=rnd, actor=member, scores={**scores(rnd), next(iter(scores(rnd))): 6})
    assert Response.objects.count() == 0
    services.response_submit(round=rnd, actor=member, scores=scores(rnd))
    with pytest.raises(ValidationError):
        services.response_submit(round=rnd, actor=member, scores=scores(rnd))
    rnd.refresh_from_db()
    assert (rnd.responses_count, rnd.response_rate) == (1, 50)
    assert Invitation.objects.get(round=rnd, user=member).responded_at is not None


def test_a_closed_round_takes_no_answers(world: World) -> None:
    rnd = services.round_open(round=create(world), actor=world.user("permitted"))
    services.round_close(round=rnd, actor=world.user("permitted"))
    with pytest.raises(ValidationError):
        services.response_submit(round=rnd, actor=world.user("kecamatan"), scores=scores(rnd))
    with pytest.raises(ValidationError):
        services.round_close(round=rnd, actor=world.user("permitted"))


def test_results_per_dimension_are_withheld_below_three_respondents(world: World) -> None:
    extra = [make_member(f"staf.cipayung.{i}", world.cipayung, Role.KECAMATAN_STAFF) for i in range(2)]
    rnd = services.round_open(round=create(world), actor=world.user("permitted"))
    services.response_submit(
        round=rnd, actor=world.user("kecamatan"), scores=scores(rnd, {"trust": 2, "boundary": 5})
    )
    services.response_submit(round=rnd, actor=extra[0], scores=scores(rnd, {"trust": 3, "boundary": 4}))
    assert not round_results(rnd).shown
    assert all(d.mean is None for d in round_results(rnd).dimensions)
    services.response_submit(round=rnd, actor=extra[1], scores=scores(rnd, {"trust": 4, "rules": 1}))
    results = round_results(rnd)
    assert results.shown and results.respondents == 3 and results.invited == 4 and results.response_rate == 75
    by_code = {d.code: d for d in results.dimensions}
    assert by_code["trust"].mean == 3.0  # (2 + 3 + 4) / 3 over 3 statements each
    assert by_code["trust"].answers == 9
    governance = by_code["governance"]
    parts = {p.code: p.mean for p in governance.parts}
    assert parts["boundary"] == pytest.approx((5 + 4 + 3) / 3, abs=0.01)
    assert parts["rules"] == pytest.approx((3 + 3 + 1) / 3, abs=0.01)
    assert governance.answers == 12  # four parts, one statement each, three people
    # By region: all respondents work for Jakarta Timur organisations.
    assert [(r.code, r.respondents, r.shown) for r in results.regions] == [("31.75", 3, True)]


def test_a_reader_of_part_of_the_region_sees_only_that_part(world: World) -> None:
    from kolabora.core import access

    province = make_member("pengelola.dki", world.dinas, Role.PROGRAMME_MANAGER)
    rnd = create(
        world,
        actor=province,
        region=Region.objects.get(code="31"),
        organisations=[world.cipayung, world.sudin_jaksel],
    )
    assert access.assessment_result_codes(province, rnd.region_id) is None
    assert access.assessment_result_codes(world.user("permitted"), "31") == ["31.75"]
    assert access.assessment_result_codes(world.user("out_of_region"), "31") == ["31.74"]
    assert access.assessment_result_codes(world.user("other_org"), "31") == []


def test_answering_in_the_browser(world: World) -> None:
    rnd = services.round_open(round=create(world), actor=world.user("permitted"))
    client = Client()
    client.force_login(world.user("kecamatan"))
    url = reverse("governance:round_respond", args=[rnd.pk])
    page = client.get(url)
    assert page.status_code == 200
    first = (
        Item.objects.filter(dimension__framework__code="deseve").order_by("dimension__order", "order").first()
    )
    assert first is not None and escape(first.label) in page.content.decode()
    partial = client.post(url, {f"item_{first.pk}": "4"})
    assert partial.status_code == 422
    assert t("Choose how much you agree with this statement.") in partial.content.decode()
    data = {f"item_{pk}": str(v) for pk, v in scores(rnd, 5).items()}
    done = client.post(url, {**data, "comment": "Koordinasi sudah baik."})
    assert done.status_code == 302
    assert Response.objects.get(round=rnd).comment == "Koordinasi sudah baik."
    again = client.get(url).content.decode()
    assert t("Thank you: your answers are saved.") in again
    assert client.post(url, data).status_code == 302
    assert Response.objects.filter(round=rnd).count() == 1


def test_results_page_and_csv(world: World) -> None:
    extra = [make_member(f"staf.cipayung.{i}", world.cipayung, Role.KECAMATAN_STAFF) for i in range(2)]
    rnd = services.round_open(round=create(world), actor=world.user("permitted"))
    for user in [world.user("kecamatan"), *extra]:
        services.response_submit(round=rnd, actor=user, scores=scores(rnd, 4))
    client = Client()
    client.force_login(world.user("permitted"))
    page = client.get(reverse("governance:round_results", args=[rnd.pk])).content.decode()
    assert "<svg" in page and "4,00" in page
    csv = client.get(reverse("governance:round_results_csv", args=[rnd.pk])).content.decode("utf-8-sig")
    trust = Framework.objects.get(code="deseve").dimensions.get(code="trust").label
    assert f"{trust},,4.0,9," in csv
    rates = client.get(reverse("governance:round_results_csv", args=[rnd.pk]), {"table": "rates"})
    assert f"{world.cipayung.name},3,3,100" in rates.content.decode("utf-8-sig")
    regions = client.get(reverse("governance:round_results_csv", args=[rnd.pk]), {"table": "regions"})
    assert (
        regions.content.decode("utf-8-sig")
        .splitlines()[1]
        .startswith("Kota Administrasi Jakarta Timur,3,4.0")
    )
