"""Permission-matrix rows for the funnel pages, their exports, the funnel API and the public pages.

The world's participant lives in Cipayung (31.75.10, Jakarta Timur): the permitted persona (programme
manager of Jakarta Timur) sees the region's figures and the participants behind them; the out-of-region
manager (Jakarta Selatan), the bank officer and the training partner do not. The public pages answer
everyone, anonymous visitors included.
"""

from __future__ import annotations

from django.urls import reverse

from kolabora.core.testing import MatrixRow

REGION = "31.75"


def _q(path: str) -> str:
    return f"{path}?region={REGION}&level=kecamatan"


ROWS = [
    MatrixRow("analytics:funnel", lambda w: _q(reverse("analytics:funnel")), marker=lambda w: "Cipayung"),
    MatrixRow(
        "analytics:people",
        lambda w: reverse("analytics:people") + f"?region={REGION}&column=P1",
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow("analytics:export_xlsx", lambda w: _q(reverse("analytics:export_xlsx"))),
    MatrixRow("analytics:export_csv", lambda w: _q(reverse("analytics:export_csv", args=["funnel"]))),
    MatrixRow(
        "api:analytics_funnel",
        lambda w: _q(reverse("api:analytics_funnel")),
        api=True,
        marker=lambda w: '"code": "31.75.10", "name": "Cipayung"',
    ),
    MatrixRow("analytics_public:progress", lambda w: reverse("analytics_public:progress"), public=True),
    MatrixRow(
        "analytics_public:region", lambda w: reverse("analytics_public:region", args=[REGION]), public=True
    ),
    MatrixRow(
        "analytics_public:csv",
        lambda w: reverse("analytics_public:csv", args=[REGION, "regions"]),
        public=True,
    ),
]
