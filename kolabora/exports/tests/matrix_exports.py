"""Permission-matrix rows for the export page and the export API.

The permitted persona (programme manager, Jakarta Timur) gets the world's participant in the file; the
out-of-region manager (Jakarta Selatan) may export too, but gets a file without her; the training partner
(relationship, no consent) and the bank officer of another organisation are refused.
"""

from __future__ import annotations

from django.urls import reverse

from kolabora.core.testing import MatrixRow

ROWS = [
    MatrixRow("exports:participants", lambda w: reverse("exports:participants"), out_of_region_status=200),
    MatrixRow(
        "exports:participants",
        lambda w: reverse("exports:participants"),
        method="post",
        data=lambda w: {"format": "csv"},
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow(
        "api:export_participants",
        lambda w: reverse("api:export_participants") + "?format=csv",
        api=True,
        marker=lambda w: w.participant.full_name,
    ),
    MatrixRow(
        "api:export_tables", lambda w: reverse("api:export_tables"), api=True, out_of_region_status=200
    ),
]
