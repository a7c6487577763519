"""The mentoring API: sessions and assignments, scoped by the access gate."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kolabora.core.testing import World
from kolabora.core.timeutils import today
from kolabora.mentoring import services
from kolabora.mentoring.models import MentoringSession

from .conftest import Mentoring
from .factories import community, mentor_of, p3, session_input

pytestmark = pytest.mark.django_db

URL = "/api/v1/mentoring-sessions"


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def body(w: World, **kw: Any) -> dict[str, Any]:
    return {
        "participant_id": w.participant.pk,
        "held_on": today().isoformat(),
        "mode": "phone",
        "topics": ["bookkeeping"],
        "notes": "Buku kas mulai diisi.",
        **kw,
    }


def test_a_mentor_logs_a_session_and_p3_starts(m: Mentoring) -> None:
    response = post(
        m.world.client("mentor"), body(m.world, next_step="Isi buku kas", next_step_due=today().isoformat())
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["participant_id"] == m.world.participant.pk and data["topics"] == ["bookkeeping"]
    assert data["has_photo"] is False
    assert p3(m.world.participant) == "in_progress"


def test_invalid_sessions_answer_422_with_field_errors(m: Mentoring) -> None:
    response = post(m.world.client("mentor"), body(m.world, topics=[], mode="pos"))
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"topics", "mode"}
    assert not MentoringSession.objects.exists()


def test_who_may_log_through_the_api(m: Mentoring) -> None:
    w = m.world
    assert post(w.client("permitted"), body(w)).status_code == 403  # a manager is not a mentor
    assert post(w.client("out_of_region"), body(w)).status_code == 404
    assert post(w.client("no_consent"), body(w)).status_code == 404
    assert post(w.client("anonymous"), body(w)).status_code == 401
    services.session_log(participant=w.participant, actor=m.mentor, data=session_input())
    other = Client()
    other.force_login(m.mentor2)
    assert post(other, body(w)).status_code == 422  # she has a mentor already
    assert MentoringSession.objects.count() == 1


def test_lists_are_scoped_to_what_the_caller_may_see(m: Mentoring) -> None:
    w = m.world
    services.session_log(
        participant=w.participant, actor=m.mentor, data=session_input(notes="Catatan kecamatan")
    )
    org = community(w, agreement=True)
    volunteer = mentor_of(org, "kader.uji")
    from kolabora.core.testing import make_member, make_participant
    from kolabora.organisations.choices import Role

    other = make_participant(nik="3175100101900031", full_name="Budi Santoso", kelurahan="31.75.10.1002")
    services.mentor_assign(participant=other, mentor=volunteer, actor=w.user("kecamatan"))
    services.session_log(participant=other, actor=volunteer, data=session_input(notes="Catatan komunitas"))
    staffer = Client()
    staffer.force_login(make_member("staf.komunitas", org, Role.COMMUNITY_STAFF))

    def notes(client: Client, query: str = "") -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.content
        return sorted(s["notes"] for s in response.json())

    assert notes(w.client("permitted")) == ["Catatan kecamatan", "Catatan komunitas"]
    assert notes(w.client("mentor"), "?mine=true") == ["Catatan kecamatan"]
    assert notes(w.client("out_of_region")) == []
    assert notes(w.client("no_consent")) == []
    assert notes(staffer) == ["Catatan komunitas"]
    assert w.client("other_org").get(URL).status_code == 403
    assert w.client("anonymous").get(URL).status_code == 401

    assignments = w.client("permitted").get("/api/v1/mentoring-assignments").json()
    assert sorted(a["participant_name"] for a in assignments) == ["Budi Santoso", "Siti Aminah"]
    assert w.client("out_of_region").get("/api/v1/mentoring-assignments").json() == []
