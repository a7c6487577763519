"""Feedback: a participant rates a service they received; it reaches the responsible organisation as a
hand-off with a service level; the organisation's answer closes it and notifies the participant."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.testing import World, make_member
from kolabora.governance import services
from kolabora.governance.choices import FeedbackStatus
from kolabora.governance.models import Feedback
from kolabora.governance.selectors.common import Scope
from kolabora.governance.selectors.feedback import feedback_summary, feedback_visible, rateable_services
from kolabora.governance.themes import tag
from kolabora.handoffs.choices import HandoffStatus
from kolabora.handoffs.services import due_date
from kolabora.notifications.models import Notification
from kolabora.organisations.choices import Role
from kolabora.training.choices import EnrolmentStatus
from kolabora.training.models import Enrolment

from .factories import account, attended, participant

pytestmark = pytest.mark.django_db


def t(msgid: str, **values: Any) -> str:
    with translation.override("id"):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)


def give(world: World, enrolment: Enrolment, **extra: Any) -> Feedback:
    data: dict[str, Any] = {
        "participant": world.participant,
        "kind": "training",
        "subject_id": enrolment.pk,
        "rating": 2,
        "comment": "Tempatnya jauh dan jadwal sering berubah, petugas kurang ramah.",
        "actor": world.user("participant"),
    }
    data.update(extra)
    return services.feedback_give(**data)


def test_themes_are_tagged_from_whole_keywords() -> None:
    assert tag("Petugas ramah, tapi harus antre lama.") == ["speed", "staff"]
    assert tag("Butuh pinjaman modal usaha") == ["capital"]
    assert tag("Ramalan cuaca") == []  # "ramah" is not a whole word here
    assert tag("Tidak tahu harus ke mana") == ["information"]
    assert tag("Tempatnya jauh, biayanya mahal") == ["cost", "place_schedule"]


def test_feedback_on_a_service_received_opens_a_handoff_with_a_service_level(world: World) -> None:
    enrolment = attended(world.participant, world.cipayung)
    at = timezone.make_aware(dt.datetime(2026, 11, 2, 10))
    fb = give(world, enrolment, at=at)
    assert fb.organisation == world.cipayung and fb.status == FeedbackStatus.OPEN
    assert fb.themes == ["staff", "place_schedule"]
    h = fb.handoff
    assert h is not None and h.status == HandoffStatus.OPEN and h.organisation == world.cipayung
    assert h.service_days == 3 and h.due_on == due_date(at, 3) and h.participant == world.participant
    assert fb.created_at == at
    staff = world.user("kecamatan")
    assert Notification.objects.filter(
        recipient=staff, link=reverse("governance:feedback_detail", args=[fb.pk])
    ).exists()
    assert AuditEvent.objects.filter(action=AuditAction.FEEDBACK_GIVEN, object_id=str(fb.pk)).count() == 1


def test_only_services_actually_received_and_only_once(world: World) -> None:
    other = participant(account=True)
    theirs = attended(other, world.cipayung)
    with pytest.raises(ValidationError):
        give(world, theirs)  # someone else's session
    enrolled = attended(world.participant, world.cipayung)
    Enrolment.objects.filter(pk=enrolled.pk).update(status=EnrolmentStatus.ENROLLED)
    with pytest.raises(ValidationError):
        give(world, enrolled)  # enrolled, never attended
    mine = attended(world.participant, world.cipayung)
    with pytest.raises(PermissionDenied):
        give(world, mine, actor=world.user("kecamatan"))  # staff cannot rate for the participant
    with pytest.raises(ValidationError) as exc:
        give(world, mine, rating=6)
    assert "rating" in exc.value.message_dict
    with pytest.raises(ValidationError):
        give(world, mine, kind="unknown")
    give(world, mine)
    with pytest.raises(ValidationError):
        give(world, mine)
    assert Feedback.objects.count() == 1
    assert [r.feedback is not None for r in rateable_services(world.participant)] == [True]


def test_the_organisation_answers_within_its_service_level(world: World) -> None:
    at = timezone.make_aware(dt.datetime(2026, 11, 2, 10))
    fb = give(world, attended(world.participant, world.cipayung), at=at)
    with pytest.raises(PermissionDenied):
        services.feedback_answer(
            feedback=fb, actor=world.user("other_org"), answer="Terima kasih atas masukannya."
        )
    with pytest.raises(PermissionDenied):
        services.feedback_answer(
            feedback=fb, actor=world.user("permitted"), answer="Terima kasih atas masukannya."
        )
    with pytest.raises(ValidationError):
        services.feedback_answer(feedback=fb, actor=world.user("kecamatan"), answer="Ok")
    done = services.feedback_answer(
        feedback=fb,
        actor=world.user("kecamatan"),
        answer="Terima kasih, jadwal kami kirim seminggu sebelumnya.",
        at=at + dt.timedelta(days=1),
    )
    assert done.status == FeedbackStatus.ANSWERED and done.answered_by == world.user("kecamatan")
    assert done.handoff is not None
    done.handoff.refresh_from_db()
    assert done.handoff.status == HandoffStatus.DONE and done.handoff.within_service_level is True
    assert Notification.objects.filter(
        recipient=world.user("participant"), link=reverse("governance:my_feedback")
    ).exists()
    with pytest.raises(ValidationError):
        services.feedback_answer(
            feedback=fb, actor=world.user("kecamatan"), answer="Jawaban kedua untuk peserta."
        )


def test_a_late_answer_is_recorded_as_outside_the_service_level(world: World) -> None:
    at = timezone.make_aware(dt.datetime(2026, 11, 2, 10))
    fb = give(world, attended(world.participant, world.cipayung), at=at)
    late = services.feedback_answer(
        feedback=fb,
        actor=world.user("kecamatan"),
        answer="Mohon maaf atas keterlambatan kami.",
        at=at + dt.timedelta(days=9),
    )
    assert late.handoff is not None and late.handoff.within_service_level is False
    summary = feedback_summary(Feedback.objects.all(), Scope())
    assert (summary.count, summary.answered, summary.within, summary.within_share) == (1, 1, 0, 0.0)
    assert summary.median_days == 9.0


def test_who_sees_which_feedback(world: World) -> None:
    fb = give(world, attended(world.participant, world.cipayung))
    elsewhere = participant(kelurahan="31.74.10.1005", account=True)
    services.feedback_give(
        participant=elsewhere,
        kind="training",
        subject_id=attended(elsewhere, world.sudin_jaksel).pk,
        rating=5,
        comment="",
        actor=account(elsewhere),
    )

    def seen(persona: str, codes: tuple[str, ...] | None) -> set[int]:
        return set(feedback_visible(world.user(persona), Scope(codes=codes)).values_list("pk", flat=True))

    assert seen("permitted", ("31.75",)) == {fb.pk}  # FEEDBACK_VIEW over Jakarta Timur
    assert seen("out_of_region", ("31.74",)) == {fb.pk + 1}
    assert seen("kecamatan", ()) == {fb.pk}  # the secretariat it was sent to
    assert seen("other_org", ()) == set()
    assert seen("no_consent", ()) == set()


def test_giving_and_answering_in_the_browser(world: World) -> None:
    enrolment = attended(world.participant, world.cipayung)
    me = Client()
    me.force_login(world.user("participant"))
    page = me.get(reverse("governance:my_feedback")).content.decode()
    give_url = reverse("governance:feedback_give", args=["training", enrolment.pk])
    assert give_url in page
    assert me.post(give_url, {"rating": "9"}).status_code == 422
    assert me.post(give_url, {"rating": "4", "comment": "Materinya bermanfaat."}).status_code == 302
    fb = Feedback.objects.get()
    assert fb.rating == 4 and fb.themes == ["usefulness"]
    assert me.get(give_url).status_code == 302  # already rated: back to the list
    assert (
        me.get(reverse("governance:feedback_give", args=["training", enrolment.pk + 999])).status_code == 404
    )

    staff = Client()
    staff.force_login(world.user("kecamatan"))
    inbox = staff.get(reverse("governance:feedback_list")).content.decode()
    assert "Materinya bermanfaat." in inbox
    detail = staff.get(reverse("governance:feedback_detail", args=[fb.pk])).content.decode()
    assert t("Send the answer") in detail
    answer_url = reverse("governance:feedback_answer", args=[fb.pk])
    assert staff.post(answer_url, {"answer": "Ok"}).status_code == 422
    assert (
        staff.post(answer_url, {"answer": "Terima kasih, sampai jumpa di kelas lanjutan."}).status_code == 302
    )
    assert "sampai jumpa di kelas lanjutan" in me.get(reverse("governance:my_feedback")).content.decode()

    manager = Client()
    manager.force_login(world.user("permitted"))
    overview = manager.get(reverse("governance:feedback_list")).content.decode()
    assert "Materinya bermanfaat." in overview
    csv = manager.get(reverse("governance:feedback_csv")).content.decode("utf-8-sig")
    assert "Materinya bermanfaat." in csv and "Terima kasih, sampai jumpa" in csv
    themes = manager.get(reverse("governance:feedback_csv"), {"table": "themes"}).content.decode("utf-8-sig")
    assert any(line.split(",")[1] == "1" and "materi" in line for line in themes.splitlines()[1:])
    orgs = manager.get(reverse("governance:feedback_csv"), {"table": "organisations"}).content.decode(
        "utf-8-sig"
    )
    assert f"{world.cipayung.name},1,4.0,1,100.0,0" in orgs


def test_a_comment_cannot_become_a_spreadsheet_formula(world: World) -> None:
    give(world, attended(world.participant, world.cipayung), comment='=HYPERLINK("http://x")')
    manager = Client()
    manager.force_login(world.user("permitted"))
    csv = manager.get(reverse("governance:feedback_csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv


def test_other_staff_members_of_the_organisation_also_answer(world: World) -> None:
    fb = give(world, attended(world.participant, world.cipayung))
    mentor = make_member("pendamping.jawab", world.cipayung, Role.MENTOR)
    services.feedback_answer(feedback=fb, actor=mentor, answer="Terima kasih, kami tindak lanjuti.")
    assert Feedback.objects.get(pk=fb.pk).answered_by == mentor
