"""Background work for bookkeeping, run once a day from ``kolabora sweep``."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def remind_empty_cashbook_months() -> int:
    """Tell owners once when a month of their cash book ended empty, and near a month's end when it still
    is; returns how many were told."""
    return services.cashbook_reminders_send()


@task()
def complete_p6_from_cashbooks() -> int:
    """Complete P6 where a long enough run of months was refused earlier and the rules now allow it."""
    return services.p6_catch_up()


@task()
def purge_abandoned_cashbook_imports() -> int:
    """Delete the files of imports left unfinished for a week."""
    return services.import_files_purge()
