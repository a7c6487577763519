"""Background work for mentoring."""

from __future__ import annotations

from django_tasks import task

from .services import mentors_assign_everywhere


@task()
def assign_mentors() -> int:
    """Daily sweep: participants whose P3 started without a mentor get the lightest-loaded mentor of their
    kecamatan."""
    return sum(mentors_assign_everywhere().values())
