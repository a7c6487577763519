"""Permission-matrix rows for the financing pages.

``case(w)`` builds, once per world: the world's participant ready for credit (a valid NIB, P4 and P6
complete, no productive loan declared, consent to financial institutions); three banks with agreements in
force covering P7 (Bank Matriks, Bank Kedua, Bank Ketiga) and a fourth with no referral yet; one officer
(``w.users["bank"]``) acting for the first three; and referrals of the participant at each: received (Bank
Matriks), in review (Bank Kedua) and approved for Rp 7.654.321 (Bank Ketiga).

The world's ``other_org`` persona is an officer of another bank ("Bank Lain Uji", no agreement): it must
see none of it. ``no_consent`` is a training partner; ``out_of_region`` a programme manager of Jakarta
Selatan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from kolabora.core.testing import MatrixRow, World
from kolabora.core.timeutils import today
from kolabora.financing import defaults
from kolabora.financing.models import FinancingProduct, LoanDeclaration, Referral
from kolabora.organisations.choices import Role
from kolabora.organisations.models import Membership, Organisation

from .factories import make_bank, make_officer, make_ready, referral_at

APPROVED_AMOUNT = 7_654_321


@dataclass
class Case:
    received: Referral
    in_review: Referral
    approved: Referral
    fourth: Organisation


def case(w: World) -> Case:
    found: Case | None = getattr(w, "_financing_case", None)
    if found is not None:
        return found
    # A live-server test elsewhere may have flushed the products the data migration made.
    defaults.load(FinancingProduct)
    make_ready(w.participant)
    banks = [
        make_bank(name, lead=w.dinas)[0]
        for name in ("Bank Matriks", "Bank Kedua", "Bank Ketiga", "Bank Keempat")
    ]
    officer = make_officer("bank.matriks", banks[0])
    for bank in banks[1:3]:
        Membership.objects.create(user=officer, organisation=bank, role=Role.BANK_OFFICER)
    w.users["bank"] = officer
    applicant = w.user("participant")
    found = Case(
        received=referral_at("received", w.participant, banks[0], referrer=applicant, officer=officer),
        in_review=referral_at("in_review", w.participant, banks[1], referrer=applicant, officer=officer),
        approved=referral_at(
            "approved", w.participant, banks[2], referrer=applicant, officer=officer, amount=APPROVED_AMOUNT
        ),
        fourth=banks[3],
    )
    setattr(w, "_financing_case", found)  # noqa: B010  (World is a dataclass without this field)
    return found


def _ref(attr: str, name: str) -> Any:
    return lambda w: reverse(name, args=[getattr(case(w), attr).pk])


def _participant_url(name: str) -> Any:
    return lambda w: (case(w), reverse(name, args=[w.participant.pk]))[1]


def _states(w: World) -> tuple[Any, ...]:
    c = case(w)
    states = Referral.objects.filter(pk__in=[c.received.pk, c.in_review.pk, c.approved.pk]).order_by("pk")
    return (*states.values_list("status", "decline_category", "disbursed_amount"), Referral.objects.count())


def _declarations(w: World) -> int:
    return LoanDeclaration.objects.count()


def _business(w: World) -> str:
    return w.participant.businesses.get().name


def _mine(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="participant", **kwargs)


def _bank(name: str, url: Any, **kwargs: Any) -> MatrixRow:
    return MatrixRow(name, url, permitted_as="bank", **kwargs)


ROWS = [
    # The participant's side (and staff who refer them).
    _mine(
        "financing:mine", lambda w: (case(w), reverse("financing:mine"))[1], marker=lambda w: "Bank Matriks"
    ),
    MatrixRow(
        "financing:participant", _participant_url("financing:participant"), marker=lambda w: "Bank Matriks"
    ),
    _mine(
        "financing:declare",
        _participant_url("financing:declare"),
        method="post",
        data=lambda w: {"has_loan": "no"},
        allowed=302,
        effect=_declarations,
    ),
    _mine(
        "financing:refer",
        _participant_url("financing:refer"),
        method="post",
        data=lambda w: {"business": w.participant.businesses.get().pk, "institution": case(w).fourth.pk},
        allowed=302,
        effect=_states,
    ),
    MatrixRow(
        "financing:referrals",
        lambda w: (case(w), reverse("financing:referrals"))[1],
        marker=lambda w: f'href="/permodalan/rujukan/{case(w).received.pk}/"',
    ),
    MatrixRow("financing:referral", _ref("received", "financing:referral")),
    _mine(
        "financing:withdraw",
        _ref("received", "financing:withdraw"),
        method="post",
        data=lambda w: {"reason": "Batal"},
        allowed=302,
        effect=_states,
    ),
    # The institution's side.
    _bank("financing:inbox", lambda w: (case(w), reverse("financing:inbox"))[1], marker=_business),
    _bank(
        "financing:review", _ref("received", "financing:review"), method="post", allowed=302, effect=_states
    ),
    _bank(
        "financing:approve",
        _ref("in_review", "financing:approve"),
        method="post",
        data=lambda w: {
            "product": FinancingProduct.objects.get(code="kur-mikro").pk,
            "amount": "20.000.000",
            "rate": "6",
            "tenor_months": "24",
        },
        allowed=302,
        effect=_states,
    ),
    _bank(
        "financing:decline",
        _ref("in_review", "financing:decline"),
        method="post",
        data=lambda w: {"category": "not_feasible"},
        allowed=302,
        effect=_states,
    ),
    _bank(
        "financing:disburse",
        _ref("approved", "financing:disburse"),
        method="post",
        data=lambda w: {"disbursed_on": today().isoformat(), "amount": str(APPROVED_AMOUNT)},
        allowed=302,
        effect=_states,
    ),
    _bank("financing:report", _ref("received", "financing:report")),
    # Figures and the SIKP export.
    MatrixRow(
        "financing:figures",
        lambda w: (case(w), reverse("financing:figures"))[1],
        marker=lambda w: "Rp 7.654.321",
    ),
    MatrixRow(
        "financing:export", lambda w: (case(w), reverse("financing:export"))[1], out_of_region_status=200
    ),
    MatrixRow(
        "financing:export_csv",
        lambda w: (case(w), reverse("financing:export_csv"))[1],
        permitted_as="kecamatan",
        marker=lambda w: w.participant.nik,
    ),
]
