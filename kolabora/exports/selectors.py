"""Which participants an export holds: the staff list's filters (``participants.selectors``), narrowed to
what the user may export (``access.scope(..., PARTICIPANT_EXPORT)``), read in keyset chunks of ids so a
million participants cost the same memory as a thousand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.participants.models import Participant
from kolabora.participants.selectors import ParticipantFilters, participant_list

if TYPE_CHECKING:
    from kolabora.core.access import AnyUser

CHUNK = 2000


@dataclass(frozen=True)
class ExportFilters:
    """The staff list's filters (without the name search) and a registration date range, both ends included.

    ``status`` is a stage status and needs ``stage`` (the forms refuse it alone); with ``stage`` alone the
    export keeps participants who reached that stage (in progress or completed), as the list does.
    """

    region: str = ""
    stage: str = ""
    status: str = ""
    entry_track: str = ""
    sector: str = ""
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set, as plain values (for the audit row and the file's "about" sheet)."""
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in asdict(self).items()
            if v not in ("", None)
        }


def export_participants(*, user: AnyUser, filters: ExportFilters) -> QuerySet[Participant]:
    """Active participants the user may export that match the filters, by id ascending.

    The list's own scope (``PARTICIPANT_VIEW``) applies, then the export scope: only region grants of
    ``PARTICIPANT_EXPORT`` reach participants, so partner staff, who reach them through relationships only,
    get none (see the ``exports`` section of core/access.py).
    """
    qs = participant_list(
        user=user,
        filters=ParticipantFilters(
            region=filters.region,
            stage=filters.stage,
            status=filters.status if filters.stage else "",
            entry_track=filters.entry_track,
            sector=filters.sector,
        ),
    )
    qs = access.scope(user, qs, Action.PARTICIPANT_EXPORT)
    if filters.registered_from:
        qs = qs.filter(registered_on__gte=filters.registered_from)
    if filters.registered_to:
        qs = qs.filter(registered_on__lte=filters.registered_to)
    return qs.order_by("id")


def participant_chunks(
    qs: QuerySet[Participant], *, size: int = CHUNK
) -> Iterator[list[tuple[int, str, str]]]:
    """``(id, nik, kelurahan code)`` of the participants in ``qs``, ``size`` at a time, after a keyset cursor.

    Each chunk is its own short query (no long-held cursor or transaction); rows registered while the export
    runs are included if their id comes after the cursor, merged ones drop out if not reached yet.
    """
    last = 0
    while True:
        rows = list(qs.filter(id__gt=last).order_by("id").values_list("id", "nik", "kelurahan_id")[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = rows[-1][0]
