"""Products: legality before marketing, photos, and P5."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from PIL import Image

from kolabora.core.choices import AuditAction
from kolabora.core.models import AuditEvent
from kolabora.core.timeutils import today
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import LicenceType
from kolabora.marketing import services
from kolabora.marketing.choices import ProductStatus
from kolabora.marketing.models import ProductPhoto
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.services import consent_grant, consent_withdraw
from kolabora.pathway.models import ParticipantStage

from .conftest import Market, jpeg, upload

pytestmark = pytest.mark.django_db


def p5(market: Market) -> str:
    return ParticipantStage.objects.get(participant=market.participant, code="P5").status


def consent(market: Market) -> None:
    consent_grant(participant=market.participant, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)


def test_publishing_food_without_licences_is_refused_naming_each_missing_licence(market: Market) -> None:
    consent(market)
    product = market.product()
    with translation.override("id"), pytest.raises(services.LicencesMissing) as refused:
        services.product_publish(product=product, actor=market.me)
    message = " ".join(refused.value.messages)
    assert "Sertifikat Produksi Pangan Industri Rumah Tangga (SPP-IRT)" in message
    assert "Sertifikat Halal" in message
    assert [m.licence_type.code for m in refused.value.missing] == ["halal", "pirt"]
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT
    assert not AuditEvent.objects.filter(action=AuditAction.PRODUCT_PUBLISHED).exists()


def test_only_the_missing_licence_is_named_and_one_already_held_is_pointed_at(market: Market) -> None:
    consent(market)
    pirt = market.licence("pirt")
    halal = market.licence("halal", number="ID00110000123450724")
    product = market.product(licences=[pirt])
    with translation.override("id"), pytest.raises(services.LicencesMissing) as refused:
        services.product_publish(product=product, actor=market.me)
    [missing] = refused.value.missing
    assert missing.licence_type.code == "halal"
    assert missing.held == halal
    message = " ".join(refused.value.messages)
    assert "ID00110000123450724" in message
    assert "SPP-IRT" not in message


@pytest.mark.parametrize(
    "status, valid_until",
    [
        (LicenceStatus.PENDING_VERIFICATION, None),
        (LicenceStatus.REJECTED, None),
        (LicenceStatus.REVOKED, None),
        (LicenceStatus.VALID, dt.date(2020, 1, 1)),
    ],
)
def test_a_licence_that_is_not_valid_today_does_not_count(
    market: Market, status: str, valid_until: dt.date
) -> None:
    consent(market)
    product = market.product(
        licences=[market.licence("pirt", status=status, valid_until=valid_until), market.licence("halal")]
    )
    with pytest.raises(services.LicencesMissing) as refused:
        services.product_publish(product=product, actor=market.me)
    assert [m.licence_type.code for m in refused.value.missing] == ["pirt"]


def test_a_category_without_requirements_publishes_and_requirements_are_data(market: Market) -> None:
    consent(market)
    craft = market.product(category=market.craft, name="Tas Anyaman")
    services.product_publish(product=craft, actor=market.me)
    craft.refresh_from_db()
    assert craft.status == ProductStatus.PUBLISHED
    # An administrator makes crafts need a trademark: the next craft is refused for it.
    market.craft.required_licences.add(LicenceType.objects.get(code="merek"))
    other = market.product(category=market.craft, name="Dompet Rajut")
    with pytest.raises(services.LicencesMissing) as refused:
        services.product_publish(product=other, actor=market.me)
    assert [m.licence_type.code for m in refused.value.missing] == ["merek"]


def test_publishing_needs_the_marketplaces_consent(market: Market) -> None:
    product = market.product(licences=[market.licence("pirt"), market.licence("halal")])
    with pytest.raises(ValidationError) as refused:
        services.product_publish(product=product, actor=market.me)
    assert "consent" in refused.value.message_dict
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_publishing_before_p4_is_kept_explained_and_p5_follows_when_p4_completes(market: Market) -> None:
    consent(market)
    product = market.product(licences=[market.licence("pirt"), market.licence("halal")])
    with translation.override("id"):
        result = services.product_publish(product=product, actor=market.me)
    assert result.product.status == ProductStatus.PUBLISHED
    assert result.p5_refusal is not None and "P4" in result.p5_refusal
    assert p5(market) != "completed"
    market.p4_done()
    assert services.p5_catch_up() == 1
    assert p5(market) == "completed"
    assert services.p5_catch_up() == 0


def test_first_published_product_completes_p5_once(market: Market) -> None:
    market.p4_done()
    consent(market)
    product = market.product(licences=[market.licence("pirt"), market.licence("halal")])
    result = services.product_publish(product=product, actor=market.me)
    assert result.p5_refusal is None
    assert p5(market) == "completed"
    changes = AuditEvent.objects.filter(action=AuditAction.P5_CHANGED, object_id=str(market.participant.pk))
    # In progress with the first product added, completed with the first one published.
    assert [e.after["status"] for e in changes.order_by("pk")] == ["in_progress", "completed"]
    second = market.product(category=market.craft, name="Tas")
    services.product_publish(product=second, actor=market.me)
    assert changes.count() == 2


def test_a_published_product_cannot_drop_a_required_licence(market: Market) -> None:
    product = market.published()
    with pytest.raises(ValidationError) as refused:
        services.product_update(
            product=product,
            data=services.ProductInput(
                name=product.name, category=product.category, price=product.price, licences=[]
            ),
            actor=market.me,
        )
    assert "licences" in refused.value.message_dict
    assert product.licences.count() == 2


def test_only_the_participant_and_helpers_of_their_area_change_products(market: Market) -> None:
    product = market.product()
    data = services.ProductInput(name="Nama Lain", category=market.food, price=1000)
    for persona in ("other_org", "out_of_region", "no_consent"):
        with pytest.raises(PermissionDenied):
            services.product_update(product=product, data=data, actor=market.world.user(persona))
    services.product_update(product=product, data=data, actor=market.kecamatan)
    product.refresh_from_db()
    assert product.name == "Nama Lain"
    event = AuditEvent.objects.get(action=AuditAction.PRODUCT_UPDATED)
    assert event.before == {"name": "Keripik Tempe Pedas", "price": 25000}


def test_price_and_name_are_checked(market: Market) -> None:
    with pytest.raises(ValidationError) as refused:
        services.product_create(
            participant=market.participant,
            business=market.participant.businesses.get(),
            data=services.ProductInput(name=" ", category=market.food, price=0),
            actor=market.me,
        )
    assert set(refused.value.message_dict) == {"name", "price"}


def test_photos_are_resized_and_lose_their_exif(market: Market) -> None:
    product = market.product()
    photo = services.photo_add(product=product, upload=upload(jpeg(3000, 2000, gps=True)), actor=market.me)
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert max(stored.size) == 1200
        assert stored.format == "JPEG"
        assert not stored.getexif()
    with photo.thumbnail.open("rb") as f:
        assert Image.open(io.BytesIO(f.read())).size == (400, 400)
    name = photo.image.name or ""
    assert name.startswith(f"marketing/products/{product.pk}/")
    assert "foto" not in name.rsplit("/", 1)[-1]


def test_a_png_with_transparency_becomes_a_jpeg_on_white(market: Market) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (500, 300), (0, 0, 0, 0)).save(buffer, format="PNG")
    photo = services.photo_add(
        product=market.product(), upload=upload(buffer.getvalue(), "logo.png"), actor=market.me
    )
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert stored.mode == "RGB"
        assert stored.getpixel((10, 10)) == (255, 255, 255)


NOT_A_PHOTO = "The file is not a JPG or PNG photo. Choose a photo from your camera or gallery."
UNREADABLE = "The photo cannot be read; it may be damaged. Take it again or choose another one."


@pytest.mark.parametrize(
    "data, name, msgid",
    [
        (b"%PDF-1.4 not a photo", "foto.jpg", NOT_A_PHOTO),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "rusak.jpg", UNREADABLE),
        (b"GIF89a" + b"\x00" * 64, "animasi.gif", NOT_A_PHOTO),
    ],
)
def test_files_that_are_not_real_photos_are_refused(
    market: Market, data: bytes, name: str, msgid: str
) -> None:
    product = market.product()
    with translation.override("id"), pytest.raises(ValidationError) as refused:
        services.photo_add(product=product, upload=upload(data, name), actor=market.me)
    with translation.override("id"):
        assert refused.value.messages == [translation.gettext(msgid)]
    assert not ProductPhoto.objects.exists()


def test_too_large_and_too_many_photos_are_refused(market: Market) -> None:
    product = market.product()
    big = upload(jpeg())
    big.size = 9 * 1024 * 1024
    with pytest.raises(ValidationError):
        services.photo_add(product=product, upload=big, actor=market.me)
    for _ in range(5):
        services.photo_add(product=product, upload=upload(jpeg(300, 300)), actor=market.me)
    with pytest.raises(ValidationError) as refused:
        services.photo_add(product=product, upload=upload(jpeg(300, 300)), actor=market.me)
    assert "5" in " ".join(refused.value.messages)


def test_lapsed_licences_take_the_product_down_and_tell_the_participant(market: Market) -> None:
    product = market.published()
    pirt = product.licences.get(licence_type__code="pirt")
    pirt.valid_until = today() - dt.timedelta(days=1)
    pirt.save()
    assert services.products_unpublish_lapsed() == [product.pk]
    product.refresh_from_db()
    assert product.status == ProductStatus.UNPUBLISHED
    assert market.me.notifications.filter(kind="marketing").exists()
    assert services.products_unpublish_lapsed() == []


def test_withdrawing_the_consent_hides_the_products_at_once(market: Market) -> None:
    from kolabora.marketing import selectors

    product = market.published()
    assert selectors.is_public(product)
    consent_withdraw(participant=market.participant, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    assert not selectors.is_public(product)
    assert not selectors.catalogue(selectors.CatalogueFilter()).exists()
