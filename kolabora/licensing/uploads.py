"""Upload checks shared by licensing: file type by extension *and* content, and size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _

from kolabora.core.files import file_kind


def check_upload(upload: File, *, extensions: list[str], max_mb: int) -> None:
    name = (upload.name or "").lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    allowed = ", ".join(e.upper() for e in extensions)
    if ext not in extensions:
        raise ValidationError(_("Upload a file of type %(types)s.") % {"types": allowed})
    size = upload.size or 0
    if size > max_mb * 1024 * 1024:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": max_mb})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if file_kind(head) != {"jpeg": "jpg"}.get(ext, ext):
        raise ValidationError(
            _("The file's content is not a real %(type)s; upload a %(types)s file.")
            % {"type": ext.upper(), "types": allowed}
        )
