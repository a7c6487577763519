"""Business scale by PP 7/2021.

A running business is classed by its annual sales; one without sales yet by its business capital
(excluding land and buildings), as the regulation does for new businesses. Thresholds are Rupiah.
"""

from __future__ import annotations

from .choices import BusinessScale

CAPITAL_LIMITS = [
    (1_000_000_000, BusinessScale.MIKRO),
    (5_000_000_000, BusinessScale.KECIL),
    (10_000_000_000, BusinessScale.MENENGAH),
]
SALES_LIMITS = [
    (2_000_000_000, BusinessScale.MIKRO),
    (15_000_000_000, BusinessScale.KECIL),
    (50_000_000_000, BusinessScale.MENENGAH),
]


def business_scale(*, assets: int, monthly_turnover: int) -> BusinessScale:
    annual_sales = monthly_turnover * 12
    value, limits = (annual_sales, SALES_LIMITS) if annual_sales > 0 else (assets, CAPITAL_LIMITS)
    for limit, scale in limits:
        if value <= limit:
            return scale
    return BusinessScale.BESAR
