"""Receipt photos: checked by content (never by name), turned upright, shrunk, and saved again as JPEG
without EXIF, so no location or camera data taken by the phone leaves with it."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from kolabora.core.files import file_kind

RECEIPT_MAX_MB = 10
# Longest side after resizing: a receipt stays legible, a phone photo shrinks from ~4 MB to ~200 KB.
LONGEST_SIDE = 1600
# Pixels a decoded image may have (a 50-megapixel phone photo fits); larger ones are refused before
# decoding, so a small file that expands to gigabytes cannot exhaust memory.
MAX_PIXELS = 60_000_000


def receipt_prepare(upload: File) -> ContentFile[bytes]:
    """The receipt as a clean JPEG, or a ValidationError saying what is wrong with the file."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if (upload.size or 0) > RECEIPT_MAX_MB * 1024 * 1024:
        raise ValidationError(
            _("The receipt photo is larger than %(mb)s MB.") % {"mb": RECEIPT_MAX_MB}, code="receipt_size"
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if file_kind(head) not in ("jpg", "png"):
        raise ValidationError(_("The receipt must be a photo (JPEG or PNG)."), code="receipt_type")
    try:
        with Image.open(upload) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(_("The receipt photo has too many pixels."), code="receipt_pixels")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            if upright.mode not in ("RGB", "L"):
                background = Image.new("RGB", upright.size, "white")
                rgba = upright.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                upright = background
            elif upright.mode == "L":
                upright = upright.convert("RGB")
            upright.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            out = io.BytesIO()
            # A fresh save without ``exif=`` writes no EXIF block at all.
            upright.save(out, format="JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("The receipt photo cannot be read; take the photo again."), code="receipt_broken"
        ) from exc
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="struk.jpg")
