"""The export page (namespace ``exports``): choose filters, tables and a format, and download.

GET shows the form (prefilled from the query string, so the participant list can link "export these");
POST checks it and answers with the file, streamed (a refused form comes back with its
errors and status 422). The download is a POST so that a link preview, a prefetch or a reload never makes
an audited copy of personal data by accident.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.htmx import AuthedHttpRequest
from kolabora.participants.choices import EntryTrack, Sector
from kolabora.pathway.choices import StageStatus

from .forms import ExportForm
from .services import ExportRequest, ExportStream

PREFILL = frozenset(
    {"format", "region", "stage", "status", "entry_track", "sector", "registered_from", "registered_to"}
)


def streaming_response(stream: ExportStream) -> StreamingHttpResponse:
    """The stream as a download; the server closes it (and so writes the audit row) when done or cut off."""
    response = StreamingHttpResponse(stream, content_type=stream.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stream.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_page(request: AuthedHttpRequest) -> HttpResponseBase:
    access.require(request.user, Action.PARTICIPANT_EXPORT)
    # A GET may carry the staff list's filters (``?region=…&stage=…``) to start from: "export these".
    initial = {k: v for k, v in request.GET.items() if k in PREFILL and v}
    form = ExportForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        stream = ExportStream(
            ExportRequest(
                user=request.user,
                actor=request.user,
                filters=form.filters(),
                tables=tuple(form.chosen_tables()),
                format=form.cleaned_data["format"],
                via="web",
            )
        )
        return streaming_response(stream)
    nik_regions = access.region_codes(request.user, Action.PARTICIPANT_NIK)
    return TemplateResponse(
        request,
        "exports/page.html",
        {
            "form": form,
            "tables": form.available,
            "nik_full": access.is_system_admin(request.user) or bool(nik_regions),
            "codes": [
                ("P1–P7", StageStatus.values),
                ("entry_track", EntryTrack.values),
                ("sector", Sector.values),
            ],
        },
        status=422 if form.is_bound else 200,
    )
