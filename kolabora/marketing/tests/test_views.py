"""The marketing pages as a participant, a curator, an organiser and the public use them.

Messages are compared in the language the pages are served in (Indonesian) through the catalogue, so the
tests hold before and after a string gets its translation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kolabora.accounts.models import User
from kolabora.marketing import services
from kolabora.marketing.choices import ProductStatus
from kolabora.marketing.models import CurationReview, OpportunityApplication, Product
from kolabora.participants.choices import ConsentPurpose
from kolabora.participants.models import Consent
from kolabora.participants.services import consent_withdraw

from .conftest import Market, jpeg, upload

pytestmark = pytest.mark.django_db


def t(msgid: str, **values: Any) -> str:
    with translation.override("id"):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def test_a_participant_adds_a_product_with_a_photo_and_sees_what_it_needs(market: Market) -> None:
    client = as_user(market.me)
    url = reverse("marketing:product_create", args=[market.participant.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "business": market.participant.businesses.get().pk,
            "name": "Keripik Singkong Balado",
            "category": market.food.pk,
            "price": "Rp 15.000",
            "unit": "bungkus 200 g",
            "show_whatsapp": "on",
            "photo": upload(jpeg(2400, 1800, gps=True)),
        },
    )
    product = Product.objects.get(name="Keripik Singkong Balado")
    assert response.status_code == 302 and response["Location"] == reverse(
        "marketing:product", args=[product.pk]
    )
    assert product.price == 15_000 and product.photos.count() == 1
    page = body(client.get(response["Location"]))
    assert t("Before it can be published") in page
    # Each missing licence links to where to get it: P-IRT is applied for here, halal is recorded with proof.
    assert f'href="{reverse("licensing:mine")}#apply"' in page
    assert f'href="{reverse("licensing:mine")}#existing"' in page
    assert "Rp 15.000" in page


def test_the_publish_refusal_names_the_missing_licence_and_links_to_it(market: Market) -> None:
    product = market.product(licences=[market.licence("pirt")])
    client = as_user(market.me)
    response = client.post(reverse("marketing:product_publish", args=[product.pk]), {"consent": "on"})
    assert response.status_code == 422
    page = body(response)
    assert t("Not published: a licence is missing") in page
    assert "Sertifikat Halal" in page
    assert f"{reverse('licensing:mine')}#existing" in page
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_publishing_from_the_page_asks_for_the_consent_in_the_same_step(market: Market) -> None:
    product = market.product(licences=[market.licence("pirt"), market.licence("halal")])
    client = as_user(market.me)
    url = reverse("marketing:product_publish", args=[product.pk])
    assert client.post(url, {}).status_code == 422  # the box is not ticked
    response = client.post(url, {"consent": "on"}, follow=True)
    assert t("“%(name)s” is now in the public catalogue.", name=product.name) in body(response)
    assert Consent.objects.filter(
        participant=market.participant, purpose=ConsentPurpose.MARKETPLACES
    ).exists()
    # Published before P4: the page says why P5 is not marked complete yet.
    assert "P4" in body(response)


def test_the_public_catalogue_searches_by_category_kecamatan_and_price(market: Market) -> None:
    mine = market.published(name="Keripik Tempe Pedas")
    other = market.person(21, "Rina")
    theirs = market.published(participant=other, name="Dodol Betawi")
    Product.objects.filter(pk=theirs.pk).update(price=80_000)
    client = Client()
    page = body(client.get(reverse("catalogue:list")))
    assert "Keripik Tempe Pedas" in page and "Dodol Betawi" in page
    assert "<script" not in page  # light enough for a cheap phone: no JavaScript at all
    assert "Rp 25.000" in page
    cheap = body(client.get(reverse("catalogue:list"), {"price_max": "50.000"}))
    assert "Keripik Tempe Pedas" in cheap and "Dodol Betawi" not in cheap
    words = body(client.get(reverse("catalogue:list"), {"q": "dodol"}))
    assert "Dodol Betawi" in words and "Keripik Tempe Pedas" not in words
    assert "Keripik Tempe" in body(
        client.get(reverse("catalogue:list"), {"category": "makanan", "kecamatan": "31.75.10"})
    )
    assert "Keripik Tempe" not in body(client.get(reverse("catalogue:list"), {"kecamatan": "31.74.10"}))
    assert "Keripik Tempe" not in body(client.get(reverse("catalogue:list"), {"category": "kriya"}))
    # A wrong value in a hand-edited address is ignored, not an error.
    assert client.get(reverse("catalogue:list"), {"price_min": "banyak", "category": "?"}).status_code == 200
    consent_withdraw(participant=market.participant, purpose=ConsentPurpose.MARKETPLACES, actor=market.me)
    assert "Keripik Tempe Pedas" not in body(client.get(reverse("catalogue:list")))
    assert client.get(reverse("catalogue:product", args=[mine.pk])).status_code == 404


def test_the_product_page_offers_whatsapp_only_when_the_participant_chose_it(market: Market) -> None:
    product = market.published()
    services.photo_add(product=product, upload=upload(), actor=market.me)
    client = Client()
    response = client.get(reverse("catalogue:product", args=[product.pk]))
    page = body(response)
    phone = market.participant.phone.lstrip("+")
    assert f"https://wa.me/{phone}?text=" in page
    assert "SPP-IRT" in page and "<script" not in page
    assert "public" in response["Cache-Control"]
    Product.objects.filter(pk=product.pk).update(show_whatsapp=False)
    assert "wa.me" not in body(client.get(reverse("catalogue:product", args=[product.pk])))


def test_draft_photos_are_private_and_published_ones_public(market: Market) -> None:
    draft = market.product()
    photo = services.photo_add(product=draft, upload=upload(), actor=market.me)
    url = reverse("catalogue:photo", args=[photo.pk, "kecil"])
    assert Client().get(url).status_code == 404
    assert as_user(market.world.user("out_of_region")).get(url).status_code == 404
    own = as_user(market.me).get(url)
    assert (
        own.status_code == 200 and own["Content-Type"] == "image/jpeg" and "no-store" in own["Cache-Control"]
    )
    assert Client().get(reverse("catalogue:product", args=[draft.pk])).status_code == 404


def test_a_curator_scores_and_passes_a_product_from_the_queue(market: Market) -> None:
    product = market.published()
    review = services.curation_request(product=product, actor=market.me)
    client = as_user(market.kecamatan)
    assert product.name in body(client.get(reverse("marketing:curation_queue")))
    url = reverse("marketing:curation_review", args=[review.pk])
    incomplete = client.post(url, {"decision": "up", "score_rasa": "5"})
    assert incomplete.status_code == 422
    scores = {f"score_{code}": "4" for code in ("rasa", "kemasan", "higiene", "halal", "foto")}
    response = client.post(url, {**scores, "decision": "up"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "passed" and review.score == 80
    assert CurationReview.objects.get(product=product, status="pending").level == "kota"
    again = client.post(url, {**scores, "decision": "return", "notes": "x"}, follow=True)
    assert t("Nothing was changed: this product has already been curated at this level.") in body(again)


def test_an_organiser_allocates_and_everyone_sees_why(market: Market) -> None:
    o = market.opportunity(slots=1)
    first, second = market.person(31, "Lina"), market.person(32, "Maya")
    for p in (first, second):
        services.opportunity_apply(opportunity=o, participant=p, actor=market.kecamatan)
    OpportunityApplication.objects.filter(participant=first).update(
        applied_at=OpportunityApplication.objects.get(participant=second).applied_at - dt.timedelta(hours=1)
    )
    manager = as_user(market.manager)
    response = manager.post(reverse("marketing:opportunity_allocate", args=[o.pk]), follow=True)
    page = body(response)
    assert "Lina" in page and "Maya" in page
    assert t("What decided it: the time of application (places held and score were equal).") in page
    assert OpportunityApplication.objects.get(participant=first).status == "allocated"


def test_a_participant_applies_from_the_opportunity_page_and_can_withdraw(market: Market) -> None:
    o = market.opportunity(organiser=market.partner, kind="ecommerce", title="Onboarding Daring")
    client = as_user(market.me)
    page = body(client.get(reverse("marketing:opportunity", args=[o.pk])))
    assert 'name="consent"' in page  # a partner organiser: the consent is asked here
    response = client.post(reverse("marketing:opportunity_apply", args=[o.pk]), {"consent": "on"})
    assert response.status_code == 302
    application = OpportunityApplication.objects.get(opportunity=o, participant=market.participant)
    page = body(client.get(reverse("marketing:opportunity", args=[o.pk])))
    assert t("Withdraw the application") in page
    client.post(reverse("marketing:application_withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_staff_apply_for_a_participant_from_their_page(market: Market) -> None:
    o = market.opportunity()
    helper = as_user(market.kecamatan)
    page = body(helper.get(reverse("marketing:participant", args=[market.participant.pk])))
    assert o.title in page
    response = helper.post(
        reverse("marketing:opportunity_apply", args=[o.pk]), {"participant": market.participant.pk}
    )
    assert response["Location"] == reverse("marketing:participant", args=[market.participant.pk])
    assert OpportunityApplication.objects.get(opportunity=o).applied_by == market.kecamatan


def test_a_partner_runs_its_opportunity_only_under_a_p5_agreement(market: Market) -> None:
    client = as_user(market.partner_staff)
    page = body(client.get(reverse("marketing:opportunity_create")))
    assert str(market.partner.name) in page
    trainer = as_user(market.world.user("no_consent"))
    page = body(trainer.get(reverse("marketing:opportunity_create")))
    assert 'name="slots"' not in page
    assert "P5" in page


def test_photo_upload_with_htmx_redraws_only_the_photos(market: Market) -> None:
    product = market.product()
    client = as_user(market.me)
    response = client.post(
        reverse("marketing:photo_upload", args=[product.pk]), {"photo": upload()}, HTTP_HX_REQUEST="true"
    )
    page = body(response)
    assert response.status_code == 200 and page.lstrip().startswith('<section id="photos"')
    bad = client.post(
        reverse("marketing:photo_upload", args=[product.pk]),
        {"photo": upload(b"%PDF-1.4", "foto.jpg")},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    assert t("The file is not a JPG or PNG photo. Choose a photo from your camera or gallery.") in body(bad)


def test_list_pages_do_not_grow_in_queries_with_their_rows(market: Market) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = market.published(name="Produk Satu")
    services.photo_add(product=first, upload=upload(jpeg(300, 300)), actor=market.me)
    services.curation_request(product=first, actor=market.me)
    public, curator = Client(), as_user(market.kecamatan)
    before = (count(public, reverse("catalogue:list")), count(curator, reverse("marketing:curation_queue")))
    for n in range(4):
        other = market.person(50 + n, f"Peserta {n}")
        product = market.published(participant=other, name=f"Produk {n}")
        services.photo_add(product=product, upload=upload(jpeg(300, 300)), actor=market.kecamatan)
        services.curation_request(product=product, actor=market.kecamatan)
    after = (count(public, reverse("catalogue:list")), count(curator, reverse("marketing:curation_queue")))
    assert after == before
