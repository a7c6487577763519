"""The licence certificate as PDF (WeasyPrint), with a QR code to the public verification page."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string
from django.utils import translation

from .models import Licence


def qr_svg(url: str) -> str:
    """An inline SVG QR code for ``url``."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#1c2430")


def certificate_html(licence: Licence, *, verify_url: str) -> str:
    with translation.override("id"):
        return render_to_string(
            "licensing/certificate.html",
            {"licence": licence, "verify_url": verify_url, "qr": qr_svg(verify_url)},
        )


def certificate_pdf(licence: Licence, *, verify_url: str) -> bytes:
    import weasyprint  # imported here: it needs Pango, which only PDF rendering requires

    return weasyprint.HTML(string=certificate_html(licence, verify_url=verify_url)).write_pdf()
