"""The marketing test world: the shared ``world`` plus a marketplace partner under a P5 agreement, the
curators of Cipayung's kecamatan, Jakarta Timur and the province, licences and products."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kolabora.accounts.models import User
from kolabora.core.testing import World, make_member, make_org, make_participant
from kolabora.core.timeutils import today
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence, LicenceType
from kolabora.marketing import services
from kolabora.marketing.defaults import load as load_defaults
from kolabora.marketing.models import CurationCriterion, Opportunity, Product, ProductCategory
from kolabora.organisations.choices import AgreementStatus, OrganisationType, Role
from kolabora.organisations.models import Agreement, Organisation
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Participant
from kolabora.participants.services import consent_grant
from kolabora.pathway.services import stage_transition


def jpeg(width: int = 1600, height: int = 1200, *, gps: bool = False) -> bytes:
    """A real JPEG photo, optionally with an EXIF block holding a GPS position and a camera make."""
    picture = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "KameraUji"  # Make
    if gps:
        exif[0x8825] = {1: "S", 2: (6.0, 18.0, 30.0), 3: "E", 4: (106.0, 54.0, 10.0)}
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def upload(data: bytes | None = None, name: str = "foto.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg(), content_type="image/jpeg")


@dataclass
class Market:
    world: World
    participant: Participant
    partner: Organisation
    partner_staff: User
    coordinator: User
    kecamatan: User
    manager: User
    food: ProductCategory
    craft: ProductCategory
    pirt: LicenceType
    halal: LicenceType

    @property
    def me(self) -> User:
        return self.world.user("participant")

    def licence(
        self,
        code: str,
        *,
        participant: Participant | None = None,
        status: str = LicenceStatus.VALID,
        valid_until: dt.date | None = None,
        number: str = "",
    ) -> Licence:
        p = participant or self.participant
        licence_type = LicenceType.objects.get(code=code)
        return Licence.objects.create(
            participant=p,
            business=p.businesses.get(),
            licence_type=licence_type,
            number=number or f"{code.upper()}-{p.pk}-{Licence.objects.count() + 1}",
            issued_on=today() - dt.timedelta(days=30),
            valid_until=valid_until,
            status=status,
            existing=True,
        )

    def product(
        self,
        *,
        participant: Participant | None = None,
        category: ProductCategory | None = None,
        licences: list[Licence] | None = None,
        name: str = "Keripik Tempe Pedas",
        price: int = 25_000,
        actor: User | None = None,
    ) -> Product:
        p = participant or self.participant
        return services.product_create(
            participant=p,
            business=p.businesses.get(),
            data=services.ProductInput(
                name=name, category=category or self.food, price=price, licences=licences or []
            ),
            actor=actor or p.user or self.kecamatan,
        )

    def published(
        self, *, participant: Participant | None = None, name: str = "Keripik Tempe Pedas"
    ) -> Product:
        p = participant or self.participant
        consent_grant(participant=p, purpose=ConsentPurpose.MARKETPLACES, actor=self.kecamatan)
        product = self.product(
            participant=p,
            name=name,
            licences=[self.licence("pirt", participant=p), self.licence("halal", participant=p)],
        )
        services.product_publish(product=product, actor=self.kecamatan)
        product.refresh_from_db()
        return product

    def person(self, serial: int, name: str) -> Participant:
        """Another participant of Cipayung (women born 1 July 1988), with the marketplaces consent."""
        p = make_participant(
            nik=f"31751041078800{serial:02d}", full_name=name, consents=["programme", "marketplaces"]
        )
        return p

    def p4_done(self, participant: Participant | None = None) -> None:
        stage_transition(
            participant=participant or self.participant,
            stage="P4",
            to_status="completed",
            actor=None,
            reason="NIB terverifikasi (uji)",
        )

    def opportunity(
        self, *, slots: int = 2, organiser: Organisation | None = None, **extra: object
    ) -> Opportunity:
        day = today()
        data = {
            "kind": "bazaar",
            "title": "Bazar UMKM Cipayung",
            "region": self.world.sudin_jaktim.region,
            "starts_on": day + dt.timedelta(days=10),
            "ends_on": day + dt.timedelta(days=12),
            "apply_by": day + dt.timedelta(days=5),
            "slots": slots,
            "product_required": False,
            **extra,
        }
        org = organiser or self.world.sudin_jaktim
        actor = self.partner_staff if org == self.partner else self.world.user("permitted")
        return services.opportunity_create(
            data=services.OpportunityInput(organiser=org, **data),  # type: ignore[arg-type]
            actor=actor,
        )


@pytest.fixture
def market(world: World) -> Market:
    # A live-server test elsewhere may have emptied the tables the data migrations fill.
    from kolabora.licensing.defaults import load as load_licence_types
    from kolabora.licensing.models import RequirementDefinition, StepDefinition

    load_licence_types(LicenceType, RequirementDefinition, StepDefinition)
    load_defaults(ProductCategory, LicenceType, CurationCriterion)
    day = today()
    partner = make_org("Pasar Daring Uji", "31.75", OrganisationType.COMPANY)
    Agreement.objects.create(
        number="PKS/UJI/P5",
        title="Onboarding e-commerce (uji)",
        lead=world.dinas,
        partner=partner,
        stages=["P5"],
        data_categories=["identity", "business"],
        region_id="31.75",
        starts_on=day - dt.timedelta(days=30),
        ends_on=day + dt.timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )
    return Market(
        world=world,
        participant=world.participant,
        partner=partner,
        partner_staff=make_member("mitra.pasar.uji", partner, Role.PARTNER_STAFF),
        coordinator=make_member("koordinator.uji", world.sudin_jaktim, Role.REGIONAL_COORDINATOR),
        kecamatan=world.user("kecamatan"),
        manager=world.user("permitted"),
        food=ProductCategory.objects.get(code="makanan"),
        craft=ProductCategory.objects.get(code="kriya"),
        pirt=LicenceType.objects.get(code="pirt"),
        halal=LicenceType.objects.get(code="halal"),
    )
