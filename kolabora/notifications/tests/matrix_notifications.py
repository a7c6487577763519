"""Permission-matrix rows for the notifications page (discovered by core's matrix test).

Every logged-in person may open the page, so each persona gets 200; what the matrix checks is that only
the permitted persona sees the notification addressed to them.
"""

from __future__ import annotations

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.notifications.models import Notification
from kolabora.notifications.services import notify

SUBJECT = "Permohonan IUMK menunggu pemeriksaan (uji matriks)"


def _page_with_a_notification(w: World) -> str:
    """The page's address, after making sure the permitted persona has a notification to see.

    The url callable is the matrix's only hook that runs before the request.
    """
    user = w.user("permitted")
    if not Notification.objects.filter(recipient=user, subject=SUBJECT).exists():
        notify(users=[user], subject=SUBJECT, body="Untuk diperiksa.", link="/", kind="matrix")
    return reverse("notifications:list")


ROWS = [
    MatrixRow(
        "notifications:list", _page_with_a_notification, marker=lambda w: SUBJECT, permitted_as="permitted"
    ),
]
