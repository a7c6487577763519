"""The daily bookkeeping sweep: tell owners when a month of their cash book is empty, complete P6 for
cash books whose run was long enough but was refused earlier, and delete files of imports left unfinished.

Reminders go to owners whose cash book had an entry within the last ``ACTIVE_MONTHS`` months (after that
the owner has stopped, and it is their mentor's work, who sees it on the consistency list):
- once a month ended without entries, once for that month ("Maret masih kosong");
- from the programme's reminder day (the 25th by default), once, when the current month has none yet.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kolabora.participants.models import Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from ..choices import ImportStatus
from ..models import BookkeepingRules, Cashbook, CashMonth, ImportBatch
from ..months import add_months, month_end, month_label, month_start
from .entries import p6_progress

ACTIVE_MONTHS = 6
BATCH = 500
ABANDONED_IMPORT_DAYS = 7


def _active(this_month: dt.date) -> QuerySet[Cashbook]:
    """Cash books with an entry in the last ``ACTIVE_MONTHS`` months whose owner can be told."""
    return Cashbook.objects.filter(
        last_entry_on__gte=add_months(this_month, -ACTIVE_MONTHS),
        business__participant__status="active",
        business__participant__user__isnull=False,
        business__participant__user__is_active=True,
    ).select_related("business__participant__user")


def _reminder_days(participant_ids: set[int]) -> dict[int, int]:
    """Each participant's programme's reminder day (the field's default when it has no rules row)."""
    default = BookkeepingRules._meta.get_field("reminder_day").get_default()
    by_programme = dict(BookkeepingRules.objects.values_list("programme_id", "reminder_day"))
    return {
        pid: by_programme.get(programme_id, default)
        for pid, programme_id in ParticipantStage.objects.filter(
            participant_id__in=participant_ids, code="P6"
        ).values_list("participant_id", "stage__programme_id")
    }


def cashbook_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send the month reminders that are due; returns how many were sent."""
    from kolabora.notifications.services import notify

    at = now or timezone.now()
    day = timezone.localdate(at)
    this_month = month_start(day)
    last_month = add_months(this_month, -1)
    has_last_month = CashMonth.objects.filter(business=OuterRef("business"), month=last_month)
    ended_empty = list(
        _active(this_month)
        .exclude(reminded_for=last_month)
        .filter(last_entry_on__lt=this_month)
        .exclude(Exists(has_last_month))[:BATCH]
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for book in ended_empty:
            with transaction.atomic():
                if (
                    Cashbook.objects.filter(pk=book.pk)
                    .exclude(reminded_for=last_month)
                    .update(reminded_for=last_month)
                    != 1
                ):
                    continue
                business = book.business
                user = business.participant.user
                assert user is not None
                notify(
                    users=[user],
                    subject=_("Your cash book for %(month)s is empty") % {"month": month_label(last_month)},
                    body=_(
                        "%(business)s has no money in or out recorded for %(month)s. Recording every month "
                        "keeps your financial statements good enough to take to a bank; you can still add "
                        "that month's entries with their own dates."
                    )
                    % {"business": business.name, "month": month_label(last_month)},
                    link=reverse("bookkeeping:cashbook", args=[business.pk])
                    + f"?tgl={month_end(last_month).isoformat()}",
                    kind="cashbook_empty_month",
                )
                sent += 1
        still_empty = list(
            _active(this_month).exclude(nudged_for=this_month).filter(last_entry_on__lt=this_month)[:BATCH]
        )
        days = _reminder_days({c.business.participant_id for c in still_empty})
        for book in still_empty:
            business = book.business
            if day.day < days.get(business.participant_id, 25):
                continue
            with transaction.atomic():
                if (
                    Cashbook.objects.filter(pk=book.pk)
                    .exclude(nudged_for=this_month)
                    .update(nudged_for=this_month)
                    != 1
                ):
                    continue
                user = business.participant.user
                assert user is not None
                notify(
                    users=[user],
                    subject=_("Nothing recorded in your cash book this month yet"),
                    body=_(
                        "%(month)s is nearly over and %(business)s has no entries for it yet. A few entries "
                        "keep your run of months going."
                    )
                    % {"business": business.name, "month": month_label(this_month)},
                    link=reverse("bookkeeping:cashbook", args=[business.pk]),
                    kind="cashbook_month_nudge",
                )
                sent += 1
    return sent


def p6_catch_up(*, now: dt.datetime | None = None) -> int:
    """Complete P6 for participants whose cash book has a long enough run but whose P6 was refused when it
    happened (e.g. registration was not complete yet); returns how many completed now."""
    at = now or timezone.now()
    open_p6 = ParticipantStage.objects.filter(
        participant=OuterRef("business__participant"), code="P6"
    ).exclude(status=StageStatus.COMPLETED)
    # The smallest number of months any programme asks for bounds the search; each participant's own
    # programme decides in ``p6_progress``.
    default = BookkeepingRules._meta.get_field("months_for_completion").get_default()
    fewest = BookkeepingRules.objects.aggregate(n=Min("months_for_completion"))["n"]
    least = min(default, fewest) if fewest is not None else default
    people = set(
        Cashbook.objects.filter(longest_run__gte=least)
        .filter(Exists(open_p6))
        .values_list("business__participant_id", flat=True)[:BATCH]
    )
    done = 0
    for participant in Participant.objects.filter(pk__in=people, status="active"):
        with transaction.atomic():
            if p6_progress(participant=participant, at=at) == StageStatus.COMPLETED:
                done += 1
    return done


def import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete imports left unfinished for a week (their files hold someone's finances)."""
    at = now or timezone.now()
    stale = ImportBatch.objects.exclude(status=ImportStatus.DONE).filter(
        updated_at__lt=at - dt.timedelta(days=ABANDONED_IMPORT_DAYS)
    )
    count = 0
    for batch in stale[:BATCH]:
        with transaction.atomic():
            if batch.file:
                batch.file.delete(save=False)
            batch.delete()
            count += 1
    return count
