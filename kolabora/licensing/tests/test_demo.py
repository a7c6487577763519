"""The licensing demo: every state of an IUMK case in Ulujami, overdue work in the inboxes, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kolabora.accounts.models import User
from kolabora.core.demo import DemoContext
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.models import Handoff
from kolabora.handoffs.tasks import mark_overdue_handoffs
from kolabora.licensing import demo
from kolabora.licensing.choices import ApplicationStatus, LicenceStatus
from kolabora.licensing.models import Licence, LicenceApplication, SiteSurvey
from kolabora.licensing.selectors import inbox, returned_items
from kolabora.notifications.models import Notification
from kolabora.organisations import demo as organisations_demo
from kolabora.participants.models import Participant

pytestmark = pytest.mark.django_db

PASSWORD = "kolabora-demo-2026"


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "participants": Participant.objects.count(),
        "applications": LicenceApplication.objects.count(),
        "handoffs": Handoff.objects.count(),
        "licences": Licence.objects.count(),
        "surveys": SiteSurvey.objects.count(),
    }


@pytest.fixture
def seeded() -> DemoContext:
    ctx = DemoContext(password=PASSWORD)
    organisations_demo.seed(ctx)
    demo.seed(ctx)
    return ctx


def test_every_state_of_the_case_is_there(seeded: DemoContext) -> None:
    apps = LicenceApplication.objects.filter(kelurahan_id=demo.KELURAHAN)
    assert set(apps.values_list("status", flat=True)) == set(ApplicationStatus) - {
        ApplicationStatus.WITHDRAWN
    }
    residents = Participant.objects.filter(nik__in=[r.nik for r in demo.RESIDENTS])
    assert residents.count() == len(demo.RESIDENTS) == 12
    assert all(p.kelurahan_id == demo.KELURAHAN and p.nik.startswith("317410") for p in residents)

    draft = apps.get(status=ApplicationStatus.DRAFT)
    assert 0 < draft.items.count() < draft.licence_type.requirements.count()
    returned = apps.get(status=ApplicationStatus.RETURNED)
    assert len(returned_items(returned)) == 2 and all(reason for _name, reason in returned_items(returned))
    assert apps.filter(status=ApplicationStatus.SUBMITTED, submissions=2).exists()  # fixed and sent again
    surveys = SiteSurvey.objects.filter(application__status=ApplicationStatus.SURVEY)
    assert surveys.filter(scheduled_on__gte=timezone.localdate(), recorded_at__isnull=True).count() == 1
    issued = apps.get(status=ApplicationStatus.ISSUED)
    assert issued.licence.status == LicenceStatus.VALID and issued.licence.number.startswith("IUMK/")
    refused = apps.get(status=ApplicationStatus.REFUSED)
    assert refused.survey.zoning == "green_belt" and refused.refusal_advice
    nib = Licence.objects.get(licence_type__code="nib", participant__nik__startswith="317410")
    assert nib.status == LicenceStatus.PENDING_VERIFICATION and nib.existing


def test_the_ptsp_and_kelurahan_inboxes_have_overdue_work(
    seeded: DemoContext, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    ptsp, lurah = User.objects.get(username="ptsp.ulujami"), User.objects.get(username="lurah.ulujami")
    surveyor = User.objects.get(username=demo.SURVEYOR)
    assert any(h.due_on < today for h in inbox(user=ptsp))
    assert {h.step for h in inbox(user=lurah) if h.due_on < today} >= {"survey", "recommendation"}
    assert any(h.due_on >= today for h in inbox(user=ptsp))  # and some that are still on time
    # The daily sweep tells the people holding them.
    with django_capture_on_commit_callbacks(execute=True):
        noted = mark_overdue_handoffs.call()
    overdue = Handoff.objects.filter(status=HandoffStatus.OPEN, due_on__lt=today).count()
    assert noted == overdue >= 3
    for user in (ptsp, lurah, surveyor):
        assert Notification.objects.filter(recipient=user, kind="handoff_overdue").exists()


def test_seeding_twice_creates_nothing_new(seeded: DemoContext) -> None:
    before = counts()
    again = DemoContext(password=PASSWORD)
    organisations_demo.seed(again)
    demo.seed(again)
    assert counts() == before
    usernames = [a.username for a in again.accounts]
    assert usernames.count(demo.SURVEYOR) == 1 and usernames.count(demo.DESK) == 1
    applicant = Participant.objects.get(nik=demo.SHOWN_APPLICANT).user
    assert applicant is not None and applicant.username in usernames
    surveyor = User.objects.get(username=demo.SURVEYOR)
    assert surveyor.check_password(PASSWORD)
    assert surveyor.memberships.get().organisation.name == demo.OFFICE


def test_demo_files_are_real_pngs() -> None:
    data = demo.png()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
