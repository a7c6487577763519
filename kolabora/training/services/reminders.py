"""Reminders: the day before a session, and when a follow-up falls due. Sent through notifications."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolabora.accounts.models import User

from ..choices import EnrolmentStatus
from ..models import FollowUp, TrainingSession
from ._common import lock_session

FOLLOW_UP_BATCH = 500


def session_remind(*, session: TrainingSession, now: dt.datetime | None = None) -> int:
    """Remind everyone holding a seat who has an account; once per session (and again after its date
    moves). Returns how many were notified."""
    from kolabora.notifications.services import notify

    at = now or timezone.now()
    with transaction.atomic():
        s = lock_session(session)
        if s.reminded_at is not None or s.has_started(at):
            return 0
        users = list(
            User.objects.filter(
                is_active=True,
                participant__training_enrolments__session=s,
                participant__training_enrolments__status=EnrolmentStatus.ENROLLED,
            ).distinct()
        )
        if users:
            with translation.override(settings.LANGUAGE_CODE):
                start = timezone.localtime(s.starts_at)
                notify(
                    users=users,
                    subject=_("Reminder: %(course)s, %(date)s at %(time)s")
                    % {
                        "course": s.course.title,
                        "date": date_format(start, "l j F"),
                        "time": start.strftime("%H:%M"),
                    },
                    body=_(
                        "Your training session is on %(date)s at %(time)s, %(where)s, with %(trainer)s. "
                        "At the session, enter the attendance code the trainer gives you in Kolabora."
                    )
                    % {
                        "date": date_format(start, "l j F Y"),
                        "time": start.strftime("%H:%M"),
                        "where": s.where,
                        "trainer": s.trainer_name,
                    },
                    link=reverse("training:session_detail", args=[s.pk]),
                    kind="training_reminder",
                )
        s.reminded_at = at
        s.save(update_fields=["reminded_at", "updated_at"])
    return len(users)


def follow_ups_remind(*, now: dt.datetime | None = None) -> int:
    """Ask participants (with an account) whose follow-up is due and unanswered, once each."""
    from kolabora.notifications.services import notify

    at = now or timezone.now()
    due = list(
        FollowUp.objects.filter(
            answered_at__isnull=True,
            reminded_at__isnull=True,
            due_on__lte=timezone.localdate(at),
            enrolment__participant__user__isnull=False,
            enrolment__participant__user__is_active=True,
        )
        .select_related("enrolment__participant__user", "enrolment__session__course")
        .order_by("due_on", "id")[:FOLLOW_UP_BATCH]
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for f in due:
            with transaction.atomic():
                if FollowUp.objects.filter(pk=f.pk, reminded_at__isnull=True).update(reminded_at=at) != 1:
                    continue
                course = f.enrolment.session.course
                user = f.enrolment.participant.user
                assert user is not None
                notify(
                    users=[user],
                    subject=_("Three questions about %(course)s") % {"course": course.title},
                    body=_(
                        "A few weeks ago you attended %(course)s. Are you applying it? Answering takes a "
                        "minute and helps the programme improve its training."
                    )
                    % {"course": course.title},
                    link=reverse("training:follow_up", args=[f.pk]),
                    kind="training_follow_up",
                )
                sent += 1
    return sent
