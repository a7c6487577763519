"""Mentoring's rules: who may mentor whom, sessions, completion and targets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_participant
from kolabora.core.timeutils import today
from kolabora.mentoring import selectors, services
from kolabora.mentoring.choices import AssignmentMethod, TargetMeasure
from kolabora.mentoring.models import MentorAssignment, MentoringCriteria, MentoringSession, MentorTarget
from kolabora.participants.models import Participant, Relationship
from kolabora.pathway.services import programme_default, stage_transition

from .conftest import Mentoring
from .factories import JPEG, PNG, community, mentor_of, p3, session_input, start_p3

pytestmark = pytest.mark.django_db


def person(nik_tail: str, name: str = "Peserta Uji", kelurahan: str = "31.75.10.1002") -> Participant:
    return make_participant(nik=f"317510010190{nik_tail}", full_name=name, kelurahan=kelurahan)


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- assignment ----------------------------------------------------------------------------------------


def test_automatic_assignment_picks_the_lightest_caseload(m: Mentoring) -> None:
    a, b, c = (start_p3(person(f"000{i}", f"Peserta {i}")) for i in (1, 2, 3))
    first = services.mentor_assign_auto(participant=a, actor=None)
    second = services.mentor_assign_auto(participant=b, actor=None)
    third = services.mentor_assign_auto(participant=c, actor=None)
    # Equal caseloads go to the lower user id; then the lighter one takes the next participant.
    assert (first.mentor, second.mentor, third.mentor) == (m.mentor, m.mentor2, m.mentor)
    assert first.method == AssignmentMethod.AUTOMATIC
    assert selectors.caseload_counts([m.mentor.pk, m.mentor2.pk]) == {m.mentor.pk: 2, m.mentor2.pk: 1}
    row = events(AuditAction.MENTOR_ASSIGNED)[-1]
    assert row.after["mentor"] == m.mentor.pk and row.actor is None


def test_completed_participants_leave_the_caseload_count(m: Mentoring) -> None:
    a = start_p3(person("0001"))
    services.mentor_assign_auto(participant=a, actor=None)
    stage_transition(participant=a, stage="P3", to_status="completed", actor=None)
    assert selectors.caseload_counts([m.mentor.pk])[m.mentor.pk] == 0
    b = start_p3(person("0002"))
    assert services.mentor_assign_auto(participant=b, actor=None).mentor == m.mentor


def test_automatic_assignment_without_a_mentor_in_the_kecamatan_says_so(world: World) -> None:
    p = start_p3(person("0001"))
    with pytest.raises(ValidationError) as exc:
        services.mentor_assign_auto(participant=p, actor=None)
    assert exc.value.code == "no_mentor"


def test_a_community_mentor_needs_an_agreement_covering_p3(m: Mentoring) -> None:
    org = community(m.world, agreement=False)
    volunteer = mentor_of(org, "kader.uji")
    p = start_p3(person("0001"))
    staff = m.world.user("kecamatan")
    with pytest.raises(ValidationError) as exc:
        services.mentor_assign(participant=p, mentor=volunteer, actor=staff)
    assert "mentor" in exc.value.message_dict
    assert org.name in exc.value.message_dict["mentor"][0]
    assert not MentorAssignment.objects.exists()
    assert volunteer not in [c.user for c in selectors.mentor_candidates(participant=p)]

    community(m.world, agreement=True)
    assignment = services.mentor_assign(participant=p, mentor=volunteer, actor=staff)
    rel = Relationship.objects.get(participant=p, organisation=org, kind="mentoring")
    assert assignment.relationship == rel and rel.ended_at is None
    assert assignment.organisation == org

    # Moving the participant to the secretariat's mentor ends the community's relationship.
    services.mentor_assign(
        participant=p, mentor=m.mentor, actor=staff, reason="Pindah ke pendamping kecamatan"
    )
    rel.refresh_from_db()
    assert rel.ended_at is not None


def test_one_current_mentor_per_participant_is_a_database_rule(m: Mentoring) -> None:
    p = start_p3(person("0001"))
    a = services.mentor_assign_auto(participant=p, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorAssignment.objects.create(
            participant=p,
            mentor=m.mentor2,
            organisation=a.organisation,
            method="chosen",
            started_at=timezone.now(),
        )


def test_changing_the_mentor_is_audited_and_keeps_the_history(m: Mentoring) -> None:
    p = start_p3(person("0001"))
    staff = m.world.user("kecamatan")
    first = services.mentor_assign(participant=p, mentor=m.mentor, actor=staff)
    with pytest.raises(ValidationError) as exc:
        services.mentor_assign(participant=p, mentor=m.mentor2, actor=staff)  # no reason
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.mentor_assign(participant=p, mentor=m.mentor, actor=staff, reason="sama")
    second = services.mentor_assign(
        participant=p, mentor=m.mentor2, actor=staff, reason="Beban kerja dibagi ulang"
    )
    first.refresh_from_db()
    assert first.ended_at is not None and first.ended_by == staff
    assert second.ended_at is None and selectors.current_assignment(participant=p) == second
    assert [a.mentor for a in selectors.assignment_history(participant=p)] == [m.mentor2, m.mentor]
    changed = events(AuditAction.MENTOR_CHANGED)
    assert len(changed) == 1
    assert changed[0].before == {"mentor": m.mentor.pk, "organisation": m.world.cipayung.pk}
    assert changed[0].after["mentor"] == m.mentor2.pk and changed[0].reason == "Beban kerja dibagi ulang"
    assert changed[0].actor == staff and changed[0].organisation == m.world.cipayung


def test_only_the_secretariat_changes_mentors(m: Mentoring) -> None:
    p = start_p3(person("0001"))
    with pytest.raises(PermissionDenied):
        services.mentor_assign(participant=p, mentor=m.mentor, actor=m.mentor2)
    with pytest.raises(PermissionDenied):
        services.mentor_assign(participant=p, mentor=m.mentor, actor=m.world.user("out_of_region"))


def test_no_mentor_once_p3_is_completed(m: Mentoring) -> None:
    p = person("0001")
    stage_transition(participant=p, stage="P3", to_status="completed", actor=None)
    with pytest.raises(ValidationError) as exc:
        services.mentor_assign(participant=p, mentor=m.mentor, actor=m.world.user("kecamatan"))
    assert exc.value.code == "p3_closed"


def test_the_sweep_assigns_everyone_waiting_in_a_kecamatan(m: Mentoring) -> None:
    people = [start_p3(person(f"000{i}", f"Peserta {i}")) for i in range(1, 6)]
    elsewhere = start_p3(make_participant(nik="3174100101900001", kelurahan="31.74.10.1005"))
    assert services.mentors_assign_unmentored(kecamatan_code="31.75.10", actor=m.world.user("kecamatan")) == 5
    assert selectors.caseload_counts([m.mentor.pk, m.mentor2.pk]) == {m.mentor.pk: 3, m.mentor2.pk: 2}
    assert all(selectors.current_assignment(participant=p) for p in people)
    assert selectors.current_assignment(participant=elsewhere) is None
    with pytest.raises(PermissionDenied):
        services.mentors_assign_unmentored(kecamatan_code="31.75.10", actor=m.world.user("out_of_region"))


# --- sessions ------------------------------------------------------------------------------------------


def test_logging_a_session_starts_p3_as_the_mentor(m: Mentoring) -> None:
    p = m.world.participant
    assert p3(p) == "not_started"
    session = services.session_log(
        participant=p,
        actor=m.mentor,
        data=session_input(next_step="Foto produk", next_step_due=today() + dt.timedelta(days=7)),
    )
    assert p3(p) == "in_progress"
    stage_row = events(AuditAction.P3_CHANGED)[-1]
    assert stage_row.actor == m.mentor and stage_row.after["status"] == "in_progress"
    # A mentor of the area who logs the first session becomes the mentor.
    assignment = selectors.current_assignment(participant=p)
    assert assignment is not None and assignment.mentor == m.mentor
    assert assignment.method == AssignmentMethod.FIRST_SESSION and session.assignment == assignment
    logged = events(AuditAction.MENTORING_SESSION_LOGGED)
    assert len(logged) == 1 and logged[0].after["participant"] == p.pk and "notes" not in logged[0].after
    # A second session writes its own row and leaves the stage alone.
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    assert len(events(AuditAction.P3_CHANGED)) == 1
    assert MentoringSession.objects.filter(participant=p).count() == 2


def test_another_mentor_cannot_log_for_someone_elses_mentee(m: Mentoring) -> None:
    p = m.world.participant
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    with pytest.raises(ValidationError) as exc:
        services.session_log(participant=p, actor=m.mentor2, data=session_input())
    assert exc.value.code == "other_mentor"
    with pytest.raises(PermissionDenied):
        services.session_log(participant=p, actor=m.world.user("kecamatan"), data=session_input())
    with pytest.raises(PermissionDenied):
        services.session_log(participant=p, actor=m.world.user("no_consent"), data=session_input())


def test_session_input_is_checked_all_at_once(m: Mentoring) -> None:
    bad = session_input(
        held_on=today() + dt.timedelta(days=1),
        mode="telepati",
        topics=[],
        next_step="",
        next_step_due=today(),
        monthly_turnover=-5,
        photo=ContentFile(b"%PDF-1.4 not an image", name="foto.jpg"),
    )
    with pytest.raises(ValidationError) as exc:
        services.session_log(participant=m.world.participant, actor=m.mentor, data=bad)
    assert set(exc.value.message_dict) == {
        "held_on",
        "mode",
        "topics",
        "next_step",
        "next_step_due",
        "monthly_turnover",
        "photo",
    }
    assert not MentoringSession.objects.exists() and p3(m.world.participant) == "not_started"


def test_photos_are_checked_by_content_and_size(m: Mentoring) -> None:
    big = ContentFile(JPEG + b"\x00" * (5 * 1024 * 1024), name="besar.jpg")
    with pytest.raises(ValidationError) as exc:
        services.session_log(participant=m.world.participant, actor=m.mentor, data=session_input(photo=big))
    assert "photo" in exc.value.message_dict
    png_named_jpg = ContentFile(PNG, name="IMG_0001 Siti Aminah.jpg")
    session = services.session_log(
        participant=m.world.participant, actor=m.mentor, data=session_input(photo=png_named_jpg)
    )
    name = session.photo.name or ""
    assert name.endswith(".png") and "Siti" not in name


def test_a_session_with_turnover_records_the_business_figures(m: Mentoring) -> None:
    p = m.world.participant
    services.session_log(participant=p, actor=m.mentor, data=session_input(monthly_turnover=3_500_000))
    business = p.businesses.get()
    assert business.monthly_turnover == 3_500_000
    assert list(business.figures.values_list("monthly_turnover", flat=True)) == [2_000_000, 3_500_000]


def test_a_session_is_activity_so_the_participant_is_no_longer_at_risk(m: Mentoring) -> None:
    p = start_p3(m.world.participant)
    old = timezone.now() - dt.timedelta(days=90)
    Participant.objects.filter(pk=p.pk).update(last_activity_at=old)
    services.session_log(
        participant=p, actor=m.mentor, data=session_input(held_on=today() - dt.timedelta(days=100))
    )
    p.refresh_from_db()
    assert p.last_activity_at == old  # an older session does not make them look active
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    p.refresh_from_db()
    assert timezone.now() - p.last_activity_at < dt.timedelta(minutes=1)


# --- completion ----------------------------------------------------------------------------------------


def test_completion_is_refused_until_the_criteria_are_met_then_done_by_the_engine(m: Mentoring) -> None:
    p = m.world.participant
    services.session_log(participant=p, actor=m.mentor, data=session_input())

    def refusal() -> list[str]:
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            services.p3_complete(participant=p, actor=m.mentor)
        assert {e.code for e in exc.value.error_list} == {"criteria"}
        return exc.value.messages

    missing = refusal()
    assert any("1 more mentoring session (1 of 2 held)" in x for x in missing)
    assert any("readiness assessment" in x for x in missing)
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    services.readiness_assess(
        participant=p, actor=m.mentor, data=services.ReadinessInput(ready=False, product="Kue lapis")
    )
    assert refusal() == [
        "The latest readiness assessment does not yet judge the business ready.",
        "The business plan lacks: customers, price, next step.",
    ]
    services.readiness_assess(
        participant=p,
        actor=m.mentor,
        data=services.ReadinessInput(
            ready=True, product="Kue lapis", customers="Kantor sekitar", price=35_000, next_step="Urus NIB"
        ),
    )
    assert events(AuditAction.READINESS_ASSESSED)[-1].after == {
        "participant": p.pk,
        "ready": True,
        "plan_missing": [],
    }
    before = len(events(AuditAction.P3_CHANGED))
    row = services.p3_complete(participant=p, actor=m.mentor)
    assert row.status == "completed" and p3(p) == "completed"
    done = events(AuditAction.P3_CHANGED)
    assert len(done) == before + 1 and done[-1].actor == m.mentor and done[-1].after["status"] == "completed"


def test_only_the_current_mentor_completes(m: Mentoring) -> None:
    p = m.world.participant
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    for actor in (m.mentor2, m.world.user("kecamatan")):
        with pytest.raises(PermissionDenied):
            services.p3_complete(participant=p, actor=actor)
        with pytest.raises(PermissionDenied):
            services.readiness_assess(
                participant=p, actor=actor, data=services.ReadinessInput(ready=True, product="x")
            )


def test_the_criteria_are_programme_data(m: Mentoring) -> None:
    MentoringCriteria.objects.create(
        programme=programme_default(), min_sessions=1, readiness_required=False, business_plan_required=False
    )
    p = m.world.participant
    services.session_log(participant=p, actor=m.mentor, data=session_input())
    assert services.p3_complete(participant=p, actor=m.mentor).status == "completed"


# --- targets -------------------------------------------------------------------------------------------


def test_targets_are_set_by_the_secretariat_and_audited(m: Mentoring) -> None:
    staff = m.world.user("kecamatan")
    year = today().year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    services.mentor_target_set(mentor=m.mentor, period_start=start, period_end=end, target=60, actor=staff)
    services.mentor_target_set(
        mentor=m.mentor,
        period_start=start,
        period_end=end,
        target=45,
        measure=TargetMeasure.P3_COMPLETED,
        actor=staff,
    )
    target = MentorTarget.objects.get()
    assert (target.target, target.measure, target.organisation) == (45, "p3_completed", m.world.cipayung)
    rows = events(AuditAction.MENTOR_TARGET_SET)
    assert len(rows) == 2 and rows[1].before == {
        "period_end": end.isoformat(),
        "target": 60,
        "measure": "mentored",
    }
    with pytest.raises(PermissionDenied):
        services.mentor_target_set(
            mentor=m.mentor, period_start=start, period_end=end, target=1, actor=m.world.user("out_of_region")
        )
    with pytest.raises(ValidationError):
        services.mentor_target_set(mentor=m.mentor, period_start=end, period_end=start, target=0, actor=staff)
