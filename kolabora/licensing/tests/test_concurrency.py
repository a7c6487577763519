"""Two PTSP officers finishing the same step at the same moment: the row lock lets exactly one through.

Only meaningful on PostgreSQL (SQLite serialises whole transactions, so nothing can race there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from kolabora.accounts.models import User
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.licensing import services
from kolabora.licensing.choices import ApplicationStatus
from kolabora.licensing.models import LicenceApplication, LicenceType, RequirementDefinition, StepDefinition

from .conftest import Licensing

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL"),
]


def _shared_rows_back() -> None:
    """What the rest of the suite expects in the database: DKI Jakarta's regions and the licence types
    (a data migration made them; the flush after a transactional test removes them)."""
    from kolabora.licensing import defaults
    from kolabora.regions.services import regions_load

    regions_load(province_codes=["31"])
    defaults.load(LicenceType, RequirementDefinition, StepDefinition)


@pytest.fixture(scope="module", autouse=True)
def _restore_after_flush(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    # Module scope: this runs after the function-scoped database teardown has flushed every table.
    yield
    with django_db_blocker.unblock():
        _shared_rows_back()


@pytest.fixture
def shared_rows(transactional_db: Any) -> None:
    # An earlier transactional test elsewhere may have flushed them before this one.
    _shared_rows_back()


def race(actions: list[Callable[[], Any]]) -> list[BaseException | None]:
    """Run the actions in threads (each on its own database connection), released at the same moment."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            actions[i]()
        except BaseException as exc:  # collected and asserted on by the test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_officers_verifying_at_once_only_one_succeeds(shared_rows: None, lic: Licensing) -> None:
    app = lic.open()
    lic.fill(app)
    services.application_submit(application=app, actor=lic.world.user("participant"))

    def verify(officer: User) -> Callable[[], Any]:
        # A fresh user object per thread: the access gate caches memberships on it.
        return lambda: services.application_verify(
            application=LicenceApplication.objects.get(pk=app.pk),
            actor=User.objects.get(pk=officer.pk),
            returns={},
        )

    outcomes = race([verify(lic.officer), verify(lic.officer2)])

    assert sum(o is None for o in outcomes) == 1, outcomes
    (refused,) = [o for o in outcomes if o is not None]
    assert isinstance(refused, ValidationError | PermissionDenied), repr(refused)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SURVEY
    handoffs = Handoff.objects.filter(subject_id=app.pk, subject_type=services.SUBJECT)
    assert handoffs.filter(step="verification", status=HandoffStatus.DONE).count() == 1
    assert handoffs.filter(step="verification").count() == 1
    assert list(handoffs.filter(status=HandoffStatus.OPEN).values_list("step", flat=True)) == ["survey"]
