"""What mentors and the secretariat read: the caseload by urgency, progress, and who sees which rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kolabora.core.testing import make_participant
from kolabora.core.timeutils import today
from kolabora.mentoring import selectors, services
from kolabora.mentoring.choices import Urgency
from kolabora.participants.models import Participant
from kolabora.pathway.services import stage_transition

from .conftest import Mentoring
from .factories import community, mentor_of, session_input, start_p3

pytestmark = pytest.mark.django_db


def person(tail: str, name: str) -> Participant:
    return start_p3(make_participant(nik=f"317510010190{tail}", full_name=name, kelurahan="31.75.10.1002"))


def log(m: Mentoring, p: Participant, *, days_ago: int, due_in: int | None = None) -> None:
    held = today() - dt.timedelta(days=days_ago)
    services.session_log(
        participant=p,
        actor=m.mentor,
        data=session_input(
            held_on=held,
            next_step="Langkah berikut" if due_in is not None else "",
            next_step_due=today() + dt.timedelta(days=due_in) if due_in is not None else None,
        ),
    )


def quiet(p: Participant, days: int) -> None:
    Participant.objects.filter(pk=p.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=days))


def test_the_caseload_puts_the_most_urgent_first(m: Mentoring, django_assert_max_num_queries: Any) -> None:
    staff = m.world.user("kecamatan")
    names = ["Planned later", "On track", "Not visited", "Overdue", "At risk long", "Planned soon", "At risk"]
    people = {n: person(f"00{i + 1:02d}", n) for i, n in enumerate(names)}
    for p in people.values():
        services.mentor_assign(participant=p, mentor=m.mentor, actor=staff)
    log(m, people["Planned later"], days_ago=2, due_in=9)
    log(m, people["Planned soon"], days_ago=2, due_in=2)
    log(m, people["On track"], days_ago=3)
    log(m, people["Overdue"], days_ago=10, due_in=-3)
    log(m, people["At risk"], days_ago=5, due_in=-1)  # overdue too, but at risk comes first
    quiet(people["At risk"], 40)
    quiet(people["At risk long"], 70)
    quiet(people["Not visited"], 3)
    # Someone else's mentee and a completed one stay out.
    other = person("0099", "Other mentor's")
    services.mentor_assign(participant=other, mentor=m.mentor2, actor=staff)
    stage_transition(participant=people["On track"], stage="P3", to_status="completed", actor=None)

    with django_assert_max_num_queries(6):
        rows = selectors.caseload(user=m.mentor)
    assert [r.participant.full_name for r in rows] == [
        "At risk long",
        "At risk",
        "Overdue",
        "Not visited",
        "Planned soon",
        "Planned later",
    ]
    assert [r.urgency for r in rows] == [
        Urgency.AT_RISK,
        Urgency.AT_RISK,
        Urgency.OVERDUE,
        Urgency.NOT_VISITED,
        Urgency.UPCOMING,
        Urgency.UPCOMING,
    ]
    assert rows[1].overdue and rows[1].days_inactive == 40
    assert rows[2].days_overdue == 3 and rows[4].days_to_due == 2 and rows[4].sessions == 1


def test_caseload_queries_do_not_grow_with_its_size(m: Mentoring, django_assert_max_num_queries: Any) -> None:
    staff = m.world.user("kecamatan")
    for i in range(12):
        p = person(f"01{i:02d}", f"Peserta {i}")
        services.mentor_assign(participant=p, mentor=m.mentor, actor=staff)
        log(m, p, days_ago=1, due_in=3)
    with django_assert_max_num_queries(6):
        assert len(selectors.caseload(user=m.mentor)) == 12


def test_progress_counts_mentored_completed_and_licensed(m: Mentoring) -> None:
    staff = m.world.user("kecamatan")
    a, b, c = person("0001", "Ani A"), person("0002", "Budi B"), person("0003", "Cici C")
    for p in (a, b):
        services.mentor_assign(participant=p, mentor=m.mentor, actor=staff)
        log(m, p, days_ago=1)
        log(m, p, days_ago=0)
    services.mentor_assign(participant=c, mentor=m.mentor2, actor=staff)
    stage_transition(participant=a, stage="P3", to_status="completed", actor=None)
    stage_transition(participant=a, stage="P4", to_status="completed", actor=None)
    start, end = selectors.year_bounds(today().year)
    progress = selectors.progress_by_mentor(mentor_ids=[m.mentor.pk, m.mentor2.pk], start=start, end=end)
    mine = progress[m.mentor.pk]
    assert (mine.sessions, mine.mentored, mine.p3_completed, mine.p4_reached) == (4, 2, 1, 1)
    assert progress[m.mentor2.pk].mentored == 0
    last_year = selectors.progress_by_mentor(
        mentor_ids=[m.mentor.pk], start=dt.date(2000, 1, 1), end=dt.date(2000, 12, 31)
    )
    assert last_year[m.mentor.pk].sessions == 0


def test_sessions_are_read_within_the_access_gate(m: Mentoring) -> None:
    w = m.world
    log(m, w.participant, days_ago=0)
    org = community(w, agreement=True)
    volunteer = mentor_of(org, "kader.uji")
    other = person("0001", "Peserta Komunitas")
    services.mentor_assign(participant=other, mentor=volunteer, actor=w.user("kecamatan"))
    services.session_log(participant=other, actor=volunteer, data=session_input())

    def seen(user_key: str) -> set[str]:
        return {s.participant.full_name for s in selectors.session_list(user=w.user(user_key))}

    assert seen("permitted") == {"Siti Aminah", "Peserta Komunitas"}  # Jakarta Timur's manager
    assert seen("kecamatan") == {"Siti Aminah", "Peserta Komunitas"}
    assert seen("out_of_region") == set()
    assert seen("no_consent") == set()  # a training partner without consent
    assert seen("other_org") == set()
    assert {s.participant.full_name for s in selectors.session_list(user=w.user("participant"))} == {
        "Siti Aminah"
    }
    assert {a.participant.full_name for a in selectors.assignment_list(user=w.user("out_of_region"))} == set()


def test_mentoring_rows_of_other_organisations_stay_with_them(m: Mentoring) -> None:
    """A community organisation reaching a participant by its relationship reads what it recorded, not the
    secretariat's notes."""
    w = m.world
    org = community(w, agreement=True)
    volunteer = mentor_of(org, "kader.uji")
    staff = w.user("kecamatan")
    p = w.participant
    log(m, p, days_ago=3)
    services.mentor_assign(participant=p, mentor=volunteer, actor=staff, reason="Dekat dengan komunitas")
    services.session_log(participant=p, actor=volunteer, data=session_input())
    # The community organisation's region is Cipayung, so its mentor role covers it by region as well; a
    # community staff member reaches the participant only through the relationship.
    from kolabora.core.testing import make_member
    from kolabora.organisations.choices import Role

    staffer = make_member("staf.komunitas", org, Role.COMMUNITY_STAFF)
    assert {s.organisation_id for s in selectors.session_list(user=staffer)} == {org.pk}
