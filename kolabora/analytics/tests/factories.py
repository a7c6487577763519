"""Participants in known places, at known stages, through the real services (so the hooks count them)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from kolabora.participants.models import Participant
from kolabora.participants.services import BusinessInput, RegistrationInput, participant_register
from kolabora.pathway.services import stage_transition

_serial = itertools.count(1)


def nik_for(kelurahan: str) -> str:
    n = next(_serial)
    return f"{kelurahan[:8].replace('.', '')}{(n % 28) + 1:02d}0{(n % 9) + 1}8{n % 10}{n:04d}"


def person(
    kelurahan: str = "31.75.10.1001",
    *,
    at: dt.datetime | None = None,
    stages: dict[str, str] | None = None,
    level: int | None = None,
) -> Participant:
    """A participant registered (P1 completed) at ``at``, then moved to ``stages`` (code → status) in the
    programme's order, as imported history (so prerequisites may be broken, as in the seeds)."""
    when = at or timezone.now()
    nik = nik_for(kelurahan)
    p = participant_register(
        data=RegistrationInput(
            nik=nik,
            full_name=f"Peserta {nik[-4:]}",
            phone=f"0813{nik[-8:]}",
            kelurahan_code=kelurahan,
            entry_track="pemula",
            consents=["programme"],
            business=BusinessInput(name=f"Usaha {nik[-4:]}", sector="kuliner"),
        ),
        actor=None,
        channel="api",
        at=when,
    )
    for code, status in sorted((stages or {}).items()):
        stage_transition(
            participant=p,
            stage=code,
            to_status=status,
            actor=None,
            reason="uji",
            level=(level or 1) if code == "P2" and status in ("in_progress", "completed") else None,
            imported=True,
            at=when + dt.timedelta(days=10),
        )
    return p
