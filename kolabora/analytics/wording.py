"""The figures' definitions and the anomalies' explanations, in words (shown on the pages and in exports)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .columns import EDGES_DAYS
from .counters import ProgrammeStages
from .funnel import Anomaly


def count(n: int) -> str:
    """A whole number with the language's thousands separator (7.294 in Indonesian)."""
    return f"{int(n):,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))


def counter() -> Callable[[int], str]:
    """``count`` with the separator looked up once (for pages that format thousands of figures)."""
    separator = str(get_format("THOUSAND_SEPARATOR"))
    return lambda n: f"{int(n):,}".replace(",", separator)


def share(x: float | None, digits: int = 1) -> str:
    """A share (0–1) as a percentage with the language's decimal mark (4,4% in Indonesian); None → —."""
    if x is None:
        return "—"
    text = f"{100 * x:,.{digits}f}".replace(",", "\0").replace(".", str(get_format("DECIMAL_SEPARATOR")))
    return text.replace("\0", str(get_format("THOUSAND_SEPARATOR"))) + "%"


def definitions() -> list[str]:
    """How every figure is counted: one sentence each."""
    return [
        _(
            "A participant counts in a column while that stage is in progress or completed (the participant "
            "list's “reached”). T1–T3 count training (P2) by the highest level reached; P2 in progress without "
            "a level yet counts as T1."
        ),
        _(
            "Someone who dropped out of a stage counts among that stage's drop-outs, not in its column; the "
            "drop-out rate is drop-outs ÷ (reached + drop-outs)."
        ),
        _("Conversion is a column divided by the column before it."),
        _(
            "Median time to complete: from the start of a stage to its completion, for completed stages; "
            "estimated within day ranges (up to %(last)s days), so read it as an approximate figure."
        )
        % {"last": EDGES_DAYS[-1]},
        _(
            "Success is licensing (P4) completed. Targets are per year: 40,000 province-wide and 900 per "
            "kecamatan unless the programme set others; a kota's is the sum of its kecamatan's. Attainment "
            "counts participants registered in that year who are licensed so far."
        ),
        _(
            "Projection (the current year only): licensed so far ÷ the share of the year gone by. It assumes "
            "the pace so far holds; people registered late in the year have had less time, so treat it as a "
            "lower estimate."
        ),
        _(
            "Cohort: the month or year of registration. Merged duplicate records are left out. The figures "
            "are kept up to date as the data changes."
        ),
    ]


def public_notes() -> list[str]:
    return [
        _(
            "To protect the people behind the figures, counts from 1 to 4 are shown as “< 5” and every other "
            "count is rounded to the nearest 5, totals included. Because every figure is rounded, a hidden "
            "count cannot be worked out by subtracting the others from a total. Percentages are computed from "
            "the rounded figures."
        ),
        _("No personal data is shown on this page."),
    ]


# What a stage means, as a verb phrase (for the anomalies' headline).
def _did(code: str) -> str:
    return {
        "P1": _("registered"),
        "P2": _("in training"),
        "P3": _("mentored"),
        "P4": _("in licensing"),
        "P5": _("marketing"),
        "P6": _("keeping financial reports"),
        "P7": _("referred for capital"),
    }.get(code, code)


def _done(code: str) -> str:
    return {
        "P1": _("with registration complete"),
        "P2": _("trained"),
        "P3": _("mentored to the end"),
        "P4": _("licensed"),
        "P5": _("marketed"),
        "P6": _("with financial reports done"),
        "P7": _("financed"),
    }.get(code, code)


def anomaly_headline(a: Anomaly, stages: ProgrammeStages, language: str | None) -> str:
    """E.g. "483 participants marketing, only 395 licensed" when the stage outnumbers a prerequisite's
    completions, otherwise "5 participants referred for capital before completing P4 …, P6 …"."""
    if a.reversed:
        worst = min(a.completed, key=lambda q: a.completed[q])
        return _("%(reached)s participants %(did)s, only %(completed)s %(done)s") % {
            "reached": count(a.reached),
            "did": _did(a.stage),
            "completed": count(a.completed[worst]),
            "done": _done(worst),
        }
    return ngettext(
        "%(n)s participant %(did)s before completing %(prerequisites)s",
        "%(n)s participants %(did)s before completing %(prerequisites)s",
        a.count,
    ) % {
        "n": count(a.count),
        "did": _did(a.stage),
        "prerequisites": ", ".join(f"{q} {stages.name(q, language)}" for q in a.prerequisites),
    }


def anomaly_detail(a: Anomaly, stages: ProgrammeStages, language: str | None) -> str:
    names = ", ".join(f"{q} {stages.name(q, language)}" for q in a.prerequisites)
    text = ngettext(
        "%(n)s participant is in %(stage)s while %(prerequisites)s is not completed.",
        "%(n)s participants are in %(stage)s while %(prerequisites)s is not completed.",
        a.count,
    ) % {"n": count(a.count), "stage": f"{a.stage} {stages.name(a.stage, language)}", "prerequisites": names}
    if a.stage == "P5" and "P4" in a.prerequisites:
        text += " " + _(
            "Legality before marketing: a business is licensed before it sells through the programme."
        )
    return text
