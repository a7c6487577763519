"""Background work for participants."""

from __future__ import annotations

from django_tasks import task

from .services import registration_drafts_purge


@task()
def purge_registration_drafts() -> int:
    """Daily: remove uploads of self-registrations that were never finished."""
    return registration_drafts_purge()
