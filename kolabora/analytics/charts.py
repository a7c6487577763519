"""Server-rendered SVG charts (pygal, no JavaScript), inlined in the pages next to the table they draw.

A chart depends only on its figures and labels, so the SVG is kept per process for identical input: a
dashboard reloaded without new data does not render its charts again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import pygal
from django.utils import translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

BRAND = "#0b6e4f"
BLUE = "#1a4fa0"
AMBER = "#b7791f"
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1c2430",
    foreground_strong="#1c2430",
    foreground_subtle="#d9dee5",
    colors=(BRAND, BLUE, AMBER),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
    title_font_size=18,
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    legend_font_size=15,
    tooltip_font_size=14,
)
MAX_BARS = 30
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)

Series = tuple[tuple[str, tuple[int, ...]], ...]


def _config(**extra: object) -> dict[str, object]:
    # js=[]: no script tags (the charts are pictures; the numbers are in the tables beside them).
    return {
        "js": [],
        "style": STYLE,
        "disable_xml_declaration": True,
        "explicit_size": False,
        "print_values": False,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 1,
        "margin": 6,
        "spacing": 8,
        **extra,
    }


def _thousands(value: float | None) -> str:
    return "" if value is None else number_format(value, 0, force_grouping=True)


@lru_cache(maxsize=256)
def _render(
    kind: str,
    title: str,
    labels: tuple[str, ...],
    series: Series,
    options: tuple[tuple[str, object], ...],
    language: str,
) -> str:
    chart_class = {
        "funnel": pygal.HorizontalBar,
        "bars": pygal.HorizontalBar,
        "trend": pygal.Line,
    }[kind]
    with translation.override(language):
        chart = chart_class(**_config(title=title, value_formatter=_thousands, **dict(options)))
        chart.x_labels = list(labels)
        for name, values in series:
            chart.add(name, list(values))
        # Without ``js`` the inline configuration script serves nothing: drop it (no script in the page).
        return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


def _svg(
    kind: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    **options: object,
) -> SafeString:
    # pygal escapes every label and title it writes into the SVG.
    frozen = tuple((str(n), tuple(int(v) for v in vs)) for n, vs in series)
    language = translation.get_language() or "id"
    svg = _render(
        kind, str(title), tuple(str(x) for x in labels), frozen, tuple(sorted(options.items())), language
    )
    return mark_safe(svg)


def funnel_chart(title: str, counts: dict[str, int], label: str) -> SafeString:
    """Tabel 2's totals as bars from P1 down to P7: the funnel's shape."""
    codes = list(counts)
    return _svg(
        "funnel",
        title,
        list(reversed(codes)),
        [(label, [counts[c] for c in reversed(codes)])],
        width=480,
        height=380,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        show_x_guides=False,
        show_y_guides=False,
        show_x_labels=False,
    )


def region_bars(title: str, names: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> SafeString:
    """One bar group per region (the largest ``MAX_BARS`` by the first series)."""
    order = sorted(range(len(names)), key=lambda i: -series[0][1][i])[:MAX_BARS]
    order.reverse()  # pygal draws the first label at the bottom
    return _svg(
        "bars",
        title,
        [names[i] for i in order],
        [(n, [vs[i] for i in order]) for n, vs in series],
        width=480,
        height=max(300, 110 + 30 * len(order)),
    )


def trend_chart(title: str, months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> SafeString:
    return _svg(
        "trend",
        title,
        months,
        series,
        width=480,
        height=340,
        x_label_rotation=45,
        show_minor_x_labels=False,
        x_labels_major_every=6,
        dots_size=2,
    )
