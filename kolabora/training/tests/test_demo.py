"""The training demo: consistent with the participants demo, and idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kolabora.core.demo import DemoContext
from kolabora.training.demo import seed
from kolabora.training.models import Course, Enrolment, TrainingSession

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Course.objects.count(), TrainingSession.objects.count(), Enrolment.objects.count()


def test_the_demo_seeds_courses_sessions_and_enrolments_once() -> None:
    call_command("demo", "--no-serve", "--participants", "50", stdout=io.StringIO())
    seed(DemoContext(password="x"))
    made = _counts()
    seed(DemoContext(password="x"))
    assert _counts() == made
    assert (
        Course.objects.filter(provider__name="Universitas Negeri Jakarta")
        .values_list("level", flat=True)
        .distinct()
        .count()
        == 3
    )
    assert Course.objects.filter(provider__region_id="31.75.10").exists()
    mine = Enrolment.objects.get(participant__user__username="peserta.demo")
    assert mine.status == "enrolled" and mine.session.course.level == 1
