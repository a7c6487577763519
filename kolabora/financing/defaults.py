"""Default financing products and the service levels of a referral's steps (DOMAIN.md "KUR and SIKP",
seed 001 on Bank DKI's Kredit Monas Pemula). Administrators change products in the admin site: the ceilings
and rates are regulation (Permenko Perekonomian 1/2023 for KUR) and change with it.

- KUR Super Mikro: up to Rp10 juta, 3% a year effective.
- KUR Mikro: above Rp10 juta up to Rp100 juta, 6% a year for a first-time debtor, tiered up to 9%.
- KUR Kecil: above Rp100 juta up to Rp500 juta, 6% to 9% a year in the same tiers.
  KUR tenors: working capital up to 3 years (4 for KUR Kecil), investment up to 5 years. KUR borrowers
  are at least 21 and have no current productive loan (consumer loans are fine).
- Kredit Monas Pemula (Bank DKI, for programme participants who completed six of the seven steps): up to
  Rp10 juta at 7% a year over at most 18 months. It is offered only by the institutions an administrator
  links it to (the demo links Bank DKI).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

JUTA = 1_000_000

PRODUCTS: list[dict[str, Any]] = [
    {
        "code": "kur-super-mikro",
        "name": "KUR Super Mikro",
        "scheme": "kur",
        "any_institution": True,
        "min_amount": 1,
        "max_amount": 10 * JUTA,
        "min_rate": Decimal("3.00"),
        "max_rate": Decimal("3.00"),
        "max_tenor_months": 60,
        "min_age": 21,
        "order": 1,
    },
    {
        "code": "kur-mikro",
        "name": "KUR Mikro",
        "scheme": "kur",
        "any_institution": True,
        "min_amount": 10 * JUTA + 1,
        "max_amount": 100 * JUTA,
        "min_rate": Decimal("6.00"),
        "max_rate": Decimal("9.00"),
        "max_tenor_months": 60,
        "min_age": 21,
        "order": 2,
    },
    {
        "code": "kur-kecil",
        "name": "KUR Kecil",
        "scheme": "kur",
        "any_institution": True,
        "min_amount": 100 * JUTA + 1,
        "max_amount": 500 * JUTA,
        "min_rate": Decimal("6.00"),
        "max_rate": Decimal("9.00"),
        "max_tenor_months": 60,
        "min_age": 21,
        "order": 3,
    },
    {
        "code": "kredit-monas-pemula",
        "name": "Kredit Monas Pemula",
        "scheme": "regional",
        "any_institution": False,
        "min_amount": 1,
        "max_amount": 10 * JUTA,
        "min_rate": Decimal("7.00"),
        "max_rate": Decimal("7.00"),
        "max_tenor_months": 18,
        "min_age": 21,
        "order": 4,
    },
]

# Working days each step of a referral may take at the institution, from when it reaches the step.
STEP_SERVICE_DAYS = {
    "acknowledge": 2,  # received → in review: an officer picks the referral up and contacts the participant
    "decide": 10,  # in review → approved or declined: survey, interview, credit check (SLIK), decision
    "disburse": 5,  # approved → disbursed: the agreement is signed and the money paid out
}


def load(FinancingProduct: Any) -> None:
    """Create the default products (skipping those that exist). Used by the data migration."""
    for p in PRODUCTS:
        FinancingProduct.objects.get_or_create(
            code=p["code"], defaults={k: v for k, v in p.items() if k != "code"}
        )
