"""``rows_insert`` writes exactly what ``save()`` would, whatever the values hold: on PostgreSQL through
COPY's text format (escapes, NULLs, JSON), on SQLite through one prepared statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kolabora.core.models import AuditEvent
from kolabora.pathway.bulk import instance, rows_insert

pytestmark = pytest.mark.django_db

AWKWARD = 'tab\there, line\nbreak, back\\slash, return\r, quote " and ’ non-ASCII ü \\N'


def test_awkward_values_come_back_as_they_went_in() -> None:
    before = timezone.now()
    events = [
        instance(
            AuditEvent,
            {
                "action": 101,
                "object_type": "participants.participant",
                "object_id": str(i),
                # True and 1 encode differently: the cache of repeated shapes must tell them apart.
                "before": {"flag": True} if i % 2 else {"flag": 1},
                "after": {"text": AWKWARD, "n": i, "none": None, "list": [1, "a\tb"]},
                "reason": AWKWARD if i % 3 else "",
                "request_id": "impor-uji",
                "ip_address": "10.0.0.1" if i % 5 == 0 else None,
            },
        )
        for i in range(120)  # over the 50 rows from which PostgreSQL gets a COPY
    ]
    rows_insert(AuditEvent, events)
    stored = {e.object_id: e for e in AuditEvent.objects.filter(request_id="impor-uji")}
    assert len(stored) == 120
    for i in range(120):
        e = stored[str(i)]
        assert e.before == ({"flag": True} if i % 2 else {"flag": 1})
        assert type(e.before["flag"]) is (bool if i % 2 else int)
        assert e.after == {"text": AWKWARD, "n": i, "none": None, "list": [1, "a\tb"]}
        assert e.reason == (AWKWARD if i % 3 else "")
        assert e.ip_address == ("10.0.0.1" if i % 5 == 0 else None)
        assert e.actor_id is None and e.organisation_id is None
        assert e.occurred_at >= before - dt.timedelta(seconds=1)  # filled like ``auto_now_add``
