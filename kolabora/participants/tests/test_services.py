from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.testing import PASSWORD, World, make_participant
from kolabora.organisations.choices import AgreementStatus
from kolabora.organisations.models import Agreement
from kolabora.participants.bulk import kelurahan_map
from kolabora.participants.choices import BusinessScale, RegistrationChannel
from kolabora.participants.models import Consent, DataRequest, Participant
from kolabora.participants.scale import business_scale
from kolabora.participants.selectors import likely_duplicates
from kolabora.participants.services import (
    BusinessInput,
    RegistrationInput,
    consent_grant,
    consent_withdraw,
    data_request_create,
    participant_merge,
    registration_validate,
)
from kolabora.pathway.models import ParticipantStage
from kolabora.pathway.services import stage_transition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("assets", "monthly", "scale"),
    [
        (50_000_000, 0, BusinessScale.MIKRO),
        (2_000_000_000, 0, BusinessScale.KECIL),
        (6_000_000_000, 0, BusinessScale.MENENGAH),
        (0, 150_000_000, BusinessScale.MIKRO),  # Rp1,8 miliar a year
        (0, 200_000_000, BusinessScale.KECIL),  # Rp2,4 miliar a year
        (0, 2_000_000_000, BusinessScale.MENENGAH),
        (0, 5_000_000_000, BusinessScale.BESAR),
    ],
)
def test_scale_follows_pp_7_2021(assets: int, monthly: int, scale: str) -> None:
    assert business_scale(assets=assets, monthly_turnover=monthly) == scale


def test_participant_logs_in_with_phone_or_email(world: World) -> None:
    make_participant(
        nik="3175100202910047",
        full_name="Rina",
        phone="0813-2222-3333",
        password=PASSWORD,
        email="rina@example.test",
    )
    for identifier in ("081322223333", "+62 813 2222 3333", "rina@example.test"):
        response = Client().post("/akun/masuk/", {"username": identifier, "password": PASSWORD})
        assert response.status_code == 302, identifier


def test_withdrawing_consent_stops_sharing_at_once(world: World) -> None:
    partner = world.user("no_consent")
    p = world.participant
    assert not access.can(partner, Action.PARTICIPANT_VIEW, p)
    consent_grant(participant=p, purpose="training_partners", actor=world.user("participant"))
    access.forget(partner)
    assert access.can(partner, Action.PARTICIPANT_VIEW, p)
    assert p in access.scope(partner, Participant.objects.all(), Action.PARTICIPANT_VIEW)
    consent_withdraw(participant=p, purpose="training_partners", actor=world.user("participant"))
    assert not access.can(partner, Action.PARTICIPANT_VIEW, p)
    assert p not in access.scope(partner, Participant.objects.all(), Action.PARTICIPANT_VIEW)


def test_partner_without_agreement_in_force_reaches_nobody(world: World) -> None:
    consent_grant(participant=world.participant, purpose="training_partners", actor=world.user("participant"))
    Agreement.objects.filter(pk=world.training_agreement.pk).update(status=AgreementStatus.TERMINATED)
    partner = world.user("no_consent")
    assert not access.can(partner, Action.PARTICIPANT_VIEW, world.participant)


def test_data_request_is_due_in_three_days(world: World) -> None:
    r = data_request_create(
        participant=world.participant,
        kind="correction",
        details="Alamat salah",
        actor=world.user("participant"),
    )
    assert (r.due_at - r.created_at).total_seconds() == pytest.approx(72 * 3600, abs=5)
    with pytest.raises(Exception, match="salah"):
        data_request_create(
            participant=world.participant, kind="correction", details=" ", actor=world.user("participant")
        )
    assert DataRequest.objects.count() == 1


def test_duplicates_are_found_and_merged(world: World) -> None:
    twin = make_participant(
        nik="3175104512900029",
        full_name="siti  aminah",
        business=BusinessInput(name="Katering Siti", sector="kuliner"),
    )
    stage_transition(participant=twin, stage="P3", to_status="in_progress", actor=None)
    consent_grant(participant=twin, purpose="marketplaces", actor=world.user("kecamatan"))
    groups = likely_duplicates(user=world.user("kecamatan"))
    assert [[p.pk for p in g] for g in groups] == [[world.participant.pk, twin.pk]]
    assert likely_duplicates(user=world.user("out_of_region")) == []
    kept = participant_merge(
        keep=world.participant, duplicate=twin, actor=world.user("kecamatan"), reason="NIK salah ketik"
    )
    twin.refresh_from_db()
    assert twin.status == "merged" and twin.merged_into_id == kept.pk
    assert kept.businesses.count() == 2
    assert ParticipantStage.objects.get(participant=kept, code="P3").status == "in_progress"
    open_purposes = sorted(
        Consent.objects.filter(participant=kept, withdrawn_at__isnull=True).values_list("purpose", flat=True)
    )
    assert open_purposes == ["marketplaces", "programme"]
    assert likely_duplicates(user=world.user("kecamatan")) == []


def test_a_community_mentor_reaches_only_participants_it_mentors(world: World) -> None:
    from kolabora.core.testing import make_member, make_org
    from kolabora.organisations.choices import OrganisationType, Role
    from kolabora.participants.services import relationship_open

    community = make_org("Komunitas Uji", "31.75.10", OrganisationType.COMMUNITY)
    mentor = make_member("mentor.komunitas", community, Role.MENTOR)
    Agreement.objects.create(
        number="MOU/UJI/P3",
        title="Pendampingan komunitas",
        lead=world.dinas,
        partner=community,
        stages=["P3"],
        region_id="31.75.10",
        starts_on="2026-01-01",
        ends_on="2027-12-31",
        status=AgreementStatus.ACTIVE,
    )
    other = make_participant(nik="3175100202910047", full_name="Tidak Didampingi")
    assert not access.can(mentor, Action.PARTICIPANT_VIEW, world.participant)
    assert not access.scope(mentor, Participant.objects.all(), Action.PARTICIPANT_VIEW).exists()
    relationship_open(
        participant=world.participant, organisation=community, kind="mentoring", source="uji:2", actor=None
    )
    access.forget(mentor)
    assert access.can(
        mentor, Action.PARTICIPANT_VIEW, world.participant
    )  # programme consent covers mentoring
    assert access.can_transition(mentor, world.participant, "P3")
    assert not access.can_transition(mentor, world.participant, "P4")
    assert not access.can(mentor, Action.PARTICIPANT_VIEW, other)


def test_abandoned_registration_uploads_are_deleted_after_a_day() -> None:
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from kolabora.participants.services import DRAFT_FOLDER, registration_drafts_purge

    path = default_storage.save(f"{DRAFT_FOLDER}/abc123/domicile_letter.pdf", ContentFile(b"%PDF-1.4 test"))
    assert registration_drafts_purge() == 0  # still fresh: someone may be finishing it
    assert default_storage.exists(path)
    assert registration_drafts_purge(now=timezone.now() + dt.timedelta(days=2)) == 1
    assert not default_storage.exists(path)


def test_a_bad_import_row_is_judged_against_the_kelurahan_already_read(
    world: World, django_assert_num_queries: Any
) -> None:
    data = RegistrationInput(
        nik="31751012",
        full_name="Rina Lestari",
        phone="081322223333",
        kelurahan_code="31.75.10.1001",
        entry_track="pemula",
        consents=["programme"],
    )
    with django_assert_num_queries(1), pytest.raises(ValidationError) as looked_up:
        registration_validate(data, channel=RegistrationChannel.IMPORT)
    known = kelurahan_map()
    with django_assert_num_queries(0), pytest.raises(ValidationError) as from_known:
        registration_validate(data, channel=RegistrationChannel.IMPORT, known=known)
    assert from_known.value.message_dict == looked_up.value.message_dict
    assert set(from_known.value.message_dict) == {"nik"}
    # A code the caller has not read is looked up as before, with the same message.
    data.kelurahan_code = "31.75.10.9999"
    with django_assert_num_queries(1), pytest.raises(ValidationError) as unknown:
        registration_validate(data, channel=RegistrationChannel.IMPORT, known=known)
    assert unknown.value.message_dict["kelurahan_code"] == ["Kode kelurahan tidak dikenal: 31.75.10.9999"]
