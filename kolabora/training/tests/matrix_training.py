"""Permission-matrix rows for training (P2): every page and endpoint, as every persona.

The world's training partner ("Lembaga Pelatihan Uji", agreement in force) is the ``no_consent``
persona: it runs its own sessions, so on its session pages it gets the page but never the name of the
world's participant, who did not consent to sharing with training partners; it can neither record nor
cancel that participant. Rows that change a Cipayung secretariat course are permitted to its staff
(``kecamatan``); the participant's own pages to the ``participant``.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.training.models import Course, Enrolment, FollowUp, TrainingSession
from kolabora.training.tests import factories as f


def _course_count(w: World) -> int:
    return Course.objects.count()


def _session_count(w: World) -> int:
    return TrainingSession.objects.count()


def _enrolments(w: World) -> list[tuple[int, str]]:
    return list(Enrolment.objects.order_by("pk").values_list("pk", "status"))


def _draft_state(w: World) -> tuple[str, str]:
    c = Course.objects.get(pk=f.gov_draft_course(w).pk)
    return c.title, c.status


def _gov_session_state(w: World) -> tuple[int, str]:
    s = TrainingSession.objects.get(pk=f.gov_session(w).pk)
    return s.capacity, s.trainer_name


def _follow_up_state(w: World) -> Any:
    return FollowUp.objects.get(pk=f.follow_up(w).pk).answered_at


def _course_data(w: World) -> dict[str, object]:
    return {
        "title": "Kursus Baru Uji",
        "description": "",
        "topic": "bookkeeping",
        "level": "1",
        "kind": "hard_skill",
        "track": "new_skilling",
        "follow_up_weeks": "4",
    }


def _session_data(w: World) -> dict[str, object]:
    return {
        "day": "2030-03-04",
        "starts": "09:00",
        "ends": "12:00",
        "mode": "in_person",
        "region": "31.75.10",
        "place": "Kantor Kecamatan Cipayung",
        "capacity": "25",
        "trainer_name": "Pelatih Diubah",
    }


def _after(made: object, url: str) -> str:
    """The list's address, once the object its marker names exists."""
    return url


def _staff(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="kecamatan", **kwargs)


def _mine(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="participant", **kwargs)


def _draft_url(name: str) -> Any:
    return lambda w: reverse(name, args=[f.gov_draft_course(w).pk])


ROWS = [
    MatrixRow(
        "training:course_list",
        lambda w: _after(f.gov_draft_course(w), reverse("training:course_list")),
        marker=lambda w: f.gov_draft_course(w).title,
    ),
    MatrixRow("training:course_detail", _draft_url("training:course_detail")),
    _staff("training:course_create", lambda w: reverse("training:course_create", args=[w.cipayung.pk])),
    _staff(
        "training:course_create",
        lambda w: reverse("training:course_create", args=[w.cipayung.pk]),
        method="post",
        data=_course_data,
        allowed=302,
        effect=_course_count,
    ),
    _staff("training:course_edit", _draft_url("training:course_edit")),
    _staff(
        "training:course_edit",
        _draft_url("training:course_edit"),
        method="post",
        data=lambda w: {**_course_data(w), "title": "Judul Diubah"},
        allowed=302,
        effect=_draft_state,
    ),
    _staff(
        "training:course_publish",
        _draft_url("training:course_publish"),
        method="post",
        allowed=302,
        effect=_draft_state,
    ),
    _staff("training:session_create", _draft_url("training:session_create")),
    _staff(
        "training:session_create",
        _draft_url("training:session_create"),
        method="post",
        data=_session_data,
        allowed=302,
        effect=_session_count,
    ),
    _staff("training:session_edit", lambda w: reverse("training:session_edit", args=[f.gov_session(w).pk])),
    _staff(
        "training:session_edit",
        lambda w: reverse("training:session_edit", args=[f.gov_session(w).pk]),
        method="post",
        data=_session_data,
        allowed=302,
        effect=_gov_session_state,
    ),
    MatrixRow(
        "training:session_detail",
        lambda w: reverse("training:session_detail", args=[f.trainer_session(w).pk]),
        marker=lambda w: w.participant.full_name,
    ),
    _mine(
        "training:session_enrol",
        lambda w: reverse("training:session_enrol", args=[f.gov_session(w).pk]),
        method="post",
        allowed=302,
        effect=_enrolments,
    ),
    _staff(
        "training:session_enrol_other",
        lambda w: reverse("training:session_enrol_other", args=[f.gov_session(w).pk]),
        method="post",
        data=lambda w: {"nik": w.participant.nik},
        allowed=302,
        effect=_enrolments,
    ),
    MatrixRow(
        "training:attendance_record",
        lambda w: reverse("training:attendance_record", args=[f.today_session(w).pk]),
        method="post",
        data=lambda w: {"roster": [f.today_enrolment(w).pk], "present": [f.today_enrolment(w).pk]},
        allowed=302,
        effect=_enrolments,
    ),
    _mine(
        "training:enrolment_cancel",
        lambda w: reverse("training:enrolment_cancel", args=[f.trainer_enrolment(w).pk]),
        method="post",
        allowed=302,
        effect=_enrolments,
    ),
    _mine(
        "training:my_training",
        lambda w: _after(f.trainer_session(w), reverse("training:my_training")),
        marker=lambda w: f.trainer_session(w).course.title,
    ),
    _mine("training:attendance_code", lambda w: reverse("training:attendance_code")),
    _mine(
        "training:attendance_code",
        lambda w: reverse("training:attendance_code"),
        method="post",
        data=lambda w: {"code": f.today_session(w).attendance_code},
        allowed=302,
        effect=_enrolments,
    ),
    _mine("training:follow_up", lambda w: reverse("training:follow_up", args=[f.follow_up(w).pk])),
    _mine(
        "training:follow_up",
        lambda w: reverse("training:follow_up", args=[f.follow_up(w).pk]),
        method="post",
        data=lambda w: {"applied": "1", "bookkeeping": "0", "selling_online": "1", "note": ""},
        allowed=302,
        effect=_follow_up_state,
    ),
    # API
    MatrixRow(
        "api:list_courses",
        lambda w: _after(f.gov_draft_course(w), reverse("api:list_courses")),
        api=True,
        marker=lambda w: f.gov_draft_course(w).title,
    ),
    MatrixRow(
        "api:get_course", lambda w: reverse("api:get_course", args=[f.gov_draft_course(w).pk]), api=True
    ),
    MatrixRow(
        "api:list_training_sessions",
        lambda w: _after(f.gov_draft_session(w), reverse("api:list_training_sessions")),
        api=True,
        marker=lambda w: f.gov_draft_session(w).trainer_name,
    ),
    MatrixRow(
        "api:get_training_session",
        lambda w: reverse("api:get_training_session", args=[f.trainer_session(w).pk]),
        api=True,
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow(
        "api:enrol_in_training_session",
        lambda w: reverse("api:enrol_in_training_session", args=[f.gov_session(w).pk]),
        method="post",
        api=True,
        data=lambda w: {"participant_id": w.participant.pk},
        allowed=201,
        permitted_as="kecamatan",
        effect=_enrolments,
    ),
    MatrixRow(
        "api:cancel_training_enrolment",
        lambda w: reverse(
            "api:cancel_training_enrolment", args=[f.trainer_session(w).pk, f.trainer_enrolment(w).pk]
        ),
        method="post",
        api=True,
        permitted_as="participant",
        effect=_enrolments,
    ),
    MatrixRow(
        "api:record_training_attendance",
        lambda w: reverse("api:record_training_attendance", args=[f.today_session(w).pk]),
        method="post",
        api=True,
        data=lambda w: {"present": [f.today_enrolment(w).pk]},
        effect=_enrolments,
    ),
]
