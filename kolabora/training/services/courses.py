"""Courses: created as drafts by the organisations that offer training, then published."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kolabora.core.audit import audit_record, changed, snapshot
from kolabora.core.choices import AuditAction

from .. import permissions
from ..choices import CourseStatus, EnrolmentStatus
from ..models import FOLLOW_UP_WEEKS_DEFAULT, Course, Enrolment

if TYPE_CHECKING:
    from kolabora.accounts.models import User
    from kolabora.organisations.models import Organisation

COURSE_FIELDS = ("title", "description", "kind", "track", "level", "topic", "follow_up_weeks")


def require_offer(actor: User, organisation: Organisation) -> None:
    """The actor offers training for the organisation, and the organisation may offer training now."""
    if not permissions.can_offer(actor, organisation):
        raise PermissionDenied
    if not permissions.serves_training(organisation):
        raise ValidationError(
            _(
                "%(organisation)s has no agreement in force covering training (P2), so it cannot offer "
                "courses now. Ask the programme office to renew the agreement."
            )
            % {"organisation": organisation.name}
        )


def course_create(
    *,
    provider: Organisation,
    actor: User,
    title: str,
    kind: str,
    track: str,
    level: int,
    topic: str,
    description: str = "",
    follow_up_weeks: int = FOLLOW_UP_WEEKS_DEFAULT,
) -> Course:
    """Create a draft course for ``provider``; participants see it once it is published."""
    require_offer(actor, provider)
    with transaction.atomic():
        course = Course(
            provider=provider,
            title=title.strip(),
            description=description.strip(),
            kind=kind,
            track=track,
            level=level,
            topic=topic,
            follow_up_weeks=follow_up_weeks,
            created_by=actor,
        )
        course.full_clean()
        course.save()
        audit_record(
            actor=actor,
            action=AuditAction.COURSE_CREATED,
            obj=course,
            organisation=provider,
            after={"provider": provider.pk, **snapshot(course, COURSE_FIELDS)},
        )
    return course


def course_update(
    *,
    course: Course,
    actor: User,
    title: str,
    kind: str,
    track: str,
    level: int,
    topic: str,
    description: str = "",
    follow_up_weeks: int = FOLLOW_UP_WEEKS_DEFAULT,
) -> Course:
    """Change a course. Its level is fixed once attendance has been recorded: the pathway already
    counted it."""
    with transaction.atomic():
        c = Course.objects.select_for_update(of=("self",)).select_related("provider").get(pk=course.pk)
        require_offer(actor, c.provider)
        before = snapshot(c, COURSE_FIELDS)
        if (
            level != c.level
            and Enrolment.objects.filter(
                session__course=c, status__in=[EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT]
            ).exists()
        ):
            raise ValidationError(
                {
                    "level": _(
                        "Attendance has been recorded for this course, so its level can no longer change."
                    )
                }
            )
        c.title, c.description = title.strip(), description.strip()
        c.kind, c.track, c.level, c.topic, c.follow_up_weeks = kind, track, level, topic, follow_up_weeks
        c.full_clean()
        old, new = changed(before, snapshot(c, COURSE_FIELDS))
        if new:
            c.save()
            audit_record(
                actor=actor,
                action=AuditAction.COURSE_UPDATED,
                obj=c,
                organisation=c.provider,
                before=old,
                after=new,
            )
    return c


def course_publish(*, course: Course, actor: User) -> Course:
    """Open a draft course to participants. A partner publishes only under an agreement covering P2."""
    with transaction.atomic():
        c = Course.objects.select_for_update(of=("self",)).select_related("provider").get(pk=course.pk)
        require_offer(actor, c.provider)
        if c.status == CourseStatus.PUBLISHED:
            raise ValidationError(_("This course is already published."))
        c.status = CourseStatus.PUBLISHED
        c.published_at = timezone.now()
        c.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.COURSE_PUBLISHED,
            obj=c,
            organisation=c.provider,
            before={"status": CourseStatus.DRAFT},
            after={"status": CourseStatus.PUBLISHED},
        )
    return c
