"""Test data for mentoring, made through the real services so rules, stages and audit rows exist."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import factory

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.testing import World, make_member, make_org
from kolabora.core.timeutils import today
from kolabora.mentoring import services
from kolabora.mentoring.choices import SessionMode, Topic
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement, Membership, Organisation
from kolabora.participants.models import Participant
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


class SessionInputFactory(factory.Factory):
    """A valid session held today by default."""

    class Meta:
        model = services.SessionInput

    held_on = factory.LazyFunction(today)
    mode = SessionMode.VISIT
    topics = factory.LazyFunction(lambda: [Topic.BUSINESS_PLAN])
    notes = "Kunjungan ke tempat usaha."
    next_step = ""
    next_step_due = None
    monthly_turnover = None
    photo = None


def session_input(**kw: Any) -> services.SessionInput:
    return cast("services.SessionInput", SessionInputFactory(**kw))


def mentor_of(org: Organisation, username: str) -> User:
    """A member of ``org`` in the mentor role."""
    found = User.objects.filter(username=username).first()
    if found is not None:
        Membership.objects.get_or_create(user=found, organisation=org, role=Role.MENTOR)
        access.forget(found)
        return found
    return make_member(username, org, Role.MENTOR)


def community(world: World, *, agreement: bool) -> Organisation:
    """A community organisation in Cipayung, with (or without) an agreement in force covering P3."""
    org = Organisation.objects.filter(name="Komunitas Uji Cipayung").first() or make_org(
        "Komunitas Uji Cipayung", "31.75.10", OrganisationType.COMMUNITY
    )
    if agreement and not Agreement.objects.filter(partner=org).exists():
        day = today()
        Agreement.objects.create(
            number="MOU/UJI/P3",
            title="Pendampingan berbasis komunitas (uji)",
            lead=world.dinas,
            partner=org,
            stages=["P3"],
            data_categories=["identity", "contact", "pathway"],
            region_id="31.75.10",
            starts_on=day - dt.timedelta(days=30),
            ends_on=day + dt.timedelta(days=300),
            status=AgreementStatus.ACTIVE,
        )
    return org


def start_p3(p: Participant) -> Participant:
    if ParticipantStage.objects.get(participant=p, code="P3").status != "in_progress":
        stage_transition(participant=p, stage="P3", to_status="in_progress", actor=None)
    return p


def p3(p: Participant) -> str:
    return ParticipantStage.objects.get(participant=p, code="P3").status
