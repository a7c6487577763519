"""Consistency for staff: a mentor's caseload ("dampingan") and a kecamatan's area ("wilayah"), with who
keeps books month after month, who has fallen behind, and who has not started."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolabora.accounts.models import User
from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.htmx import AuthedHttpRequest, is_htmx
from kolabora.core.timeutils import today
from kolabora.regions.choices import RegionLevel
from kolabora.regions.models import Region

from .. import selectors
from ..selectors.consistency import VIEWS
from .common import staff_may_list

PAGE = 30


def _kecamatan_choices(user: User) -> list[Region]:
    """The kecamatan inside the user's CASHBOOK_VIEW regions, when there is more than one."""
    codes = access.region_codes(user, Action.CASHBOOK_VIEW)
    if not codes or all(c.count(".") >= 2 for c in codes):
        return []
    within = Q(pk__in=[])
    for c in codes:
        within |= Q(code=c) | Q(code__startswith=c + ".")
    return list(Region.objects.filter(level=RegionLevel.KECAMATAN).filter(within).order_by("name"))


@login_required
@require_http_methods(["GET"])
def consistency(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    is_mentor, has_area = staff_may_list(user)
    if not is_mentor and not has_area:
        raise PermissionDenied
    view = request.GET.get("lihat", "")
    if view not in VIEWS:
        view = "dampingan" if is_mentor else "wilayah"
    if view == "wilayah" and not has_area:
        view = "dampingan"
    if view == "dampingan" and not is_mentor:
        view = "wilayah"
    kecamatan_choices = _kecamatan_choices(user) if view == "wilayah" else []
    kecamatan = request.GET.get("kecamatan", "")
    if kecamatan not in {r.code for r in kecamatan_choices}:
        kecamatan = ""
    base = (
        selectors.caseload_businesses(user)
        if view == "dampingan"
        else selectors.area_businesses(user, kecamatan=kecamatan or None)
    )
    day = today()
    show = request.GET.get("tampil", "")
    if show not in ("tertinggal", "belum", "selesai"):
        show = ""
    counts = {
        key: selectors.filter_show(base, key, today=day).count()
        for key in ("", "tertinggal", "belum", "selesai")
    }
    page = Paginator(
        selectors.ordered(selectors.filter_show(base, show, today=day), today=day), PAGE
    ).get_page(request.GET.get("page"))
    rows = selectors.consistency_rows(list(page.object_list), today=day)
    template = "bookkeeping/consistency.html"
    if is_htmx(request):
        template += "#list"
    return TemplateResponse(
        request,
        template,
        {
            "rows": rows,
            "page": page,
            "view": view,
            "views": [
                v
                for v in (("dampingan", _("My caseload")), ("wilayah", _("My area")))
                if (v[0] == "dampingan" and is_mentor) or (v[0] == "wilayah" and has_area)
            ],
            "show": show,
            "filters": [
                ("", _("All"), counts[""]),
                ("tertinggal", _("Behind"), counts["tertinggal"]),
                ("belum", _("Not started"), counts["belum"]),
                ("selesai", _("P6 completed"), counts["selesai"]),
            ],
            "kecamatan_choices": kecamatan_choices,
            "kecamatan": kecamatan,
            "today": day,
        },
    )
