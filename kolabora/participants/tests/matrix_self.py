"""Permission-matrix rows for the participant's own pages and public self-registration.

``/saya/`` pages belong to the logged-in participant only: staff personas (who have no participant
record) get 403, anonymous visitors are sent to log in. Registration is public.
"""

from __future__ import annotations

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.participants.models import Consent, DataRequest


def _open_consents(w: World) -> list[str]:
    return sorted(
        Consent.objects.filter(participant=w.participant, withdrawn_at=None).values_list("purpose", flat=True)
    )


def _request_count(w: World) -> int:
    return DataRequest.objects.count()


def _mine(name: str, *, method: str = "get", **kwargs: object) -> MatrixRow:
    return MatrixRow(name, lambda w: reverse(name), method=method, permitted_as="participant", **kwargs)  # type: ignore[arg-type]


ROWS = [
    MatrixRow("me:register", lambda w: reverse("me:register"), public=True, allowed=302),
    MatrixRow("me:register_step", lambda w: reverse("me:register_step", args=[1]), public=True),
    MatrixRow(
        "me:register_step",
        lambda w: reverse("me:register_step", args=[1]),
        method="post",
        data=lambda w: {"nik": "3174101506850002", "full_name": "Dewi Lestari"},
        public=True,
        allowed=302,
    ),
    MatrixRow(
        "me:register_reset", lambda w: reverse("me:register_reset"), method="post", public=True, allowed=302
    ),
    _mine("me:progress", marker=lambda w: w.participant.full_name),
    _mine("me:data", marker=lambda w: w.participant.nik_masked),
    _mine("me:consents"),
    _mine(
        "me:consent_grant",
        method="post",
        data=lambda w: {"purpose": "statistics"},
        allowed=302,
        effect=_open_consents,
    ),
    _mine(
        "me:consent_withdraw",
        method="post",
        data=lambda w: {"purpose": "programme", "confirm": "1"},
        allowed=302,
        effect=_open_consents,
    ),
    _mine("me:export_json", marker=lambda w: w.participant.nik),
    _mine("me:export_pdf"),
    _mine("me:requests"),
    _mine(
        "me:requests",
        method="post",
        data=lambda w: {"kind": "access", "details": ""},
        allowed=302,
        effect=_request_count,
    ),
]
