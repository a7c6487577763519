"""Shared test support: the people and organisations every permission test uses, and the matrix.

Every view and API endpoint is tried as each persona:
- ``anonymous``: not logged in;
- ``other_org``: staff of an unrelated organisation in the same region whose role grants nothing here;
- ``out_of_region``: a programme manager whose region (Jakarta Selatan) does not cover the object;
- ``no_consent``: staff of a training partner with an agreement in force and an open training
  relationship with the participant, who has not consented to sharing with training partners;
- ``permitted``: a programme manager of Jakarta Timur, whose region covers the object (a row may name
  another account as its permitted one, e.g. ``kecamatan`` staff of Cipayung or the ``participant``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from kolabora.accounts.models import User
from kolabora.core.minipdf import text_pdf
from kolabora.core.timeutils import today
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement, Membership, Organisation
from kolabora.participants.choices import RelationshipKind
from kolabora.participants.models import Participant
from kolabora.participants.services import (
    BusinessInput,
    RegistrationInput,
    participant_register,
    relationship_open,
)

PASSWORD = "rahasia-uji-123"  # noqa: S105  (test accounts only)
PERSONAS = ("anonymous", "other_org", "out_of_region", "no_consent", "permitted")


def make_user(username: str, *, superuser: bool = False, **extra: Any) -> User:
    user = User(
        username=username,
        email=f"{username}@example.test",
        is_superuser=superuser,
        is_staff=superuser,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_org(
    name: str, region: str, type: str = OrganisationType.GOVERNMENT_AGENCY, **extra: Any
) -> Organisation:
    return Organisation.objects.create(name=name, region_id=region, type=type, **extra)


def make_member(username: str, org: Organisation, role: str) -> User:
    user = make_user(username)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def pdf_bytes() -> bytes:
    return text_pdf(["Perjanjian kerja sama (uji)"])


@dataclass
class World:
    dinas: Organisation
    sudin_jaktim: Organisation
    sudin_jaksel: Organisation
    cipayung: Organisation
    other_bank: Organisation
    partner: Organisation
    agreement: Agreement
    trainer: Organisation
    training_agreement: Agreement
    participant: Participant
    users: dict[str, User | None] = field(default_factory=dict)

    def user(self, persona: str) -> User:
        user = self.users[persona]
        assert user is not None, f"{persona} has no account"
        return user

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.users[persona]
        if user is not None:
            client.force_login(user)
        return client


def build_world() -> World:
    dinas = make_org("Dinas Uji", "31")
    jaktim = make_org("Sudin Uji Jakarta Timur", "31.75", parent=dinas)
    jaksel = make_org("Sudin Uji Jakarta Selatan", "31.74", parent=dinas)
    cipayung = make_org(
        "Sekretariat Uji Cipayung", "31.75.10", OrganisationType.KECAMATAN_SECRETARIAT, parent=jaktim
    )
    other_bank = make_org("Bank Lain Uji", "31.75", OrganisationType.BANK)
    partner = make_org("Kampus Uji", "31.75", OrganisationType.UNIVERSITY)
    from django.core.files.base import ContentFile

    agreement = Agreement(
        number="PKS/UJI/001",
        title="Pelatihan uji",
        lead=dinas,
        partner=partner,
        stages=["P2"],
        data_categories=["identity"],
        region_id="31.75",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        status=AgreementStatus.DRAFT,
    )
    agreement.signed_document.save("pks-uji.pdf", ContentFile(pdf_bytes()), save=False)
    agreement.save()
    trainer = make_org("Lembaga Pelatihan Uji", "31.75", OrganisationType.COMPANY)
    day = today()
    training_agreement = Agreement.objects.create(
        number="PKS/UJI/P2",
        title="Pelatihan peserta (uji)",
        lead=dinas,
        partner=trainer,
        stages=["P2"],
        data_categories=["identity", "pathway"],
        region_id="31.75",
        starts_on=day - dt.timedelta(days=300),
        ends_on=day + dt.timedelta(days=400),
        status=AgreementStatus.ACTIVE,
    )
    participant = make_participant(
        nik=WORLD_NIK, full_name="Siti Aminah", kelurahan="31.75.10.1001", password=PASSWORD
    )
    no_consent = make_member("pelatih.uji", trainer, Role.PARTNER_STAFF)
    relationship_open(
        participant=participant,
        organisation=trainer,
        kind=RelationshipKind.TRAINING,
        source="uji:1",
        actor=None,
    )
    users: dict[str, User | None] = {
        "anonymous": None,
        "other_org": make_member("bank.lain", other_bank, Role.BANK_OFFICER),
        "out_of_region": make_member("pengelola.jaksel", jaksel, Role.PROGRAMME_MANAGER),
        "no_consent": no_consent,
        "permitted": make_member("pengelola.jaktim", jaktim, Role.PROGRAMME_MANAGER),
        "kecamatan": make_member("kecamatan.uji", cipayung, Role.KECAMATAN_STAFF),
        "participant": participant.user,
    }
    return World(
        dinas,
        jaktim,
        jaksel,
        cipayung,
        other_bank,
        partner,
        agreement,
        trainer,
        training_agreement,
        participant,
        users,
    )


WORLD_NIK = "3175104512900012"  # woman born 5 Dec 1990, kecamatan Cipayung


def make_participant(
    *,
    nik: str,
    full_name: str = "Peserta Uji",
    kelurahan: str = "31.75.10.1001",
    phone: str | None = None,
    entry_track: str = "pemula",
    consents: list[str] | None = None,
    password: str = "",
    email: str = "",
    business: BusinessInput | None = None,
) -> Participant:
    """A participant registered through the real service (so stages, consents and audit exist)."""
    return participant_register(
        data=RegistrationInput(
            nik=nik,
            full_name=full_name,
            phone=phone or f"0812{nik[-8:]}",
            kelurahan_code=kelurahan,
            entry_track=entry_track,
            consents=consents if consents is not None else ["programme"],
            password=password,
            email=email,
            business=business
            or BusinessInput(name=f"Usaha {full_name}", sector="kuliner", monthly_turnover=2_000_000),
        ),
        actor=None,
        channel="api",
    )


@dataclass(frozen=True)
class MatrixRow:
    """One view or endpoint in the permission matrix.

    ``url`` builds the address from the world. ``allowed`` is the status the permitted persona gets;
    ``marker`` (for lists) is text that only a permitted persona may see. ``data`` is the POST body.
    ``effect`` returns a value that must not change when a denied persona tries (e.g. a row count).
    """

    name: str
    url: Callable[[World], str]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    allowed: int = 200
    marker: Callable[[World], str] | None = None
    api: bool = False
    public: bool = False
    effect: Callable[[World], Any] | None = None
    # Status an out-of-region persona gets when the view answers it with a refused form instead of 403.
    out_of_region_status: int | None = None
    # The account that plays "permitted" for this row (a key of World.users).
    permitted_as: str = "permitted"
    # Send ``data`` as multipart form data (file uploads) even for an API row.
    multipart: bool = False


def run_row(row: MatrixRow, world: World, persona: str) -> None:
    # Build what the row needs first: it may create the account that plays "permitted".
    url = row.url(world)
    data = row.data(world) if row.data else None
    before = row.effect(world) if row.effect else None
    client = world.client(row.permitted_as if persona == "permitted" else persona)
    if row.method == "get":
        response = client.get(url)
    elif row.api and not row.multipart:
        response = client.generic(
            row.method.upper(), url, data=json.dumps(data or {}), content_type="application/json"
        )
    else:
        response = client.post(url, data=data or {})
    status = response.status_code
    assert status != 500, f"{row.name} as {persona}: server error"
    raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    body = raw.decode(errors="replace")
    marker = row.marker(world) if row.marker else None

    if persona == "permitted" or row.public:
        assert status == row.allowed, f"{row.name} as {persona}: expected {row.allowed}, got {status}"
        if marker:
            assert marker in body, f"{row.name} as {persona}: {marker!r} missing"
        return
    if persona == "anonymous":
        if row.api:
            assert status == 401, f"{row.name} as anonymous: expected 401, got {status}"
        else:
            assert status == 302 and "/akun/masuk/" in response["Location"], (
                f"{row.name} as anonymous: {status}"
            )
    elif persona == "out_of_region" and row.out_of_region_status is not None:
        assert status == row.out_of_region_status, f"{row.name} as {persona}: got {status}"
    elif marker:
        assert status == 403 or (status == 200 and marker not in body), (
            f"{row.name} as {persona}: {marker!r} leaked"
        )
    else:
        assert status in (403, 404), f"{row.name} as {persona}: expected 403, got {status}"
    if row.effect:
        assert row.effect(world) == before, f"{row.name} as {persona}: something changed"
