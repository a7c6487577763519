"""Background work for training: reminders the day before a session, and follow-up questions when due.

Run ``remind_tomorrows_sessions`` and ``remind_follow_ups`` once a day (from the daily sweep).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import task

from . import selectors, services
from .models import TrainingSession


@task()
def remind_session(session_id: int) -> int:
    """Remind the participants holding a seat in one session (once); returns how many were told."""
    session = TrainingSession.objects.filter(pk=session_id).first()
    return 0 if session is None else services.session_remind(session=session)


@task()
def remind_tomorrows_sessions() -> int:
    """Daily: queue one reminder task per session that starts tomorrow."""
    ids = selectors.sessions_to_remind()
    for pk in ids:
        transaction.on_commit(partial(remind_session.enqueue, pk))
    return len(ids)


@task()
def remind_follow_ups() -> int:
    """Daily: ask the participants whose follow-up is due."""
    return services.follow_ups_remind()
