"""Training pages, as the people who use them would notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kolabora.core.testing import World
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Agreement
from kolabora.training.choices import CourseStatus, EnrolmentStatus
from kolabora.training.models import Course, Enrolment, FollowUp, TrainingSession

from . import factories as f

pytestmark = pytest.mark.django_db


def _login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_a_participant_enrols_from_my_training_and_lands_on_the_waiting_list_when_full(
    world: World, client: Any
) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung, title="Kemasan Menarik"), capacity=1
    )
    f.enrol(session, f.participant(), actor=world.user("kecamatan"))
    client = _login(client, world.user("participant"))

    page = client.get(reverse("training:my_training"))
    assert "Kemasan Menarik" in page.content.decode()
    response = client.post(reverse("training:session_enrol", args=[session.pk]), follow=True)
    mine = Enrolment.objects.get(session=session, participant=world.participant)
    assert mine.status == EnrolmentStatus.WAITLISTED
    body = response.content.decode()
    assert "waiting list" in body and "number 1 in line" in body


def test_a_participant_cancels_and_the_seat_goes_to_the_next(world: World, client: Any) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=1
    )
    mine = f.enrol(session, world.participant)
    other = f.enrol(session, f.participant(), actor=world.user("kecamatan"))
    client = _login(client, world.user("participant"))
    response = client.post(reverse("training:enrolment_cancel", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("training:my_training")
    assert Enrolment.objects.get(pk=other.pk).status == EnrolmentStatus.ENROLLED


def test_the_attendance_code_page_records_attendance(world: World, client: Any) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung, title="Pembukuan Harian")
    )
    e = f.enrol(session, world.participant)
    f.move_session(session, f.today_early())
    client = _login(client, world.user("participant"))
    page = client.get(reverse("training:my_training")).content.decode()
    assert "You have a session today" in page

    wrong = client.post(reverse("training:attendance_code"), {"code": "12345"})
    assert wrong.status_code == 422 and "does not match" in wrong.content.decode()
    ok = client.post(reverse("training:attendance_code"), {"code": session.attendance_code}, follow=True)
    assert "Pembukuan Harian" in ok.content.decode()
    assert Enrolment.objects.get(pk=e.pk).status == EnrolmentStatus.ATTENDED


def test_the_partner_sees_consenting_names_and_a_count_of_the_others(world: World, client: Any) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.trainer))
    shared = f.consenting(account=True)
    f.enrol(session, shared)
    f.enrol(session, world.participant)
    f.move_session(session, f.today_early())

    body = (
        _login(client, world.user("no_consent"))
        .get(reverse("training:session_detail", args=[session.pk]))
        .content.decode()
    )
    assert shared.full_name in body
    assert world.participant.full_name not in body
    assert "1 more participant is enrolled but not shown to you" in body
    assert session.attendance_code[:3] in body

    client.force_login(world.user("kecamatan"))
    body = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert shared.full_name in body and world.participant.full_name in body
    assert "not shown" not in body


def test_the_kecamatan_ticks_the_attendance_list(world: World, client: Any) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    here = f.enrol(session, world.participant)
    away = f.enrol(session, f.participant(), actor=world.user("kecamatan"))
    f.move_session(session, f.today_early())
    client = _login(client, world.user("kecamatan"))
    response = client.post(
        reverse("training:attendance_record", args=[session.pk]),
        {"roster": [here.pk, away.pk], "present": [here.pk]},
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(pk=here.pk).status == EnrolmentStatus.ATTENDED
    assert Enrolment.objects.get(pk=away.pk).status == EnrolmentStatus.ABSENT
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "Follow-up due" in page


def test_staff_enrol_a_participant_by_nik(world: World, client: Any) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    client = _login(client, world.user("kecamatan"))
    response = client.post(
        reverse("training:session_enrol_other", args=[session.pk]),
        {"nik": world.participant.nik},
        follow=True,
    )
    assert Enrolment.objects.filter(session=session, participant=world.participant).exists()
    assert world.participant.full_name in response.content.decode()
    unknown = client.post(
        reverse("training:session_enrol_other", args=[session.pk]), {"nik": "3175100101990999"}, follow=True
    )
    assert "No participant you may see" in unknown.content.decode()


def test_a_secretariat_offers_a_course_adds_a_session_and_publishes(world: World, client: Any) -> None:
    client = _login(client, world.user("kecamatan"))
    listing = client.get(reverse("training:course_list")).content.decode()
    assert reverse("training:course_create", args=[world.cipayung.pk]) in listing
    response = client.post(
        reverse("training:course_create", args=[world.cipayung.pk]),
        {"title": "Jualan di WhatsApp", "topic": "whatsapp_social", "level": "1", "kind": "hard_skill",
         "track": "new_skilling", "follow_up_weeks": "4"},
    )  # fmt: skip
    course = Course.objects.get(title="Jualan di WhatsApp")
    assert response["Location"] == reverse("training:course_detail", args=[course.pk])
    day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    client.post(
        reverse("training:session_create", args=[course.pk]),
        {"day": day, "starts": "09:00", "ends": "12:00", "mode": "in_person", "region": "31.75.10",
         "place": "Kantor Kecamatan Cipayung", "capacity": "30", "trainer_name": "Bu Rina"},
    )  # fmt: skip
    session = TrainingSession.objects.get(course=course)
    assert timezone.localtime(session.starts_at).hour == 9
    client.post(reverse("training:course_publish", args=[course.pk]))
    assert Course.objects.get(pk=course.pk).status == CourseStatus.PUBLISHED


def test_a_session_form_with_a_missing_place_says_so(world: World, client: Any) -> None:
    course = f.CourseFactory.create(provider=world.cipayung)
    client = _login(client, world.user("kecamatan"))
    response = client.post(
        reverse("training:session_create", args=[course.pk]),
        {"day": "2030-01-02", "starts": "10:00", "ends": "09:00", "mode": "in_person", "region": "31.75.10",
         "capacity": "30", "trainer_name": "Bu Rina"},
    )  # fmt: skip
    assert response.status_code == 422
    body = response.content.decode()
    assert "end after it starts" in body


def test_a_partner_whose_agreement_ended_is_told_why(world: World, client: Any) -> None:
    Agreement.objects.filter(pk=world.training_agreement.pk).update(status=AgreementStatus.EXPIRED)
    client = _login(client, world.user("no_consent"))
    listing = client.get(reverse("training:course_list")).content.decode()
    assert "no agreement in force covering training" in listing
    response = client.post(
        reverse("training:course_create", args=[world.trainer.pk]),
        {
            "title": "X",
            "topic": "ecommerce",
            "level": "1",
            "kind": "hard_skill",
            "track": "upskilling",
            "follow_up_weeks": "4",
        },
    )
    assert response.status_code == 422 and not Course.objects.filter(title="X").exists()


def test_the_provider_and_the_programme_manager_see_the_application_rate(world: World, client: Any) -> None:
    fu = f.follow_up(world)
    client = _login(client, world.user("participant"))
    client.post(
        reverse("training:follow_up", args=[fu.pk]),
        {"applied": "1", "bookkeeping": "0", "selling_online": "1"},
    )
    assert FollowUp.objects.get(pk=fu.pk).applied is True
    course = fu.enrolment.session.course
    url = reverse("training:course_detail", args=[course.pk])
    for persona in ("kecamatan", "permitted"):
        client.force_login(world.user(persona))
        assert "100%" in client.get(url).content.decode()
    client.force_login(world.user("participant"))
    assert "Is it applied?" not in client.get(url).content.decode()


def test_the_course_list_costs_the_same_for_many_courses(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        f.TrainingSessionFactory.create(
            course=f.CourseFactory.create(provider=world.cipayung, title=f"Kursus {n}")
        )
    client = _login(client, world.user("kecamatan"))
    client.get(reverse("training:course_list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("training:course_list"))
    assert response.status_code == 200 and "Kursus 1" in response.content.decode()


def test_the_course_filter_answers_htmx_with_the_results_only(world: World, client: Any) -> None:
    f.CourseFactory.create(provider=world.cipayung, title="Kursus Kue Basah", level=2)
    f.CourseFactory.create(provider=world.cipayung, title="Kursus Batik", level=1)
    client = _login(client, world.user("participant"))
    response = client.get(reverse("training:course_list"), {"level": "2"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "Kursus Kue Basah" in body and "Kursus Batik" not in body
