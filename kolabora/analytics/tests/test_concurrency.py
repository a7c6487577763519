"""Concurrent writers on PostgreSQL: registrations and transitions in the same kelurahan at the same time,
with compactions running between them, leave the aggregates equal to a full recount.

Writers only append delta rows (no shared counter row to wait for), so they never queue on each other;
a compaction folds exactly the deltas it deletes, so a delta committed while it runs is folded next time,
never lost or counted twice. Each thread has its own connection; a barrier starts them together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from kolabora.analytics import counters
from kolabora.analytics.services import differences
from kolabora.pathway.services import stage_transition
from kolabora.regions.models import Region

from .factories import person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers"),
]
REMADE_AFTER_FLUSH = ["django.contrib.contenttypes", "django.contrib.auth"]


@pytest.fixture(scope="module")
def _committed_rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock(), override_settings(TEST_NON_SERIALIZED_APPS=REMADE_AFTER_FLUSH):
        snapshot = connection.creation.serialize_db_to_string()
    yield snapshot
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture
def committed_rows(_committed_rows: str, transactional_db: None) -> None:
    if not Region.objects.exists():
        connection.creation.deserialize_db_from_string(_committed_rows)


def _together(work: list[Callable[[], None]]) -> list[BaseException]:
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=20)
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_compactions_keep_the_aggregates_exact(committed_rows: None) -> None:
    existing = [person("31.75.10.1001") for _i in range(4)]

    def registrations() -> None:
        for _i in range(6):
            person("31.75.10.1001", stages={"P2": "in_progress"})

    def transitions(p: Any) -> Callable[[], None]:
        def job() -> None:
            for code, status in (
                ("P2", "in_progress"),
                ("P3", "in_progress"),
                ("P2", "completed"),
                ("P3", "dropped"),
            ):
                stage_transition(
                    participant=p,
                    stage=code,
                    to_status=status,
                    actor=None,
                    reason="uji",
                    level=1 if code == "P2" else None,
                )

        return job

    def compactions() -> None:
        for _i in range(8):
            counters.counters_compact(batch=2)

    errors = _together([registrations, registrations, *(transitions(p) for p in existing), compactions])
    assert not errors, errors
    assert differences() == []
    counters.counters_compact()
    assert differences() == []
