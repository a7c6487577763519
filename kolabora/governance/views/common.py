"""What the governance pages share: the region and period a page shows, within what the user may read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kolabora.core import access
from kolabora.core.access import Action
from kolabora.core.timeutils import today
from kolabora.regions.models import Region

from ..forms import PERIOD_CHOICES, PERIODS, ScopeForm, region_choices
from ..selectors.common import Scope


@dataclass
class PageScope:
    scope: Scope
    form: ScopeForm
    region_label: str
    period_key: str

    @property
    def period_label(self) -> str:
        return str(dict(PERIOD_CHOICES).get(self.period_key, ""))

    @property
    def query(self) -> str:
        """The filter as a query string, for links to the CSV and PDF of the same view."""
        parts = []
        if self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("region"):
            parts.append(f"region={self.form.cleaned_data['region']}")
        parts.append(f"period={self.period_key}")
        return "&".join(parts)


def page_scope(
    request: HttpRequest, action: Action = Action.ANALYTICS_VIEW, *, require: bool = True
) -> PageScope:
    """The scope a governance page shows: the user's regions for ``action`` (or one region below them,
    chosen in the form) and a period. Refuses users without any region for ``action`` when ``require``."""
    user = request.user
    codes = access.governance_codes(user, action)
    if require and codes == []:
        raise PermissionDenied
    regions = region_choices(codes) if codes != [] else []
    form = ScopeForm(request.GET or None, regions=regions)
    chosen = ""
    period_key = "365"
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data.get("region") or ""
        period_key = form.cleaned_data.get("period") or "365"
    days = PERIODS.get(period_key, 365)
    since = None if days is None else today() - dt.timedelta(days=days)
    if chosen:
        scope_codes: tuple[str, ...] | None = (chosen,)
    else:
        scope_codes = None if codes is None else tuple(codes)
    if scope_codes is None:
        label = (
            Region.objects.filter(level="provinsi").order_by("code").values_list("name", flat=True).first()
            or ""
        )
    else:
        names = dict(Region.objects.filter(code__in=scope_codes).values_list("code", "name"))
        label = ", ".join(names.get(c, c) for c in scope_codes)
    return PageScope(Scope(codes=scope_codes, since=since), form, label, period_key)
