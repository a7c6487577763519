"""The training API: what partner systems read and write, in the project's error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from kolabora.core.testing import World
from kolabora.training.choices import EnrolmentStatus
from kolabora.training.models import Enrolment

from . import factories as f

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_courses_list_the_published_and_results_only_for_the_provider(world: World) -> None:
    course = f.CourseFactory.create(provider=world.cipayung, title="Bazar Online")
    f.CourseFactory.create(provider=world.cipayung, title="Draf Rahasia", status="draft")
    as_participant = world.client("participant").get(reverse("api:list_courses")).json()
    titles = [c["title"] for c in as_participant["results"]]
    assert "Bazar Online" in titles and "Draf Rahasia" not in titles
    assert all(c["results"] is None for c in as_participant["results"])
    mine = world.client("kecamatan").get(reverse("api:get_course", args=[course.pk])).json()
    assert mine["results"] == {
        "follow_ups_answered": 0, "application_rate": None, "bookkeeping_rate": None, "selling_online_rate": None,
    }  # fmt: skip


def test_a_session_counts_the_participants_the_partner_may_not_see(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.trainer))
    shared = f.consenting(account=True)
    f.enrol(session, shared)
    f.enrol(session, world.participant)
    body = world.client("no_consent").get(reverse("api:get_training_session", args=[session.pk])).json()
    assert [e["participant_name"] for e in body["enrolments"]] == [shared.full_name]
    assert body["not_shown"] == {"enrolled": 1}
    assert body["seats_taken"] == 2 and body["attendance_code"] == session.attendance_code

    own = world.client("participant").get(reverse("api:get_training_session", args=[session.pk])).json()
    assert [e["participant_id"] for e in own["enrolments"]] == [world.participant.pk]
    assert own["attendance_code"] is None and own["not_shown"] == {}


def test_enrol_cancel_and_attendance_through_the_api(world: World) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=1
    )
    kecamatan = world.client("kecamatan")
    first = f.participant()
    seat = _post(
        kecamatan, reverse("api:enrol_in_training_session", args=[session.pk]), {"participant_id": first.pk}
    )
    assert seat.status_code == 201 and seat.json()["status"] == "enrolled"
    line = _post(
        kecamatan,
        reverse("api:enrol_in_training_session", args=[session.pk]),
        {"participant_id": world.participant.pk},
    )
    assert line.json()["status"] == "waitlisted" and line.json()["waiting_position"] == 1
    again = _post(
        kecamatan, reverse("api:enrol_in_training_session", args=[session.pk]), {"participant_id": first.pk}
    )
    assert (
        again.status_code == 422
        and again.json()["errors"][0]["message"] == "Already enrolled in this session."
    )

    cancel = _post(
        kecamatan, reverse("api:cancel_training_enrolment", args=[session.pk, seat.json()["id"]]), {}
    )
    assert cancel.json()["status"] == "cancelled"
    assert Enrolment.objects.get(pk=line.json()["id"]).status == EnrolmentStatus.ENROLLED

    early = _post(
        kecamatan,
        reverse("api:record_training_attendance", args=[session.pk]),
        {"present": [line.json()["id"]]},
    )
    assert early.status_code == 422 and "day of the session" in early.json()["errors"][0]["message"]
    f.move_session(session, f.today_early())
    done = _post(
        kecamatan,
        reverse("api:record_training_attendance", args=[session.pk]),
        {"present": [line.json()["id"]]},
    )
    assert done.status_code == 200
    assert [e["status"] for e in done.json()["enrolments"]] == ["attended"]
    both = _post(
        kecamatan,
        reverse("api:record_training_attendance", args=[session.pk]),
        {"present": [line.json()["id"]], "absent": [line.json()["id"]]},
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "present"


def test_sessions_list_filters_by_course_and_region(world: World) -> None:
    course = f.CourseFactory.create(provider=world.cipayung)
    here = f.TrainingSessionFactory.create(course=course)
    f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    body = (
        world.client("participant")
        .get(reverse("api:list_training_sessions"), {"course_id": course.pk})
        .json()
    )
    assert [s["id"] for s in body["results"]] == [here.pk]
    assert body["results"][0]["seats_taken"] == 0
    elsewhere = (
        world.client("participant").get(reverse("api:list_training_sessions"), {"region": "31.74"}).json()
    )
    assert elsewhere["count"] == 0
