"""Charts drawn by pygal on the server (no JavaScript): the assessment radar."""

from __future__ import annotations

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from .selectors.assessments import RoundResults

RADAR_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1c2430",
    foreground_strong="#1c2430",
    foreground_subtle="#c9d0d8",
    opacity=".35",
    opacity_hover=".5",
    colors=("#0b6e4f", "#9a6700"),
    font_family="DejaVu Sans, system-ui, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=16,
    title_font_size=17,
    value_font_size=13,
    tooltip_font_size=14,
)


def radar_svg(results: RoundResults) -> str:
    """Mean score (1–5) per dimension of the round, with the previous round of the same framework and
    region when there is one. Empty when too few people answered to show results."""
    if not results.shown:
        return ""
    chart = pygal.Radar(
        js=[],
        disable_xml_declaration=True,
        style=RADAR_STYLE,
        range=(1, 5),
        fill=True,
        width=960,
        height=640,
        margin=16,
        margin_left=150,
        margin_right=150,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        # Horizontal labels (pygal turns them along the spokes unless given a rotation), cut to fit; the
        # full names are in the table next to the chart and in each label's tooltip.
        x_label_rotation=0.01,
        truncate_label=30,
        truncate_legend=-1,
        dots_size=4,
        y_labels=[1, 2, 3, 4, 5],
        show_x_guides=True,
        explicit_size=False,
    )
    chart.title = results.round.framework.label
    chart.x_labels = [d.label for d in results.dimensions]
    chart.add(
        _("%(title)s (%(n)s people)") % {"title": results.round.title, "n": results.respondents},
        [d.mean for d in results.dimensions],
    )
    if results.previous is not None and results.previous_dimensions is not None:
        chart.add(results.previous.title, [d.mean for d in results.previous_dimensions])
    return str(chart.render(is_unicode=True))
