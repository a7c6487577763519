"""The kinds of service a participant can rate, as plug-ins.

A kind says which services a participant actually received (``received``), finds one of them by id for
that participant only (``get``), and names the organisation responsible for it. Feedback stores the kind's
``subject_type`` and the service's id, so a new kind (a marketplace listing, a bookkeeping class) plugs in
with ``register(...)`` and no migration. Financing referrals are offered when the financing app is
installed and its ``Referral`` model has ``participant`` and ``institution`` fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.apps import apps
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from kolabora.organisations.models import Organisation
    from kolabora.participants.models import Participant


@dataclass(frozen=True)
class ReceivedService:
    kind: str
    subject_type: str
    subject_id: int
    organisation: Organisation
    title: str
    date: dt.date | None


class FeedbackKind(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def subject_type(self) -> str: ...

    @property
    def label(self) -> Promise: ...

    def received(self, participant: Participant) -> list[ReceivedService]: ...

    def get(self, participant: Participant, subject_id: int) -> ReceivedService | None: ...


class TrainingKind:
    """A training session the participant attended (not one they only enrolled in)."""

    code = "training"
    subject_type = "training.enrolment"
    label = gettext_lazy("Training session")

    def _rows(self, participant: Participant) -> Any:
        from kolabora.training.choices import EnrolmentStatus
        from kolabora.training.models import Enrolment

        return (
            Enrolment.objects.filter(participant=participant, status=EnrolmentStatus.ATTENDED)
            .select_related("session__course__provider")
            .order_by("-session__starts_at")
        )

    def _service(self, e: Any) -> ReceivedService:
        course = e.session.course
        return ReceivedService(
            self.code,
            self.subject_type,
            e.pk,
            course.provider,
            f"{course.level_code} {course.title}",
            e.session.day,
        )

    def received(self, participant: Participant) -> list[ReceivedService]:
        return [self._service(e) for e in self._rows(participant)[:50]]

    def get(self, participant: Participant, subject_id: int) -> ReceivedService | None:
        e = self._rows(participant).filter(pk=subject_id).first()
        return self._service(e) if e else None


class MentoringKind:
    """A mentor assignment during which at least one mentoring session took place."""

    code = "mentoring"
    subject_type = "mentoring.mentorassignment"
    label = gettext_lazy("Mentoring")

    def _rows(self, participant: Participant) -> Any:
        from kolabora.mentoring.models import MentorAssignment, MentoringSession

        held = MentoringSession.objects.filter(assignment=OuterRef("pk"))
        return (
            MentorAssignment.objects.filter(participant=participant)
            .filter(Exists(held))
            .select_related("mentor", "organisation")
            .order_by("-started_at")
        )

    def _service(self, a: Any) -> ReceivedService:
        mentor = a.mentor.get_full_name() or a.mentor.username
        return ReceivedService(
            self.code,
            self.subject_type,
            a.pk,
            a.organisation,
            _("Mentoring by %(mentor)s") % {"mentor": mentor},
            timezone.localdate(a.started_at),
        )

    def received(self, participant: Participant) -> list[ReceivedService]:
        return [self._service(a) for a in self._rows(participant)[:20]]

    def get(self, participant: Participant, subject_id: int) -> ReceivedService | None:
        a = self._rows(participant).filter(pk=subject_id).first()
        return self._service(a) if a else None


class LicensingKind:
    """A licence application the participant submitted to a PTSP unit (whatever its outcome)."""

    code = "licensing"
    subject_type = "licensing.licenceapplication"
    label = gettext_lazy("Licence application")

    def _rows(self, participant: Participant) -> Any:
        from kolabora.licensing.models import LicenceApplication

        return (
            LicenceApplication.objects.filter(participant=participant, first_submitted_at__isnull=False)
            .select_related("licence_type", "business", "ptsp")
            .order_by("-first_submitted_at")
        )

    def _service(self, a: Any) -> ReceivedService:
        when = a.decided_at or a.first_submitted_at
        return ReceivedService(
            self.code,
            self.subject_type,
            a.pk,
            a.ptsp,
            f"{a.licence_type.name} — {a.business.name}",
            timezone.localdate(when) if when else None,
        )

    def received(self, participant: Participant) -> list[ReceivedService]:
        return [self._service(a) for a in self._rows(participant)[:20]]

    def get(self, participant: Participant, subject_id: int) -> ReceivedService | None:
        a = self._rows(participant).filter(pk=subject_id).first()
        return self._service(a) if a else None


class FinancingKind:
    """A financing referral to a bank or other institution (when the financing app is installed)."""

    code = "financing"
    subject_type = "financing.referral"
    label = gettext_lazy("Financing referral")

    def _model(self) -> Any:
        if not apps.is_installed("kolabora.financing"):
            return None
        try:
            model = apps.get_model("financing", "Referral")
        except LookupError:
            return None
        names = {f.name for f in model._meta.get_fields()}
        return model if {"participant", "institution"} <= names else None

    def _rows(self, participant: Participant) -> Any:
        model = self._model()
        if model is None:
            return None
        return model.objects.filter(participant=participant).select_related("institution").order_by("-pk")

    def _service(self, r: Any) -> ReceivedService:
        created = getattr(r, "created_at", None)
        return ReceivedService(
            self.code,
            self.subject_type,
            r.pk,
            r.institution,
            _("Financing referral to %(institution)s") % {"institution": r.institution.name},
            timezone.localdate(created) if created else None,
        )

    def received(self, participant: Participant) -> list[ReceivedService]:
        rows = self._rows(participant)
        return [] if rows is None else [self._service(r) for r in rows[:20]]

    def get(self, participant: Participant, subject_id: int) -> ReceivedService | None:
        rows = self._rows(participant)
        r = None if rows is None else rows.filter(pk=subject_id).first()
        return self._service(r) if r else None


KINDS: dict[str, FeedbackKind] = {}


def register(kind: FeedbackKind) -> None:
    KINDS[kind.code] = kind


for _kind in (TrainingKind(), MentoringKind(), LicensingKind(), FinancingKind()):
    register(_kind)


def kind_label(code: str) -> str:
    kind = KINDS.get(code)
    return str(kind.label) if kind else code


def services_received(participant: Participant) -> list[ReceivedService]:
    """Every service of every kind the participant received, most recent first."""
    found: list[ReceivedService] = []
    for kind in KINDS.values():
        found.extend(kind.received(participant))
    return sorted(found, key=lambda s: s.date or dt.date.min, reverse=True)
