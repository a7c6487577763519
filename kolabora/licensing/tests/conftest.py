from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile

from kolabora.accounts.models import User
from kolabora.core.testing import World, make_member, make_org, pdf_bytes
from kolabora.licensing.models import LicenceApplication, LicenceType
from kolabora.licensing.services import application_open, item_upload
from kolabora.organisations.choices import OrganisationType, Role
from kolabora.organisations.models import Organisation
from kolabora.participants.services import consent_grant

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Licensing:
    world: World
    ptsp: Organisation
    kelurahan: Organisation
    officer: User
    officer2: User
    lurah: User
    surveyor: User
    iumk: LicenceType

    def open(self) -> LicenceApplication:
        p = self.world.participant
        return application_open(
            participant=p,
            business=p.businesses.get(),
            licence_type=self.iumk,
            actor=self.world.user("participant"),
            location_address="Jl. Raya Lubang Buaya 12",
        )

    def fill(self, app: LicenceApplication, skip: tuple[str, ...] = ()) -> None:
        for req in self.iumk.requirements.all():
            if req.code in skip:
                continue
            data, name = (
                (PNG, f"{req.code}.png") if "pdf" not in req.extensions else (pdf_bytes(), f"{req.code}.pdf")
            )
            item_upload(
                application=app,
                requirement=req,
                upload=ContentFile(data, name=name),
                actor=self.world.user("participant"),
            )


@pytest.fixture
def lic(world: World) -> Licensing:
    kel = world.participant.kelurahan_id
    ptsp = make_org("PTSP Kelurahan Uji", kel, OrganisationType.PTSP_UNIT)
    office = make_org("Kantor Kelurahan Uji", kel, OrganisationType.KELURAHAN_OFFICE)
    consent_grant(participant=world.participant, purpose="licensing_offices", actor=world.user("participant"))
    return Licensing(
        world=world,
        ptsp=ptsp,
        kelurahan=office,
        officer=make_member("ptsp.uji", ptsp, Role.PTSP_OFFICER),
        officer2=make_member("ptsp.uji2", ptsp, Role.PTSP_OFFICER),
        lurah=make_member("lurah.uji", office, Role.LURAH),
        surveyor=make_member("kelurahan.uji", office, Role.KELURAHAN_STAFF),
        iumk=LicenceType.objects.get(code="iumk"),
    )
