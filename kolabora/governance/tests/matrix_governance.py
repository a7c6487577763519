"""Permission-matrix rows for the governance pages and API.

``factories.gov(w)`` builds, once per world: the world participant's feedback to the Cipayung secretariat
on a training they attended (and a second attended session not rated yet), an open assessment round over
Jakarta Timur inviting the Cipayung secretariat's and the Jakarta Timur office's members, and a draft round.

The permitted persona is the Jakarta Timur programme manager (ANALYTICS_VIEW, ASSESSMENT_MANAGE and
FEEDBACK_VIEW over 31.75); the participant's own pages are permitted to the ``participant``; answering a
feedback and the questionnaire to ``kecamatan`` (a member of the Cipayung secretariat, invited). The
out-of-region persona (Jakarta Selatan's manager) reads its own region's figures (200 without Jakarta
Timur's data) and may open the round form for its own region.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.governance.models import AssessmentRound, Feedback, Response
from kolabora.regions.models import Region

from .factories import COMMENT, gov


def _jaktim(w: World) -> str:
    return Region.objects.get(code="31.75").name


def _url(name: str, *args: Any) -> Any:
    return lambda w: reverse(name, args=[a(w) for a in args])


def _fb(w: World) -> int:
    return gov(w).feedback.pk


def _round(w: World) -> int:
    return gov(w).round.pk


def _draft(w: World) -> int:
    return gov(w).draft.pk


def _with_feedback(url: Any) -> Any:
    return lambda w: (gov(w), url(w))[1]


def _feedback_state(w: World) -> tuple[int, list[tuple[int, str]]]:
    return Feedback.objects.count(), list(Feedback.objects.order_by("pk").values_list("pk", "status"))


def _rounds_state(w: World) -> list[tuple[int, str]]:
    return list(AssessmentRound.objects.order_by("pk").values_list("pk", "status"))


def _responses(w: World) -> int:
    return Response.objects.count()


def _answers(w: World) -> dict[str, str]:
    from kolabora.governance.services import framework_items

    return {f"item_{i.pk}": "4" for i in framework_items(gov(w).round.framework)}


def _round_data(w: World) -> dict[str, Any]:
    from kolabora.governance.models import Framework

    gov(w)
    return {
        "framework": Framework.objects.get(code="deseve").pk,
        "title": "Penilaian baru (uji matriks)",
        "region": "31.75",
        "period_start": "2026-07-01",
        "period_end": "2026-12-31",
        "closes_on": "2099-01-31",
        "organisations": [w.cipayung.pk],
    }


def _api(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(f"api:{name}", url, api=True, **kwargs)


ROWS = [
    # Indicators, network, accountability, report: readers of Jakarta Timur.
    MatrixRow("governance:indicators", _with_feedback(_url("governance:indicators")), marker=_jaktim),
    MatrixRow("governance:indicators_csv", _url("governance:indicators_csv"), out_of_region_status=200),
    MatrixRow("governance:network", _url("governance:network"), marker=lambda w: w.trainer.name),
    MatrixRow("governance:network_csv", _url("governance:network_csv"), out_of_region_status=200),
    MatrixRow(
        "governance:accountability",
        _with_feedback(_url("governance:accountability")),
        marker=lambda w: w.cipayung.name,
    ),
    MatrixRow(
        "governance:accountability_csv",
        _with_feedback(_url("governance:accountability_csv")),
        marker=lambda w: w.cipayung.name,
    ),
    MatrixRow(
        "governance:organisation",
        _with_feedback(lambda w: reverse("governance:organisation", args=[w.cipayung.pk])),
    ),
    MatrixRow(
        "governance:organisation_csv",
        _with_feedback(lambda w: reverse("governance:organisation_csv", args=[w.cipayung.pk])),
    ),
    MatrixRow("governance:report", _with_feedback(_url("governance:report")), out_of_region_status=200),
    # Assessments.
    MatrixRow("governance:instruments", _url("governance:instruments"), out_of_region_status=200),
    MatrixRow(
        "governance:rounds", _with_feedback(_url("governance:rounds")), marker=lambda w: gov(w).round.title
    ),
    MatrixRow("governance:round_create", _url("governance:round_create"), out_of_region_status=200),
    MatrixRow(
        "governance:round_create",
        _url("governance:round_create"),
        method="post",
        data=_round_data,
        allowed=302,
        effect=_rounds_state,
        out_of_region_status=422,
    ),
    MatrixRow("governance:round", _url("governance:round", _round)),
    MatrixRow(
        "governance:round_open",
        _url("governance:round_open", _draft),
        method="post",
        allowed=302,
        effect=_rounds_state,
    ),
    MatrixRow(
        "governance:round_close",
        _url("governance:round_close", _round),
        method="post",
        allowed=302,
        effect=_rounds_state,
    ),
    MatrixRow("governance:round_respond", _url("governance:round_respond", _round), permitted_as="kecamatan"),
    MatrixRow(
        "governance:round_respond",
        _url("governance:round_respond", _round),
        method="post",
        data=_answers,
        allowed=302,
        effect=_responses,
        permitted_as="kecamatan",
    ),
    MatrixRow("governance:round_results", _url("governance:round_results", _round)),
    MatrixRow("governance:round_results_csv", _url("governance:round_results_csv", _round)),
    # Feedback: the organisations' side and the programme's overview.
    MatrixRow(
        "governance:feedback_list", _with_feedback(_url("governance:feedback_list")), marker=lambda w: COMMENT
    ),
    MatrixRow(
        "governance:feedback_csv", _with_feedback(_url("governance:feedback_csv")), marker=lambda w: COMMENT
    ),
    MatrixRow("governance:feedback_detail", _url("governance:feedback_detail", _fb)),
    MatrixRow(
        "governance:feedback_answer",
        _url("governance:feedback_answer", _fb),
        method="post",
        data=lambda w: {"answer": "Terima kasih, jadwal kami perbaiki."},
        allowed=302,
        effect=_feedback_state,
        permitted_as="kecamatan",
    ),
    # Feedback: the participant's side.
    MatrixRow(
        "governance:my_feedback", _with_feedback(_url("governance:my_feedback")), permitted_as="participant"
    ),
    MatrixRow(
        "governance:feedback_give",
        lambda w: reverse("governance:feedback_give", args=["training", gov(w).rateable.pk]),
        permitted_as="participant",
    ),
    MatrixRow(
        "governance:feedback_give",
        lambda w: reverse("governance:feedback_give", args=["training", gov(w).rateable.pk]),
        method="post",
        data=lambda w: {"rating": "4", "comment": "Bagus."},
        allowed=302,
        effect=_feedback_state,
        permitted_as="participant",
    ),
    # API.
    _api("governance_indicators", _url("api:governance_indicators"), out_of_region_status=200),
    _api("governance_network", _url("api:governance_network"), marker=lambda w: w.trainer.name),
    _api(
        "governance_accountability",
        _with_feedback(_url("api:governance_accountability")),
        marker=lambda w: w.cipayung.name,
    ),
    _api(
        "governance_organisation_accountability",
        lambda w: reverse("api:governance_organisation_accountability", args=[w.cipayung.pk]),
    ),
    _api("governance_round_results", _url("api:governance_round_results", _round)),
    _api("feedback_services", _with_feedback(_url("api:feedback_services")), permitted_as="participant"),
    _api(
        "create_feedback",
        _url("api:create_feedback"),
        method="post",
        data=lambda w: {
            "kind": "training",
            "subject_id": gov(w).rateable.pk,
            "rating": 5,
            "comment": "Bagus.",
        },
        allowed=201,
        effect=_feedback_state,
        permitted_as="participant",
    ),
    _api("list_feedback", _with_feedback(_url("api:list_feedback")), marker=lambda w: COMMENT),
    _api("get_feedback", _url("api:get_feedback", _fb)),
    _api(
        "answer_feedback",
        _url("api:answer_feedback", _fb),
        method="post",
        data=lambda w: {"answer": "Terima kasih, jadwal kami perbaiki."},
        effect=_feedback_state,
        permitted_as="kecamatan",
    ),
]
