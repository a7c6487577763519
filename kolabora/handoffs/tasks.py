"""Background work for hand-offs: the daily overdue sweep and its notifications."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kolabora.accounts.models import User
from kolabora.notifications.models import Notification
from kolabora.notifications.services import notify

from .models import Handoff
from .services import handoffs_mark_overdue

OVERDUE_KIND = "handoff_overdue"


# Where the holders of a step work on it, by the hand-off's subject: (URL name, whether it takes the id).
WORK_PAGES: dict[str, tuple[str, bool]] = {
    "licensing.licenceapplication": ("licensing:inbox", False),
    "licensing.licence": ("licensing:inbox", False),
    "marketing.curationreview": ("marketing:curation_queue", False),
    "financing.referral": ("financing:referral", True),
    "governance.feedback": ("governance:feedback_detail", True),
}


def _work_link(handoff: Handoff) -> str:
    """The page where the step is worked; the home page (with its work list) for a subject not listed."""
    name, with_id = WORK_PAGES.get(handoff.subject_type, ("core:home", False))
    try:
        return reverse(name, args=[handoff.subject_id] if with_id else [])
    except NoReverseMatch:
        return "/"


def handoff_overdue_notify(*, handoff: Handoff) -> list[Notification]:
    """Tell the active members of the organisation holding an overdue step (and its assignee, if any).

    Written in the programme's language (Indonesian by default): the people holding the step read it
    there and in their email. Call it once per hand-off, when the sweep notes it overdue.
    """
    recipients = list(
        User.objects.filter(
            memberships__organisation_id=handoff.organisation_id, memberships__is_active=True, is_active=True
        ).distinct()
    )
    if handoff.assignee is not None and handoff.assignee not in recipients:
        recipients.append(handoff.assignee)
    with translation.override(settings.LANGUAGE_CODE):
        due = formats.date_format(handoff.due_on, "j F Y")
        received = formats.date_format(timezone.localdate(handoff.received_at), "j F Y")
        subject = _("Overdue: %(step)s (due %(due)s)") % {"step": handoff.step_name, "due": due}
        body = _(
            "The step “%(step)s” that %(organisation)s received on %(received)s was due on %(due)s and is "
            "not done yet. Open the inbox to handle it, or hand it to a colleague who can."
        ) % {
            "step": handoff.step_name,
            "organisation": handoff.organisation.name,
            "received": received,
            "due": due,
        }
    return notify(users=recipients, subject=subject, body=body, link=_work_link(handoff), kind=OVERDUE_KIND)


@task()
def mark_overdue_handoffs() -> int:
    """Daily sweep: note every open hand-off past its due date and notify its holders, once per hand-off.

    Returns how many hand-offs this run noted overdue.
    """
    started = timezone.now()
    ids = handoffs_mark_overdue()
    # The service returns every id it selected, also one a concurrent sweep noted first; keeping the rows
    # noted since this run started avoids most double notifications when two sweeps overlap.
    noted = (
        Handoff.objects.filter(pk__in=ids, overdue_noted_at__gte=started)
        .select_related("organisation", "assignee")
        .order_by("pk")
    )
    count = 0
    for handoff in noted:
        handoff_overdue_notify(handoff=handoff)
        count += 1
    return count
