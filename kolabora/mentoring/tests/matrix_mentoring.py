"""Permission-matrix rows for mentoring (discovered by core's matrix test).

Mentor pages are tried with ``mentor``: a member of the Cipayung secretariat in the mentor role, made by
the rows' lambdas (the matrix builds a row's objects before it logs the persona in) and kept in
``world.users``. The secretariat's pages are tried with its staff account, ``kecamatan``.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse

from kolabora.accounts.models import User
from kolabora.core.testing import MatrixRow, World, make_member
from kolabora.core.timeutils import today
from kolabora.mentoring import services
from kolabora.mentoring.models import MentorAssignment, MentoringSession, MentorTarget, ReadinessAssessment
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Membership
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

MENTOR = "mentor"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def as_mentor(w: World) -> User:
    """The Cipayung secretariat's mentor, created on first use and kept as the world's ``mentor``."""
    user = w.users.get(MENTOR)
    if user is None:
        user = make_member("pendamping.uji", w.cipayung, Role.MENTOR)
        w.users[MENTOR] = user
    return user


def mentee(w: World) -> MentoringSession:
    """The world participant with the mentor assigned and one session (with a photo) logged."""
    found = MentoringSession.objects.filter(participant=w.participant).first()
    if found is not None:
        return found
    return services.session_log(
        participant=w.participant,
        actor=as_mentor(w),
        data=services.SessionInput(
            held_on=today(),
            mode="visit",
            topics=["business_plan"],
            notes="Catatan pendampingan uji",
            photo=ContentFile(PNG, name="foto.png"),
        ),
    )


def waiting(w: World) -> str:
    """The world participant in P3 without a mentor, and a mentor in the kecamatan."""
    as_mentor(w)
    if ParticipantStage.objects.get(participant=w.participant, code="P3").status == "not_started":
        stage_transition(participant=w.participant, stage="P3", to_status="in_progress", actor=None)
    return reverse("mentoring:assign_unmentored", args=["31.75.10"])


def _p(name: str, w: World) -> str:
    mentee(w)
    return reverse(name, args=[w.participant.pk])


def _sessions(w: World) -> int:
    return MentoringSession.objects.count()


def _assignments(w: World) -> list[tuple[int, int, bool]]:
    rows = MentorAssignment.objects.order_by("pk").values_list("pk", "mentor_id", "ended_at")
    return [(pk, mentor, ended is None) for pk, mentor, ended in rows]


def _p3(w: World) -> str:
    return ParticipantStage.objects.get(participant=w.participant, code="P3").status


def _readiness(w: World) -> int:
    return ReadinessAssessment.objects.count()


def _targets(w: World) -> list[tuple[int, int]]:
    return list(MentorTarget.objects.values_list("mentor_id", "target"))


def _session_data(w: World) -> dict[str, Any]:
    return {"held_on": today().isoformat(), "mode": "phone", "topics": ["pricing"], "notes": "Telepon"}


def _second_mentor(w: World) -> dict[str, Any]:
    mentee(w)
    other = User.objects.filter(username="pendamping.dua").first()
    if other is None:
        other = User.objects.create_user("pendamping.dua", "dua@example.test", "x")
        Membership.objects.create(user=other, organisation=w.cipayung, role=Role.MENTOR)
    return {"mentor": other.pk, "reason": "Pembagian ulang"}


ROWS = [
    MatrixRow(
        "mentoring:home",
        lambda w: (mentee(w), reverse("mentoring:home"))[1],
        permitted_as=MENTOR,
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow("mentoring:participant", lambda w: _p("mentoring:participant", w), permitted_as=MENTOR),
    MatrixRow(
        "mentoring:session_log",
        lambda w: (as_mentor(w), reverse("mentoring:session_log", args=[w.participant.pk]))[1],
        permitted_as=MENTOR,
    ),
    MatrixRow(
        "mentoring:session_log",
        lambda w: (as_mentor(w), reverse("mentoring:session_log", args=[w.participant.pk]))[1],
        method="post",
        data=_session_data,
        allowed=302,
        permitted_as=MENTOR,
        effect=_sessions,
    ),
    MatrixRow("mentoring:readiness", lambda w: _p("mentoring:readiness", w), permitted_as=MENTOR),
    MatrixRow(
        "mentoring:readiness",
        lambda w: _p("mentoring:readiness", w),
        method="post",
        data=lambda w: {
            "product": "Kue",
            "customers": "Tetangga",
            "price": "10000",
            "next_step": "NIB",
            "ready": "on",
        },
        allowed=302,
        permitted_as=MENTOR,
        effect=_readiness,
    ),
    MatrixRow(
        "mentoring:complete",
        lambda w: _p("mentoring:complete", w),
        method="post",
        allowed=302,
        permitted_as=MENTOR,
        effect=_p3,
    ),
    MatrixRow("mentoring:assign", lambda w: _p("mentoring:assign", w), permitted_as="kecamatan"),
    MatrixRow(
        "mentoring:assign",
        lambda w: _p("mentoring:assign", w),
        method="post",
        data=_second_mentor,
        allowed=302,
        permitted_as="kecamatan",
        effect=_assignments,
    ),
    MatrixRow(
        "mentoring:session_photo",
        lambda w: reverse("mentoring:session_photo", args=[mentee(w).pk]),
        permitted_as=MENTOR,
    ),
    MatrixRow(
        "mentoring:board",
        lambda w: (waiting(w), reverse("mentoring:board", args=["31.75.10"]))[1],
        permitted_as="kecamatan",
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow(
        "mentoring:assign_unmentored",
        waiting,
        method="post",
        allowed=302,
        permitted_as="kecamatan",
        effect=_assignments,
    ),
    # Anyone who manages participants somewhere may open the form; out of region there is no one to choose.
    MatrixRow("mentoring:target", lambda w: reverse("mentoring:target"), out_of_region_status=200),
    MatrixRow(
        "mentoring:target",
        lambda w: reverse("mentoring:target"),
        method="post",
        data=lambda w: {
            "mentor": as_mentor(w).pk,
            "year": today().year,
            "target": 60,
            "measure": "mentored",
        },
        allowed=302,
        permitted_as="kecamatan",
        effect=_targets,
        out_of_region_status=422,
    ),
    MatrixRow(
        "mentoring:export",
        lambda w: (mentee(w), reverse("mentoring:export") + "?format=csv")[1],
        permitted_as="kecamatan",
        marker=lambda w: as_mentor(w).username,
    ),
    # API
    MatrixRow(
        "api:list_mentoring_sessions",
        lambda w: (mentee(w), reverse("api:list_mentoring_sessions"))[1],
        api=True,
        marker=lambda w: "Catatan pendampingan uji",
    ),
    MatrixRow(
        "api:create_mentoring_session",
        lambda w: (as_mentor(w), reverse("api:create_mentoring_session"))[1],
        method="post",
        api=True,
        data=lambda w: {**_session_data(w), "participant_id": w.participant.pk},
        allowed=201,
        permitted_as=MENTOR,
        effect=_sessions,
    ),
    MatrixRow(
        "api:list_mentoring_assignments",
        lambda w: (mentee(w), reverse("api:list_mentoring_assignments"))[1],
        api=True,
        marker=lambda w: w.participant.full_name,
    ),
]
