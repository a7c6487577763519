"""Who may be referred for credit, with the reason for each rule in words (DOMAIN.md "KUR and SIKP").

Five rules, each passed or failed with one sentence the participant and their mentor can act on:

1. ``licence``: a valid business licence (an NIB or IUMK, the licences that complete P4);
2. ``p6``: bookkeeping (P6) complete, so the books yield a bankable report;
3. ``age``: at least 21 years old (KUR's youngest borrower), from the birth date in the NIK;
4. ``loan``: the participant has declared having no current productive loan;
5. ``consent``: consent to share data with financial institutions.

``eligibility_check`` answers for one participant; ``eligible`` is the same rule as one database query
(for the SIKP export), and the tests hold the two to the same answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import formats
from django.utils.translation import gettext as _

from kolabora.core.timeutils import today
from kolabora.licensing.choices import LicenceStatus
from kolabora.licensing.models import Licence
from kolabora.licensing.services import BUSINESS_LICENCES
from kolabora.participants.choices import ConsentPurpose, ParticipantStatus
from kolabora.participants.models import Consent, Participant
from kolabora.pathway.choices import StageStatus
from kolabora.pathway.models import ParticipantStage

from .choices import ProductScheme
from .models import FinancingProduct, LoanDeclaration

RULES = ("licence", "p6", "age", "loan", "consent")
DEFAULT_MIN_AGE = 21


@dataclass(frozen=True)
class Reason:
    """One rule's verdict for one participant, as a sentence."""

    code: str
    passed: bool
    text: str


@dataclass(frozen=True)
class Eligibility:
    participant: Participant
    reasons: list[Reason]
    licence: Licence | None = None
    declaration: LoanDeclaration | None = None
    p6_status: str = ""
    min_age: int = DEFAULT_MIN_AGE
    age: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.failed

    def passed(self, code: str) -> bool:
        return code not in self.failed


def kur_min_age() -> int:
    """The youngest KUR borrower, from the active KUR products (21 when none says otherwise)."""
    found = FinancingProduct.objects.filter(scheme=ProductScheme.KUR, is_active=True).aggregate(
        m=Min("min_age")
    )["m"]
    return int(found) if found is not None else DEFAULT_MIN_AGE


def _valid_licences() -> Q:
    day = today()
    return Q(status=LicenceStatus.VALID, licence_type__code__in=sorted(BUSINESS_LICENCES)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def business_licence(participant: Participant) -> Licence | None:
    """The participant's valid business licence (the latest issued), if any."""
    return (
        Licence.objects.filter(_valid_licences(), participant=participant)
        .select_related("licence_type", "business")
        .order_by("-issued_on", "-pk")
        .first()
    )


def latest_declaration(participant: Participant) -> LoanDeclaration | None:
    return LoanDeclaration.objects.filter(participant=participant).order_by("-declared_at", "-id").first()


def _date(value: dt.date | dt.datetime) -> str:
    from django.utils import timezone

    day = timezone.localdate(value) if isinstance(value, dt.datetime) else value
    return formats.date_format(day, "j F Y")


def eligibility_check(participant: Participant, *, on: dt.date | None = None) -> Eligibility:
    """Each rule with its verdict and sentence, in the active language."""
    day = on or today()
    reasons: list[Reason] = []

    licence = business_licence(participant)
    if licence is not None:
        reasons.append(
            Reason(
                "licence",
                True,
                _("The business holds a valid business licence: %(type)s %(number)s.")
                % {"type": licence.licence_type.name, "number": licence.number},
            )
        )
    else:
        reasons.append(
            Reason(
                "licence",
                False,
                _(
                    "No valid business licence (NIB or IUMK) is recorded yet. Banks and KUR need one: "
                    "complete licensing (P4) first."
                ),
            )
        )

    p6 = ParticipantStage.objects.filter(participant=participant, code="P6").values_list("status", flat=True)
    p6_status = next(iter(p6), "")
    if p6_status == StageStatus.COMPLETED:
        reasons.append(
            Reason("p6", True, _("Bookkeeping (P6) is complete, so the books give a bankable report."))
        )
    else:
        label = StageStatus(p6_status).label if p6_status in StageStatus.values else _("not started")
        reasons.append(
            Reason(
                "p6",
                False,
                _(
                    "Bookkeeping (P6) is not complete yet (now: %(status)s). Banks judge the business on its "
                    "books: keep the cash book until the step completes."
                )
                % {"status": label},
            )
        )

    min_age = kur_min_age()
    age = participant.age_on(day)
    if age >= min_age:
        reasons.append(
            Reason(
                "age",
                True,
                _("Aged %(age)s, at least the %(min)s years KUR requires (birth date from the NIK).")
                % {"age": age, "min": min_age},
            )
        )
    else:
        reasons.append(
            Reason(
                "age",
                False,
                _(
                    "Aged %(age)s: KUR lends only to people aged at least %(min)s (birth date from the NIK). "
                    "A referral is possible from %(date)s."
                )
                % {
                    "age": age,
                    "min": min_age,
                    "date": _date(_birthday(participant.birth_date, min_age)),
                },
            )
        )

    declaration = latest_declaration(participant)
    if declaration is None:
        reasons.append(
            Reason(
                "loan",
                False,
                _(
                    "Whether the business has a current productive loan is not declared yet. KUR is only "
                    "for those without one (consumer loans do not count): answer the question below."
                ),
            )
        )
    elif declaration.has_productive_loan:
        reasons.append(
            Reason(
                "loan",
                False,
                _(
                    "A current productive loan was declared on %(date)s (%(lender)s). KUR is only for those "
                    "without one; declare again once it is repaid."
                )
                % {
                    "date": _date(declaration.declared_at),
                    "lender": declaration.lender or _("lender not named"),
                },
            )
        )
    else:
        reasons.append(
            Reason(
                "loan",
                True,
                _("Declared on %(date)s: no current productive loan.")
                % {"date": _date(declaration.declared_at)},
            )
        )

    consented = Consent.objects.filter(
        participant=participant, purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS, withdrawn_at__isnull=True
    ).exists()
    if consented:
        reasons.append(
            Reason("consent", True, _("Consent to share data with financial institutions is given."))
        )
    else:
        reasons.append(
            Reason(
                "consent",
                False,
                _(
                    "Consent to share data with financial institutions is not given. Without it no bank may "
                    "receive the participant's data."
                ),
            )
        )
    return Eligibility(
        participant=participant,
        reasons=reasons,
        licence=licence,
        declaration=declaration,
        p6_status=p6_status,
        min_age=min_age,
        age=age,
        failed=[r.code for r in reasons if not r.passed],
    )


def _birthday(birth: dt.date, years: int) -> dt.date:
    """The date someone born on ``birth`` turns ``years`` (29 February → 1 March in other years)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def born_on_or_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone at least ``years`` old on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: someone born on 28 February or earlier has had the birthday
        return dt.date(day.year - years, 2, 28)


def eligible(queryset: QuerySet[Participant], *, on: dt.date | None = None) -> QuerySet[Participant]:
    """The participants of ``queryset`` who pass all five rules of ``eligibility_check``, in one query."""
    day = on or today()
    licence = Licence.objects.filter(_valid_licences(), participant=OuterRef("pk"))
    p6 = ParticipantStage.objects.filter(participant=OuterRef("pk"), code="P6", status=StageStatus.COMPLETED)
    consent = Consent.objects.filter(
        participant=OuterRef("pk"), purpose=ConsentPurpose.FINANCIAL_INSTITUTIONS, withdrawn_at__isnull=True
    )
    latest = LoanDeclaration.objects.filter(participant=OuterRef("pk")).order_by("-declared_at", "-id")
    return queryset.annotate(latest_has_loan=Subquery(latest.values("has_productive_loan")[:1])).filter(
        Exists(licence),
        Exists(p6),
        Exists(consent),
        status=ParticipantStatus.ACTIVE,
        birth_date__lte=born_on_or_before(day, kur_min_age()),
        latest_has_loan=False,
    )
