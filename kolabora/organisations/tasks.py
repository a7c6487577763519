"""Background work for organisations."""

from __future__ import annotations

from django_tasks import task

from .services import agreements_expire


@task()
def expire_agreements() -> int:
    """Daily sweep: record agreements whose end date has passed as expired."""
    return agreements_expire()
