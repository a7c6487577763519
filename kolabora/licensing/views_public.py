"""Public licence verification (from the certificate's QR code) and the certificate download."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from kolabora.core import access
from kolabora.core.access import Action

from .certificate import certificate_pdf
from .choices import LicenceStatus
from .models import Licence
from .selectors import licence_verify


@require_http_methods(["GET"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone may check a licence; the page shows no personal data."""
    result = licence_verify(code=code)
    return TemplateResponse(
        request,
        "licensing/verify_public.html",
        {"result": result, "status_label": LicenceStatus(result.status).label if result else ""},
        status=200 if result else 404,
    )


def verify_url(request: HttpRequest, licence: Licence) -> str:
    return request.build_absolute_uri(reverse("licensing_public:verify", args=[licence.verification_code]))


@require_http_methods(["GET"])
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF certificate, for the holder and for staff who may see them."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    licence = (
        Licence.objects.select_related(
            "participant", "business", "licence_type", "application__ptsp", "verified_by"
        )
        .filter(pk=pk)
        .first()
    )
    if licence is None or licence.status != LicenceStatus.VALID:
        raise Http404
    access.require(request.user, Action.PARTICIPANT_VIEW, licence.participant)
    pdf = certificate_pdf(licence, verify_url=verify_url(request, licence))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{licence.licence_type.code}-{licence.pk}.pdf"'
    return response
