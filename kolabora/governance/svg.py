"""Server-drawn SVG: the collaboration network and the stakeholder performance map.

Both are deterministic (the same data draws the same picture), need no JavaScript, scale with their
``viewBox`` and carry a ``<title>`` and a text alternative; the pages put the same figures in a table
beside them, which is what a phone reader uses.
"""

from __future__ import annotations

import math
from statistics import median

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from .selectors.accountability import SERVICE_LEVEL_TARGET, AccountabilityRow
from .selectors.network import Network, Node

TYPE_COLOURS = {
    "government_agency": "#0b6e4f",
    "kecamatan_secretariat": "#2f9e74",
    "ptsp_unit": "#1a4fa0",
    "kelurahan_office": "#5b7fd1",
    "university": "#8e44ad",
    "company": "#c0392b",
    "community": "#d97706",
    "bank": "#0e7490",
    "financial_institution": "#0891b2",
    "development_partner": "#6b7280",
}
EDGE_COLOURS = {"agreement": "#0b6e4f", "handoff": "#1a4fa0", "referral": "#b45309"}
FONT = 'font-family="DejaVu Sans, system-ui, sans-serif"'


def _node_radius(node: Node) -> float:
    return 6 + min(12.0, 3 * math.log2(1 + node.received))


def _layout(nodes: list[Node], cx: float, cy: float, radius: float) -> dict[int, tuple[float, float, float]]:
    """Nodes around a circle in type order, with an empty slot between types; (x, y, angle) by node id."""
    slots: list[Node | None] = []
    previous = None
    for n in nodes:
        if previous is not None and n.type != previous:
            slots.append(None)
        slots.append(n)
        previous = n.type
    if len(slots) > 1 and slots[-1] is not None and nodes and nodes[0].type != nodes[-1].type:
        slots.append(None)
    positions = {}
    for i, slot in enumerate(slots):
        if slot is None:
            continue
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(slots), 1)
        positions[slot.id] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle), angle)
    return positions


def network_svg(net: Network, *, title: str) -> str:
    """The network as a circle of organisations grouped by type: agreements as straight green lines (dashed
    when they have ended), work passed between organisations as blue (hand-offs) or orange (referrals)
    curves whose width grows with the volume; a node's size grows with the steps it received."""
    nodes = net.nodes
    if not nodes:
        return ""
    n = len(nodes)
    radius = max(170.0, min(330.0, 120 + 9.5 * n))
    width = max(1000.0, 2 * (radius + 260))
    legend_types = sorted({(x.type_rank, x.type, x.type_label) for x in nodes})
    legend_rows = 3 + math.ceil(len(legend_types) / 3)
    height = 2 * radius + 110 + 26 * legend_rows
    cx, cy = width / 2, radius + 55
    pos = _layout(nodes, cx, cy, radius)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="net-title" class="network-map" {FONT}>',
        f'<title id="net-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    for e in net.work_edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1, _a1), (x2, y2, _a2) = pos[e.source], pos[e.target]
        # Bend each curve to its left: work passed both ways between two organisations draws two curves.
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        qx, qy = mx - (y2 - y1) * 0.18, my + (x2 - x1) * 0.18
        stroke = min(10.0, 1.2 + 1.6 * math.log2(1 + e.weight))
        what = _("hand-offs") if e.kind == "handoff" else _("referrals")
        label = f"{net.by_id[e.source].name} → {net.by_id[e.target].name}: {e.weight} {what}"
        out.append(
            f'<path d="M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="{EDGE_COLOURS[e.kind]}" stroke-width="{stroke:.1f}" stroke-opacity="0.55" '
            f'stroke-linecap="round"><title>{escape(label)}</title></path>'
        )
    for e in net.agreement_edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1, _a1), (x2, y2, _a2) = pos[e.source], pos[e.target]
        style = (
            'stroke="#0b6e4f" stroke-width="2.5"'
            if e.in_force
            else 'stroke="#9aa3ae" stroke-width="2" stroke-dasharray="7 5"'
        )
        state = _("in force") if e.in_force else _("ended")
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}>'
            f"<title>{escape(e.label)} ({escape(state)})</title></line>"
        )
    for node in nodes:
        x, y, angle = pos[node.id]
        r = _node_radius(node)
        colour = TYPE_COLOURS.get(node.type, "#6b7280")
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" stroke="#ffffff" stroke-width="2">'
            f"<title>{escape(node.name)} — {escape(node.type_label)}</title></circle>"
        )
        lx, ly = x + (r + 8) * math.cos(angle), y + (r + 8) * math.sin(angle)
        cos = math.cos(angle)
        anchor = "start" if cos > 0.15 else "end" if cos < -0.15 else "middle"
        if anchor == "middle":
            ly += 14 if math.sin(angle) > 0 else -6
        text = escape(node.short) + (f" · {number_format(node.received)}" if node.received else "")
        out.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" dy="0.35em" font-size="14" fill="#1c2430" text-anchor="{anchor}">{text}</text>'
        )
    y0 = 2 * radius + 120
    out.append(
        f'<line x1="20" y1="{y0 - 18:.0f}" x2="{width - 20:.0f}" y2="{y0 - 18:.0f}" stroke="#d9dee5"/>'
    )
    col = (width - 40) / 3
    for i, (_rank, type_code, type_label) in enumerate(legend_types):
        x = 30 + col * (i % 3)
        y = y0 + 26 * (i // 3)
        out.append(
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="7" fill="{TYPE_COLOURS.get(type_code, "#6b7280")}"/>'
        )
        out.append(
            f'<text x="{x + 14:.0f}" y="{y:.0f}" dy="0.35em" font-size="14" fill="#1c2430">{escape(type_label)}</text>'
        )
    y = y0 + 26 * math.ceil(len(legend_types) / 3) + 8
    edges = [
        ('stroke="#0b6e4f" stroke-width="2.5"', _("agreement in force")),
        ('stroke="#9aa3ae" stroke-width="2" stroke-dasharray="7 5"', _("agreement ended")),
        ('stroke="#1a4fa0" stroke-width="4" stroke-opacity="0.55"', _("hand-offs between organisations")),
        ('stroke="#b45309" stroke-width="4" stroke-opacity="0.55"', _("referrals")),
    ]
    col = (width - 40) / 2
    for i, (style, label) in enumerate(edges):
        x = 30 + col * (i % 2)
        y_row = y + 26 * (i // 2)
        out.append(f'<line x1="{x:.0f}" y1="{y_row:.0f}" x2="{x + 34:.0f}" y2="{y_row:.0f}" {style}/>')
        out.append(
            f'<text x="{x + 42:.0f}" y="{y_row:.0f}" dy="0.35em" font-size="14" fill="#1c2430">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _quadrant(volume: float, share: float, split: float) -> str:
    busy = volume >= split
    on_time = share >= SERVICE_LEVEL_TARGET
    return {
        (True, True): "#0b6e4f",
        (False, True): "#2f9e74",
        (True, False): "#b42318",
        (False, False): "#d97706",
    }[(busy, on_time)]


def performance_points(rows: list[AccountabilityRow]) -> list[AccountabilityRow]:
    """The organisations the map plots: those with steps come due (so a share exists), busiest first."""
    return [r for r in rows if r.due and r.within_share is not None]


def performance_svg(rows: list[AccountabilityRow], *, title: str) -> str:
    """Stakeholder performance map (seed 001: map stakeholders' performance): one numbered dot per
    organisation, steps received (log scale) across, share done within the service level up; lines at the
    median volume and at the target share split it into four quadrants."""
    points = performance_points(rows)
    if not points:
        return ""
    width, height = 960.0, 540.0
    left, right, top, bottom = 78.0, 24.0, 40.0, 70.0
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max(r.received for r in points)
    top_log = math.log10(max(most, 1) * 1.3) or 1.0

    def sx(v: float) -> float:
        return left + plot_w * (math.log10(max(v, 1)) / top_log)

    def sy(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    split = median([r.received for r in points])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="perf-title" class="performance-map" {FONT}>',
        f'<title id="perf-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<rect x="{left:.0f}" y="{top:.0f}" width="{plot_w:.0f}" height="{plot_h:.0f}" fill="#fbfcfd" stroke="#d9dee5"/>',
    ]
    for v in range(0, 101, 20):
        y = sy(v)
        out.append(
            f'<line x1="{left:.0f}" y1="{y:.1f}" x2="{left + plot_w:.0f}" y2="{y:.1f}" stroke="#eef1f4"/>'
        )
        out.append(
            f'<text x="{left - 8:.0f}" y="{y:.1f}" dy="0.35em" font-size="13" text-anchor="end" fill="#5a6575">{v}%</text>'
        )
    tick = 1
    while tick <= most * 1.3:
        x = sx(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{top + plot_h:.0f}" x2="{x:.1f}" y2="{top + plot_h + 6:.0f}" stroke="#5a6575"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 20:.0f}" font-size="13" text-anchor="middle" fill="#5a6575">{number_format(tick)}</text>'
        )
        tick *= 10
    xs, ys = sx(split), sy(SERVICE_LEVEL_TARGET)
    out.append(
        f'<line x1="{xs:.1f}" y1="{top:.0f}" x2="{xs:.1f}" y2="{top + plot_h:.0f}" stroke="#9aa3ae" stroke-dasharray="6 4"/>'
    )
    out.append(
        f'<line x1="{left:.0f}" y1="{ys:.1f}" x2="{left + plot_w:.0f}" y2="{ys:.1f}" stroke="#9aa3ae" stroke-dasharray="6 4"/>'
    )
    corners = [
        (left + plot_w - 8, top + 18, "end", _("Busy and on time: keep and grow")),
        (left + 8, top + 18, "start", _("Few steps, on time: room to grow")),
        (left + plot_w - 8, top + plot_h - 10, "end", _("Busy and late: support first")),
        (left + 8, top + plot_h - 10, "start", _("Few steps and late: review")),
    ]
    x_title, y_title = _("Steps received (log scale)"), _("Done within the service level")
    for x, y, anchor, text in corners:
        out.append(
            f'<text x="{x:.0f}" y="{y:.0f}" font-size="13" fill="#5a6575" text-anchor="{anchor}">{escape(text)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 18:.0f}" font-size="14" text-anchor="middle" fill="#1c2430">'
        f"{escape(x_title)}</text>"
    )
    out.append(
        f'<text x="18" y="{top + plot_h / 2:.0f}" font-size="14" text-anchor="middle" fill="#1c2430" '
        f'transform="rotate(-90 18 {top + plot_h / 2:.0f})">{escape(y_title)}</text>'
    )
    placed: list[tuple[float, float]] = []
    for i, r in enumerate(points, start=1):
        share = r.within_share or 0.0
        x, y = sx(r.received), sy(share)
        while any(abs(x - px) < 20 and abs(y - py) < 20 for px, py in placed):
            x += 20
        placed.append((x, y))
        label = _("%(name)s: %(received)s steps received, %(share)s%% within the service level") % {
            "name": r.name,
            "received": r.received,
            "share": number_format(share, 1),
        }
        out.append(
            f'<g><title>{escape(label)}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="11" '
            f'fill="{_quadrant(r.received, share, split)}" stroke="#ffffff" stroke-width="1.5"/>'
            f'<text x="{x:.1f}" y="{y:.1f}" dy="0.35em" font-size="11" font-weight="bold" fill="#ffffff" '
            f'text-anchor="middle">{i}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
