"""The public catalogue (``/katalog/``), for anyone, on a cheap phone: no JavaScript, small square
thumbnails, one request per photo, cacheable pages. Only published products of participants who consent to
sharing with marketplaces appear; the product page offers a WhatsApp button when the participant chose to
show it (their phone number then appears in the wa.me link)."""

from __future__ import annotations

from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolabora.core import access
from kolabora.core.timeutils import today
from kolabora.licensing.models import Licence

from .. import selectors
from ..forms import CatalogueFilterForm
from ..models import ProductPhoto
from ..services import valid_licence_q

PAGE_SIZE = 24
PUBLIC_MAX_AGE = 300


def _filters(form: CatalogueFilterForm) -> selectors.CatalogueFilter:
    if not form.is_valid():
        # A hand-edited address with a wrong value: search with what is valid, ignore the rest.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        data = form.cleaned_data
    return selectors.CatalogueFilter(
        q=(data.get("q") or "").strip(),
        category=data.get("category") or "",
        kecamatan=data.get("kecamatan") or "",
        price_min=data.get("price_min"),
        price_max=data.get("price_max"),
    )


@require_http_methods(["GET"])
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    filters = _filters(form) if request.GET else selectors.CatalogueFilter()
    page = Paginator(selectors.catalogue(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    products = list(page.object_list)
    thumbs: dict[int, ProductPhoto] = {}
    for photo in ProductPhoto.objects.filter(product__in=products).order_by("product_id", "order", "pk"):
        thumbs.setdefault(photo.product_id, photo)
    places = selectors.kecamatan_names({p.participant.kecamatan_code for p in products})
    query = request.GET.copy()
    query.pop("page", None)
    response = TemplateResponse(
        request,
        "marketing/public/catalogue.html",
        {
            "form": form,
            "page": page,
            "items": [(p, thumbs.get(p.pk), places.get(p.participant.kecamatan_code, "")) for p in products],
            "filtered": any(
                [filters.q, filters.category, filters.kecamatan, filters.price_min, filters.price_max]
            ),
            "query": query.urlencode(),
        },
    )
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_http_methods(["GET"])
def product(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.catalogue_product(pk)
    if found is None:
        raise Http404
    participant = found.participant
    whatsapp = ""
    if found.show_whatsapp and participant.whatsapp_url:
        text = _("Hello, I am interested in “%(name)s” from the JakPreneur catalogue.") % {"name": found.name}
        whatsapp = f"{participant.whatsapp_url}?text={quote(text)}"
    licences = list(
        Licence.objects.filter(valid_licence_q(today()), products=found)
        .select_related("licence_type")
        .order_by("licence_type__code")
    )
    response = TemplateResponse(
        request,
        "marketing/public/product.html",
        {
            "product": found,
            "photos": list(found.photos.all()),
            "kecamatan": selectors.kecamatan_names({participant.kecamatan_code}).get(
                participant.kecamatan_code, ""
            ),
            "licences": licences,
            "whatsapp": whatsapp,
        },
    )
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_http_methods(["GET"])
def photo(request: HttpRequest, pk: int, size: str) -> HttpResponseBase:
    """A product photo: to everyone while the product is in the catalogue, otherwise only to those who may
    see the participant (the participant, staff helping them), never cached then."""
    if size not in ("besar", "kecil"):
        raise Http404
    found = get_object_or_404(ProductPhoto.objects.select_related("product__participant"), pk=pk)
    public = selectors.is_public(found.product)
    if not public and not (
        request.user.is_authenticated and access.can_view_products_of(request.user, found.product.participant)
    ):
        raise Http404
    file = found.image if size == "besar" else found.thumbnail
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    if public:
        patch_cache_control(response, public=True, max_age=86400)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
