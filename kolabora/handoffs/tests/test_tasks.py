"""Hand-offs as the organisations holding them live them: due dates, the overdue sweep and its
notifications, and reassigning a step within the organisation."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import make_member, make_org, make_user
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.services import handoff_finish, handoff_open, handoff_reassign
from kolabora.handoffs.tasks import OVERDUE_KIND, _work_link, mark_overdue_handoffs
from kolabora.notifications.models import Notification
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.organisations.models import Membership, Organisation

pytestmark = pytest.mark.django_db

KELURAHAN = "31.75.10.1001"


@dataclass
class Office:
    org: Organisation
    officer: User
    colleague: User
    former: User
    disabled: User
    outsider: User

    def open(self, *, days_ago: int = 0, step: str = "verification", **extra: Any) -> Handoff:
        return handoff_open(
            subject_type="test.case",
            subject_id=extra.pop("subject_id", 1),
            step=step,
            step_name="Pemeriksaan kelengkapan",
            organisation=self.org,
            service_days=1,
            at=timezone.now() - dt.timedelta(days=days_ago),
            **extra,
        )


@pytest.fixture
def office() -> Office:
    org = make_org("PTSP Kelurahan Uji", KELURAHAN, OrganisationType.PTSP_UNIT)
    former = make_member("ptsp.pindah", org, Role.PTSP_OFFICER)
    Membership.objects.filter(user=former).update(is_active=False)
    disabled = make_member("ptsp.nonaktif", org, Role.PTSP_OFFICER)
    User.objects.filter(pk=disabled.pk).update(is_active=False)
    other = make_org("Kantor Kelurahan Lain", KELURAHAN, OrganisationType.KELURAHAN_OFFICE)
    return Office(
        org=org,
        officer=make_member("ptsp.satu", org, Role.PTSP_OFFICER),
        colleague=make_member("ptsp.dua", org, Role.PTSP_OFFICER),
        former=former,
        disabled=disabled,
        outsider=make_member("kelurahan.lain", other, Role.KELURAHAN_STAFF),
    )


def _local(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T09:00"))


def test_due_dates_count_working_days_and_the_service_level_is_judged_when_done(office: Office) -> None:
    # Wednesday 23 December 2026: Christmas Eve (cuti bersama), Christmas and the weekend are skipped.
    h = handoff_open(
        subject_type="test.case",
        subject_id=7,
        step="survey",
        step_name="Survei lokasi",
        organisation=office.org,
        service_days=1,
        at=_local("2026-12-23"),
    )
    assert h.due_on == dt.date(2026, 12, 28)
    on_time = handoff_finish(handoff=h, actor=office.officer, outcome="Selesai", at=_local("2026-12-28"))
    assert on_time.status == HandoffStatus.DONE and on_time.within_service_level is True
    late = handoff_open(
        subject_type="test.case",
        subject_id=8,
        step="survey",
        step_name="Survei lokasi",
        organisation=office.org,
        service_days=3,
        at=_local("2026-11-20"),
    )
    assert late.due_on == dt.date(2026, 11, 25)  # Friday + 3 working days
    assert (
        handoff_finish(
            handoff=late, actor=None, outcome="Selesai", at=_local("2026-11-26")
        ).within_service_level
        is False
    )
    with pytest.raises(ValidationError):
        handoff_finish(handoff=late, actor=None, outcome="Lagi")


def test_the_sweep_notes_each_overdue_step_once_and_tells_its_holders_once(
    office: Office, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    overdue = office.open(days_ago=20, assignee=office.officer)
    office.open(days_ago=0, subject_id=2)  # not due yet
    done = office.open(days_ago=20, subject_id=3)
    handoff_finish(handoff=done, actor=office.officer, outcome="Selesai")

    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_handoffs.call() == 1
    overdue.refresh_from_db()
    assert overdue.overdue_noted_at is not None
    assert (
        AuditEvent.objects.filter(action=AuditAction.HANDOFF_OVERDUE, object_id=str(overdue.pk)).count() == 1
    )
    # Active members only (the assignee is one of them and gets it once); nobody outside.
    sent = Notification.objects.filter(kind=OVERDUE_KIND)
    assert sorted(n.recipient.username for n in sent) == ["ptsp.dua", "ptsp.satu"]
    assert sorted(m.to[0] for m in mailoutbox) == ["ptsp.dua@example.test", "ptsp.satu@example.test"]
    note = sent.first()
    assert note is not None
    assert "Pemeriksaan kelengkapan" in note.subject and str(overdue.due_on.year) in note.subject
    assert office.org.name in note.body
    assert note.link == reverse("core:home")  # a subject without a work page of its own: the work list

    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_handoffs.call() == 0
    assert Notification.objects.filter(kind=OVERDUE_KIND).count() == 2
    assert len(mailoutbox) == 2


def test_an_assignee_outside_the_organisation_is_told_too(
    office: Office, django_capture_on_commit_callbacks: Any
) -> None:
    # Assigned while they still worked there; their membership has ended since.
    office.open(days_ago=20, assignee=office.former)
    User.objects.filter(pk=office.colleague.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        mark_overdue_handoffs.call()
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "ptsp.pindah",
        "ptsp.satu",
    ]


def test_the_sweep_command_runs_or_queues_the_overdue_sweep(
    office: Office, django_capture_on_commit_callbacks: Any
) -> None:
    office.open(days_ago=20)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep", stdout=out)
    assert "agreements expired: 0" in out.getvalue() and "handoffs overdue: 1" in out.getvalue()
    office.open(days_ago=20, subject_id=2)
    queued = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep", "--enqueue", stdout=queued)
    assert "queued: expire_agreements" in queued.getvalue()
    assert "queued: mark_overdue_handoffs" in queued.getvalue()
    # The tests' task backend runs queued work at once.
    assert (
        not Handoff.objects.filter(status=HandoffStatus.OPEN, overdue_noted_at__isnull=True)
        .exclude(due_on__gte=timezone.localdate())
        .exists()
    )


def test_reassigning_is_audited_and_only_to_someone_of_the_holding_organisation(office: Office) -> None:
    h = office.open()
    handoff_reassign(handoff=h, assignee=office.colleague, actor=office.officer)
    h.refresh_from_db()
    assert h.assignee == office.colleague
    event = AuditEvent.objects.get(action=AuditAction.HANDOFF_REASSIGNED, object_id=str(h.pk))
    assert event.actor == office.officer and event.organisation == office.org
    assert event.before == {"assignee": None} and event.after == {"assignee": office.colleague.pk}

    for stranger in (office.outsider, office.former, make_user("tanpa.organisasi")):
        with pytest.raises(ValidationError) as refused:
            handoff_reassign(handoff=h, assignee=stranger, actor=office.officer)
        assert "assignee" in refused.value.message_dict
    h.refresh_from_db()
    assert h.assignee == office.colleague
    assert AuditEvent.objects.filter(action=AuditAction.HANDOFF_REASSIGNED).count() == 1

    handoff_reassign(handoff=h, assignee=None, actor=office.officer)  # back to the organisation as a whole
    handoff_finish(handoff=h, actor=office.officer, outcome="Selesai")
    with pytest.raises(ValidationError):
        handoff_reassign(handoff=h, assignee=office.officer, actor=office.officer)


@pytest.mark.parametrize(
    ("subject_type", "expected"),
    [
        ("licensing.licenceapplication", "/perizinan/kotak-masuk/"),
        ("marketing.curationreview", "/pemasaran/kurasi/"),
        ("financing.referral", "/permodalan/rujukan/7/"),
        ("governance.feedback", "/tata-kelola/umpan-balik/7/"),
        ("unknown.thing", "/"),
    ],
)
def test_an_overdue_notice_links_to_where_the_step_is_worked(subject_type: str, expected: str) -> None:
    assert _work_link(Handoff(subject_type=subject_type, subject_id=7)) == expected
