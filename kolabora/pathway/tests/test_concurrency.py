"""Two people moving the same stage at the same moment: the row lock lets exactly one through.

Runs on PostgreSQL only (SQLite serialises whole-database writes, so there is no race to lose). Each
thread has its own database connection; a barrier releases them together, and the first one holds its
lock a little while so the other really arrives while the change is in flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from kolabora.core import audit
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_participant
from kolabora.pathway import bulk, services
from kolabora.pathway.bulk import ParticipantHistory, StageTarget, stage_history_import
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import TransitionRefused, stage_transition
from kolabora.regions.models import Region

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


# Apps whose rows the flush's post-migrate signal makes again (with new ids): not part of the snapshot.
REMADE_AFTER_FLUSH = ["django.contrib.contenttypes", "django.contrib.auth"]


@pytest.fixture(scope="module")
def _committed_rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """What every test may rely on, as committed before this module: the regions loaded for the session
    and the rows data migrations made (licence types, …). A transactional test ends with a flush of every
    table, after every function-scoped teardown; they come back when the module is done."""
    with django_db_blocker.unblock(), override_settings(TEST_NON_SERIALIZED_APPS=REMADE_AFTER_FLUSH):
        snapshot = connection.creation.serialize_db_to_string()
    yield snapshot
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture
def committed_rows(_committed_rows: str, transactional_db: None) -> None:
    """The same rows for a transactional test that runs after another one's flush."""
    if not Region.objects.exists():
        connection.creation.deserialize_db_from_string(_committed_rows)


def _slow(real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # inside the transaction, with the stage row locked
        return real(*args, **kwargs)

    return wrapper


def _race(*attempts: Callable[[], str]) -> list[str]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def run(attempt: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(attempt())
        except TransitionRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def _completed_p3_audits(participant_id: int) -> int:
    return AuditEvent.objects.filter(
        object_id=str(participant_id), action=AuditAction.P3_CHANGED, after__status="completed"
    ).count()


@pytest.mark.django_db(transaction=True)
def test_two_staff_completing_the_same_stage_at_once(
    committed_rows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = make_participant(nik="3175104512900501")
    stage_transition(participant=p, stage="P3", to_status="in_progress", actor=None)
    monkeypatch.setattr(services, "audit_record", _slow(audit.audit_record))

    def complete() -> str:
        stage_transition(participant=p, stage="P3", to_status="completed", actor=None)
        return "completed"

    assert sorted(_race(complete, complete)) == ["completed", "unchanged"]
    assert ParticipantStage.objects.get(participant=p, code="P3").status == "completed"
    assert _completed_p3_audits(p.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_an_import_and_a_live_change_of_the_same_stage_do_not_both_write(
    committed_rows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = make_participant(nik="3175104512900502")
    stage_transition(participant=p, stage="P3", to_status="in_progress", actor=None)
    monkeypatch.setattr(services, "audit_record", _slow(audit.audit_record))
    real_insert = bulk.rows_insert
    monkeypatch.setattr(bulk, "rows_insert", _slow(real_insert))

    def live() -> str:
        stage_transition(participant=p, stage="P3", to_status="completed", actor=None)
        return "completed"

    def imported() -> str:
        result = stage_history_import(
            rows=[ParticipantHistory(participant_id=p.pk, stages={"P3": StageTarget(status="completed")})]
        )
        return "completed" if result.changed else "unchanged"

    assert sorted(_race(live, imported)) == ["completed", "unchanged"]
    assert _completed_p3_audits(p.pk) == 1
