"""Permission-matrix rows for the financing API (the world of ``matrix_financing.case``)."""

from __future__ import annotations

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World

from .matrix_financing import _states, case


def _new(w: World) -> dict[str, object]:
    c = case(w)
    return {
        "participant_id": w.participant.pk,
        "business_id": w.participant.businesses.get().pk,
        "institution_id": c.fourth.pk,
        "requested_amount": 5_000_000,
    }


ROWS = [
    MatrixRow(
        "api:list_referrals",
        lambda w: (case(w), reverse("api:list_referrals"))[1],
        api=True,
        permitted_as="bank",
        marker=lambda w: f'"id": {case(w).received.pk}, "participant"',
    ),
    MatrixRow(
        "api:create_referral",
        lambda w: reverse("api:create_referral"),
        method="post",
        api=True,
        data=_new,
        allowed=201,
        permitted_as="participant",
        effect=_states,
    ),
    MatrixRow(
        "api:get_referral", lambda w: reverse("api:get_referral", args=[case(w).received.pk]), api=True
    ),
    MatrixRow(
        "api:transition_referral",
        lambda w: reverse("api:transition_referral", args=[case(w).received.pk]),
        method="post",
        api=True,
        data=lambda w: {"to": "in_review"},
        permitted_as="bank",
        effect=_states,
    ),
    MatrixRow(
        "api:get_financing_eligibility",
        lambda w: (case(w), reverse("api:get_financing_eligibility", args=[w.participant.pk]))[1],
        api=True,
    ),
]
