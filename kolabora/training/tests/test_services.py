"""Training services: seats and the waiting list, attendance, the pathway, agreements, consent, follow-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_member, make_org
from kolabora.notifications.models import Notification
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement
from kolabora.participants.models import Relationship
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import programme_default
from kolabora.regions.models import Region
from kolabora.training import selectors, services
from kolabora.training.choices import AttendanceMethod, CourseStatus, EnrolmentStatus
from kolabora.training.models import Course, Enrolment, FollowUp
from kolabora.training.tasks import remind_follow_ups, remind_tomorrows_sessions

from . import factories as f

pytestmark = pytest.mark.django_db


def _p2(p: Any) -> ParticipantStage:
    return ParticipantStage.objects.get(participant=p, code="P2")


def _audits(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- seats and the waiting list -------------------------------------------------------------------


def test_a_full_session_waitlists_and_a_cancellation_moves_the_first_in_line_up(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=2
    )
    a, b, c, d = (f.participant(account=True) for _ in range(4))
    ea, eb, ec, ed = (f.enrol(session, p) for p in (a, b, c, d))
    assert [e.status for e in (ea, eb, ec, ed)] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment=ea, actor=f.account(a))

    ec.refresh_from_db()
    ed.refresh_from_db()
    assert ec.status == EnrolmentStatus.ENROLLED and ec.promoted_at is not None
    assert ed.status == EnrolmentStatus.WAITLISTED
    assert Enrolment.objects.filter(session=session, status__in=["enrolled"]).count() == 2
    promoted = AuditEvent.objects.get(action=AuditAction.WAITLIST_PROMOTED)
    assert promoted.actor is None and promoted.object_id == str(ec.pk)
    # The promoted participant is told (after the commit).
    assert Notification.objects.filter(recipient=c.user, kind="training_seat").exists()
    roster = selectors.roster_get(session=session, user=world.user("kecamatan"))
    assert [r.enrolment.pk for r in roster.waiting] == [ed.pk] and roster.waiting[0].position == 1


def test_capacity_is_never_exceeded(world: World) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=3
    )
    for _ in range(6):
        f.enrol(session, f.participant(), actor=world.user("kecamatan"))
    assert Enrolment.objects.filter(session=session, status="enrolled").count() == 3
    assert Enrolment.objects.filter(session=session, status="waitlisted").count() == 3


def test_leaving_the_waiting_list_moves_nobody(world: World) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=1
    )
    first, second, third = (f.participant(account=True) for _ in range(3))
    f.enrol(session, first)
    waiting = f.enrol(session, second)
    last = f.enrol(session, third)
    services.enrolment_cancel(enrolment=waiting, actor=f.account(second))
    last.refresh_from_db()
    assert last.status == EnrolmentStatus.WAITLISTED
    assert _audits(AuditAction.WAITLIST_PROMOTED) == 0


def test_more_seats_move_the_waiting_list_up(world: World) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=1
    )
    people = [f.participant() for _ in range(3)]
    rows = [f.enrol(session, p, actor=world.user("kecamatan")) for p in people]
    fields = {
        k: getattr(session, k) for k in ("starts_at", "ends_at", "trainer_name", "region", "mode", "place")
    }
    services.session_update(session=session, actor=world.user("kecamatan"), capacity=2, **fields)
    assert [Enrolment.objects.get(pk=e.pk).status for e in rows] == ["enrolled", "enrolled", "waitlisted"]
    with pytest.raises(ValidationError):
        services.session_update(session=session, actor=world.user("kecamatan"), capacity=1, **fields)


def test_enrolment_rules(world: World) -> None:
    course = f.CourseFactory.create(provider=world.cipayung)
    session = f.TrainingSessionFactory.create(course=course)
    p = f.participant(account=True)
    e = f.enrol(session, p)
    with pytest.raises(ValidationError, match="Already enrolled"):
        f.enrol(session, p)
    services.enrolment_cancel(enrolment=e, actor=f.account(p))
    assert f.enrol(session, p).status == EnrolmentStatus.ENROLLED  # again, after cancelling
    draft = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung, status=CourseStatus.DRAFT)
    )
    with pytest.raises(ValidationError, match="not open"):
        f.enrol(draft, p)
    started = f.move_session(
        f.TrainingSessionFactory.create(course=course), timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="started"):
        f.enrol(started, p)


def test_training_waits_for_registration_to_complete(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    p = f.participant()
    ParticipantStage.objects.filter(participant=p, code="P1").update(status="in_progress")
    with pytest.raises(ValidationError, match="P1"):
        f.enrol(session, p, actor=world.user("kecamatan"))


def test_cancelling_is_closed_once_the_session_starts(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    p = f.participant(account=True)
    e = f.enrol(session, p)
    f.move_session(session, timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(ValidationError, match="started"):
        services.enrolment_cancel(enrolment=e, actor=f.account(p))


def test_enrolment_opens_a_training_relationship_and_cancelling_ends_it(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.trainer))
    p = f.consenting(account=True)
    e = f.enrol(session, p)
    rel = Relationship.objects.get(participant=p, organisation=world.trainer, source=f"enrolment:{e.pk}")
    assert rel.kind == "training" and rel.ended_at is None
    services.enrolment_cancel(enrolment=e, actor=f.account(p))
    rel.refresh_from_db()
    assert rel.ended_at is not None


def test_a_partner_enrols_or_cancels_only_participants_it_may_see(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.trainer))
    partner = world.user("no_consent")
    with pytest.raises(PermissionDenied):
        f.enrol(session, f.participant(), actor=partner)
    e = f.enrol(session, world.participant)
    with pytest.raises(PermissionDenied):
        services.enrolment_cancel(enrolment=e, actor=partner)


# --- attendance -----------------------------------------------------------------------------------


def test_the_attendance_code_works_on_the_session_day_only(world: World) -> None:
    p = f.participant(account=True)
    today = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    e = f.enrol(today, p)
    f.move_session(today, f.today_early())
    yesterday = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    old = f.enrol(yesterday, p)
    f.move_session(yesterday, f.today_early() - dt.timedelta(days=1))

    with pytest.raises(ValidationError):
        services.attendance_check_in(participant=p, code=yesterday.attendance_code, actor=f.account(p))
    code = f"{today.attendance_code[:3]} {today.attendance_code[3:]}"  # typed with a space
    done = services.attendance_check_in(participant=p, code=code, actor=f.account(p))
    assert done.pk == e.pk and done.status == EnrolmentStatus.ATTENDED
    assert done.attendance_method == AttendanceMethod.CODE
    # Typing it again changes nothing.
    services.attendance_check_in(participant=p, code=today.attendance_code, actor=f.account(p))
    assert _audits(AuditAction.ATTENDANCE_RECORDED) == 1
    old.refresh_from_db()
    assert old.status == EnrolmentStatus.ENROLLED


def test_only_the_participant_types_their_code_and_wrong_codes_run_out(world: World) -> None:
    p = f.participant(account=True)
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    f.enrol(session, p)
    f.move_session(session, f.today_early())
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(
            participant=p, code=session.attendance_code, actor=world.user("kecamatan")
        )
    wrong = "000000" if session.attendance_code != "000000" else "111111"
    for _ in range(services.CODE_ATTEMPTS):
        with pytest.raises(ValidationError, match="does not match"):
            services.attendance_check_in(participant=p, code=wrong, actor=f.account(p))
    with pytest.raises(ValidationError, match="Too many"):
        services.attendance_check_in(participant=p, code=session.attendance_code, actor=f.account(p))


def test_the_waiting_list_cannot_check_in(world: World) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=1
    )
    f.enrol(session, f.participant(), actor=world.user("kecamatan"))
    p = f.participant(account=True)
    f.enrol(session, p)
    f.move_session(session, f.today_early())
    with pytest.raises(ValidationError, match="waiting list"):
        services.attendance_check_in(participant=p, code=session.attendance_code, actor=f.account(p))


def test_attendance_is_taken_from_the_session_day(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung))
    e = f.enrol(session, f.participant(), actor=world.user("kecamatan"))
    with pytest.raises(ValidationError, match="day of the session"):
        services.attendance_record(
            session=session, actor=world.user("kecamatan"), roster=[e.pk], present=[e.pk]
        )


def test_the_partner_records_consenting_participants_and_the_kecamatan_the_others(world: World) -> None:
    session = f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.trainer))
    shared = f.enrol(session, f.consenting(account=True))
    private = f.enrol(session, world.participant)  # no consent to training partners
    f.move_session(session, f.today_early())
    partner = world.user("no_consent")

    with pytest.raises(PermissionDenied):
        services.attendance_record(session=session, actor=partner, roster=[private.pk], present=[private.pk])
    changed = services.attendance_record(
        session=session, actor=partner, roster=[shared.pk], present=[shared.pk]
    )
    assert [e.pk for e in changed] == [shared.pk]
    services.attendance_record(
        session=session, actor=world.user("kecamatan"), roster=[private.pk], present=[private.pk]
    )
    assert Enrolment.objects.get(pk=private.pk).status == EnrolmentStatus.ATTENDED


def test_consent_hides_names_from_the_partner_but_not_from_the_kecamatan(world: World) -> None:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.trainer), capacity=2
    )
    shared = f.consenting(account=True)
    f.enrol(session, shared)
    f.enrol(session, world.participant)
    f.enrol(session, f.participant(), actor=world.user("kecamatan"))  # waiting, no consent either

    partner = selectors.roster_get(session=session, user=world.user("no_consent"))
    assert [r.enrolment.participant_id for r in partner.seated] == [shared.pk]
    assert partner.hidden == {"enrolled": 1, "waitlisted": 1}
    assert partner.taken == 2 and partner.waitlisted == 1

    kecamatan = selectors.roster_get(session=session, user=world.user("kecamatan"))
    assert len(kecamatan.seated) == 2 and len(kecamatan.waiting) == 1 and kecamatan.hidden == {}


# --- the pathway ----------------------------------------------------------------------------------


def _attend(world: World, level: int, p: Any) -> Enrolment:
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung, level=level)
    )
    e = f.enrol(session, p, actor=world.user("kecamatan"))
    f.move_session(session, f.today_early())
    services.attendance_record(session=session, actor=world.user("kecamatan"), roster=[e.pk], present=[e.pk])
    return e


def test_finishing_t1_completes_p2_when_the_programme_requires_t1(world: World) -> None:
    p = f.participant()
    _attend(world, 1, p)
    row = _p2(p)
    assert (row.status, row.level) == ("completed", 1)
    event = AuditEvent.objects.filter(action=AuditAction.P2_CHANGED, object_id=str(p.pk)).latest("id")
    assert event.actor is None and "Attended" in event.reason


def test_levels_move_p2_through_the_engine_and_never_go_down(world: World) -> None:
    programme = programme_default()
    programme.required_training_level = 2
    programme.save()
    p = f.participant()

    _attend(world, 1, p)
    assert (_p2(p).status, _p2(p).level) == ("in_progress", 1)
    _attend(world, 2, p)
    assert (_p2(p).status, _p2(p).level) == ("completed", 2)
    _attend(world, 1, p)  # a refresher: nothing goes down, nothing fails
    assert (_p2(p).status, _p2(p).level) == ("completed", 2)
    _attend(world, 3, p)
    assert (_p2(p).status, _p2(p).level) == ("completed", 3)
    assert AuditEvent.objects.filter(action=AuditAction.P2_CHANGED, object_id=str(p.pk)).count() == 3


def test_marking_absent_after_present_removes_the_unanswered_follow_up(world: World) -> None:
    p = f.participant()
    e = _attend(world, 1, p)
    assert FollowUp.objects.filter(enrolment=e).exists()
    services.attendance_record(session=e.session, actor=world.user("kecamatan"), roster=[e.pk], present=[])
    assert Enrolment.objects.get(pk=e.pk).status == EnrolmentStatus.ABSENT
    assert not FollowUp.objects.filter(enrolment=e).exists()
    assert _p2(p).status == "completed"  # the pathway keeps what it recorded


# --- offering courses -----------------------------------------------------------------------------


def _course_fields() -> dict[str, Any]:
    return {
        "title": "Pemasaran Digital",
        "kind": "hard_skill",
        "track": "upskilling",
        "level": 1,
        "topic": "ecommerce",
    }


def test_a_partner_without_an_agreement_in_force_cannot_create_or_publish(world: World) -> None:
    partner = world.user("no_consent")
    course = services.course_create(provider=world.trainer, actor=partner, **_course_fields())
    Agreement.objects.filter(pk=world.training_agreement.pk).update(status=AgreementStatus.TERMINATED)
    with pytest.raises(ValidationError, match="no agreement in force"):
        services.course_publish(course=course, actor=partner)
    with pytest.raises(ValidationError, match="no agreement in force"):
        services.course_create(provider=world.trainer, actor=partner, **_course_fields())
    assert Course.objects.get(pk=course.pk).status == CourseStatus.DRAFT


def test_an_agreement_for_another_stage_does_not_let_a_partner_offer_training(world: World) -> None:
    market = make_org("Pasar Uji", "31.75", OrganisationType.COMPANY)
    staff = make_member("pasar.uji", market, Role.PARTNER_STAFF)
    Agreement.objects.create(
        number="PKS/UJI/P5", title="Pemasaran", lead=world.dinas, partner=market, stages=["P5"],
        region_id="31.75", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2099, 1, 1), status=AgreementStatus.ACTIVE,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="no agreement in force"):
        services.course_create(provider=market, actor=staff, **_course_fields())


def test_a_partner_publishes_under_its_agreement_and_a_secretariat_in_its_region(world: World) -> None:
    course = services.course_create(
        provider=world.trainer, actor=world.user("no_consent"), **_course_fields()
    )
    services.course_publish(course=course, actor=world.user("no_consent"))
    assert Course.objects.get(pk=course.pk).status == CourseStatus.PUBLISHED
    own = services.course_create(provider=world.cipayung, actor=world.user("kecamatan"), **_course_fields())
    services.course_publish(course=own, actor=world.user("kecamatan"))
    with pytest.raises(ValidationError, match="already published"):
        services.course_publish(course=own, actor=world.user("kecamatan"))
    with pytest.raises(PermissionDenied):
        services.course_create(provider=world.cipayung, actor=world.user("no_consent"), **_course_fields())
    assert _audits(AuditAction.COURSE_CREATED) == 2 and _audits(AuditAction.COURSE_PUBLISHED) == 2


def test_sessions_take_place_where_the_provider_serves(world: World) -> None:
    region = world.cipayung.region
    course = f.CourseFactory.create(provider=world.cipayung)
    start = timezone.now() + dt.timedelta(days=7)
    fields: dict[str, Any] = {
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "capacity": 10,
        "trainer_name": "Bu Ani",
    }
    with pytest.raises(ValidationError) as refused:
        services.session_create(
            course=course,
            actor=world.user("kecamatan"),
            region=Region.objects.get(code="31.74.10"),
            place="Aula",
            **fields,
        )
    assert "region" in refused.value.message_dict
    with pytest.raises(ValidationError) as no_place:
        services.session_create(course=course, actor=world.user("kecamatan"), region=region, **fields)
    assert "place" in no_place.value.message_dict
    s = services.session_create(
        course=course, actor=world.user("kecamatan"), region=region, place="Aula", **fields
    )
    assert len(s.attendance_code) == 6 and s.attendance_code.isdigit()
    online = services.session_create(
        course=course,
        actor=world.user("kecamatan"),
        region=region,
        mode="online",
        online_link="https://meet.example/x",
        **fields,
    )
    assert online.where
    # The partner's agreement covers Jakarta Timur only.
    partner_course = f.CourseFactory.create(provider=world.trainer)
    with pytest.raises(ValidationError):
        services.session_create(
            course=partner_course,
            actor=world.user("no_consent"),
            region=Region.objects.get(code="31.74.10"),
            place="Aula",
            **fields,
        )


# --- follow-up ------------------------------------------------------------------------------------


def test_follow_up_opens_after_the_set_weeks_and_feeds_the_application_rate(world: World) -> None:
    p = f.participant(account=True)
    e = _attend(world, 1, p)
    fu = FollowUp.objects.get(enrolment=e)
    assert fu.due_on == timezone.localdate() + dt.timedelta(weeks=4)
    with pytest.raises(ValidationError, match="open on"):
        services.follow_up_answer(
            follow_up=fu, actor=f.account(p), applied=True, bookkeeping=False, selling_online=True
        )
    later = timezone.now() + dt.timedelta(weeks=4, days=1)
    services.follow_up_answer(
        follow_up=fu, actor=f.account(p), applied=True, bookkeeping=False, selling_online=True, now=later
    )
    with pytest.raises(ValidationError, match="already"):
        services.follow_up_answer(
            follow_up=fu,
            actor=f.account(p),
            applied=False,
            bookkeeping=False,
            selling_online=False,
            now=later,
        )
    course = Course.objects.get(pk=e.session.course_id)
    assert (
        course.follow_ups_answered,
        course.application_rate,
        course.rate(course.follow_ups_bookkeeping),
    ) == (1, 100, 0)


def test_a_mentor_of_the_area_may_answer_but_a_partner_may_not(world: World) -> None:
    p = f.consenting()
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.trainer, follow_up_weeks=1)
    )
    e = f.enrol(session, p, actor=world.user("kecamatan"))
    f.move_session(session, timezone.now() - dt.timedelta(weeks=2))
    services.attendance_record(session=session, actor=world.user("no_consent"), roster=[e.pk], present=[e.pk])
    fu = FollowUp.objects.get(enrolment=e)
    with pytest.raises(PermissionDenied):
        services.follow_up_answer(
            follow_up=fu,
            actor=world.user("no_consent"),
            applied=True,
            bookkeeping=True,
            selling_online=True,
        )
    mentor = make_member("pendamping.uji", world.cipayung, Role.MENTOR)
    services.follow_up_answer(
        follow_up=fu, actor=mentor, applied=False, bookkeeping=True, selling_online=False
    )
    assert FollowUp.objects.get(pk=fu.pk).answered_by == mentor


# --- reminders ------------------------------------------------------------------------------------


def test_the_day_before_enrolled_participants_with_an_account_are_reminded_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    tomorrow = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    session = f.move_session(
        f.TrainingSessionFactory.create(course=f.CourseFactory.create(provider=world.cipayung), capacity=1),
        tomorrow,
    )
    seated, waiting = f.participant(account=True), f.participant(account=True)
    f.enrol(session, seated)
    f.enrol(session, waiting)
    f.enrol(
        f.TrainingSessionFactory.create(course=session.course), f.participant(account=True)
    )  # in three days

    assert selectors.sessions_to_remind() == [session.pk]
    with django_capture_on_commit_callbacks(execute=True):
        remind_tomorrows_sessions.enqueue()
    assert list(
        Notification.objects.filter(kind="training_reminder").values_list("recipient", flat=True)
    ) == [seated.user_id]
    assert services.session_remind(session=session) == 0
    assert selectors.sessions_to_remind() == []


def test_due_follow_ups_are_asked_once(world: World) -> None:
    fu = f.follow_up(world)
    remind_follow_ups.enqueue()
    remind_follow_ups.enqueue()
    sent = Notification.objects.filter(kind="training_follow_up")
    assert sent.count() == 1 and sent.get().link == f"/pelatihan/tindak-lanjut/{fu.pk}/"
