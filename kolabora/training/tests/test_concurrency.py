"""Two people taking the last seat at the same moment: the session row lock seats one and puts the other
on the waiting list, never two in one seat.

Runs on PostgreSQL only (SQLite serialises whole-database writes, so there is no race to lose). Each
thread has its own database connection; a barrier releases them together, and the first one holds the
lock a little while so the other really arrives while the enrolment is in flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from kolabora.core import audit
from kolabora.core.testing import build_world
from kolabora.training.models import Enrolment
from kolabora.training.services import enrolments

from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _shared_rows_back() -> None:
    """What the rest of the suite expects after a flush: DKI Jakarta's regions and the licence types that
    a data migration made."""
    from kolabora.licensing import defaults
    from kolabora.licensing.models import LicenceType, RequirementDefinition, StepDefinition
    from kolabora.regions.services import regions_load

    regions_load(province_codes=["31"])
    defaults.load(LicenceType, RequirementDefinition, StepDefinition)


@pytest.fixture(scope="module", autouse=True)
def _restore_after_flush(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    # Module scope: runs after the function-scoped teardown has flushed every table.
    yield
    with django_db_blocker.unblock():
        _shared_rows_back()


@pytest.fixture
def shared_rows(transactional_db: Any) -> None:
    # An earlier transactional test elsewhere may have flushed them.
    _shared_rows_back()


def _slow(real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # inside the transaction, with the session row locked
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_seat_at_once(shared_rows: None, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world()
    session = f.TrainingSessionFactory.create(
        course=f.CourseFactory.create(provider=world.cipayung), capacity=1
    )
    people = [f.participant(), f.participant()]
    staff = world.user("kecamatan")
    monkeypatch.setattr(enrolments, "audit_record", _slow(audit.audit_record))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def take(p: Any) -> None:
        try:
            barrier.wait(timeout=10)
            f.enrol(session, p, actor=staff)
        except BaseException as exc:  # asserted on below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=take, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert not errors
    statuses = sorted(Enrolment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses == ["enrolled", "waitlisted"]
