"""Two officers of the bank deciding the same referral at the same moment: the row lock lets exactly one
through, and the other is told the referral has moved on.

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
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.financing import services
from kolabora.financing.choices import ReferralStatus
from kolabora.financing.models import FinancingProduct, Referral
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff

from .conftest import Fin
from .factories import approval, referral_at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks race only on PostgreSQL"),
]


def _shared_rows_back() -> None:
    """What the rest of the suite expects: regions, licence types and financing products (data migrations
    made them; the flush after a transactional test removes them)."""
    from kolabora.financing import defaults as financing_defaults
    from kolabora.licensing import defaults
    from kolabora.licensing.models import LicenceType, RequirementDefinition, StepDefinition
    from kolabora.regions.services import regions_load

    regions_load(province_codes=["31"])
    defaults.load(LicenceType, RequirementDefinition, StepDefinition)
    financing_defaults.load(FinancingProduct)


@pytest.fixture(scope="module", autouse=True)
def _restore_after_flush(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _shared_rows_back()


@pytest.fixture
def shared_rows(transactional_db: Any) -> None:
    _shared_rows_back()


def race(actions: list[Callable[[], Any]]) -> list[BaseException | None]:
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
def test_approve_and_decline_at_once_only_one_decides(shared_rows: None, fin: Fin) -> None:
    ref = referral_at("in_review", fin.participant, fin.bank, referrer=fin.applicant, officer=fin.officer)

    def fresh(user: User) -> User:
        # A fresh user object per thread: the access gate caches memberships on it.
        return User.objects.get(pk=user.pk)

    outcomes = race(
        [
            lambda: services.referral_approve(
                referral=Referral.objects.get(pk=ref.pk), actor=fresh(fin.officer), approval=approval()
            ),
            lambda: services.referral_decline(
                referral=Referral.objects.get(pk=ref.pk), actor=fresh(fin.officer2), category="not_feasible"
            ),
        ]
    )
    assert sum(o is None for o in outcomes) == 1, outcomes
    (refused,) = [o for o in outcomes if o is not None]
    assert isinstance(refused, ValidationError | PermissionDenied), repr(refused)
    ref.refresh_from_db()
    assert ref.status in (ReferralStatus.APPROVED, ReferralStatus.DECLINED)
    decided = AuditEvent.objects.filter(
        object_id=str(ref.pk), action__in=[AuditAction.REFERRAL_APPROVED, AuditAction.REFERRAL_DECLINED]
    )
    assert decided.count() == 1
    steps = Handoff.objects.filter(subject_type=services.SUBJECT, subject_id=ref.pk, step="decide")
    assert list(steps.values_list("status", flat=True)) == [HandoffStatus.DONE]
