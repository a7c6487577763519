"""Product photos as stored and served: checked by content, resized, re-encoded without EXIF.

A phone photo is often 4–12 MB with the camera's EXIF block, which can hold the GPS position of the
participant's home. Photos are shown publicly once a product is published, so only our own re-encoding is
ever stored: a JPEG at most 1200 px on its long side and a 400 px square thumbnail, without metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kolabora.core.files import file_kind

MAX_MB = 8
MAX_PIXELS = 40_000_000  # a 40-megapixel picture: beyond any phone camera, short of a decompression bomb
LARGE = 1200
THUMBNAIL = 400
QUALITY = 82
MAX_PHOTOS = 5
ACCEPT = ".jpg,.jpeg,.png,image/jpeg,image/png"


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _jpeg(picture: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    # No ``exif=`` argument: the new file carries no metadata at all.
    picture.save(buffer, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)


def photo_process(upload: File) -> ProcessedPhoto:
    """Check an uploaded photo by its bytes and size, and return the two JPEGs to store.

    Raises ``ValidationError`` with what to do instead for anything that is not a readable JPEG or PNG
    photo within the limits.
    """
    size = upload.size or 0
    if size > MAX_MB * 1024 * 1024:
        raise ValidationError(
            _(
                "The photo is larger than %(mb)s MB. Take it again at a lower resolution or send a smaller copy."
            )
            % {"mb": MAX_MB}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if file_kind(head) not in ("jpg", "png"):
        raise ValidationError(
            _("The file is not a JPG or PNG photo. Choose a photo from your camera or gallery.")
        )
    unreadable = _("The photo cannot be read; it may be damaged. Take it again or choose another one.")
    try:
        with Image.open(upload) as opened:
            if opened.format not in ("JPEG", "PNG"):
                raise ValidationError(unreadable)
            if opened.width * opened.height > MAX_PIXELS:
                raise ValidationError(
                    _("The photo has too many pixels (%(mp)s megapixels); the largest accepted is %(max)s.")
                    % {"mp": opened.width * opened.height // 1_000_000, "max": MAX_PIXELS // 1_000_000}
                )
            opened.load()
            # Turned upright as the camera meant it, before the orientation tag is dropped with the EXIF.
            picture = ImageOps.exif_transpose(opened)
            if picture.mode in ("RGBA", "LA", "P"):
                rgba = picture.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                picture = flat
            else:
                picture = picture.convert("RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(unreadable) from None
    large = picture.copy()
    large.thumbnail((LARGE, LARGE), Image.Resampling.LANCZOS)
    small = ImageOps.fit(picture, (THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=_jpeg(large, "foto.jpg"),
        thumbnail=_jpeg(small, "foto-kecil.jpg"),
        width=large.width,
        height=large.height,
    )
