"""An indicator's yearly target against its realisation as a bar chart in SVG, drawn on the server: it shows
without JavaScript, prints, and names itself to screen readers (role="img" with a title and a description that
says the numbers; the page puts the same numbers in a table beside it). Pure: text in, markup out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from markupsafe import Markup

from services.partners.reports.builder import IndicatorLine, Point
from shared.i18n import _
from shared.portal import formats

WIDTH, HEIGHT = 420, 210
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 46
TARGET_FILL, VALUE_FILL, AXIS = "#c9d6e8", "#1f4e79", "#555555"


def nice_top(highest: Decimal) -> Decimal:
    """The axis's top: the smallest of 1, 2, 2.5 or 5 times a power of ten at or above `highest`."""
    if highest <= 0:
        return Decimal(1)
    power = Decimal(10) ** (highest.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if highest <= power * step:
            return power * step
    return power * 10


def describe(line: IndicatorLine) -> str:
    """What the chart shows, in words: each year's target and realisation."""
    parts = []
    for point in line.history:
        target = (_("geen doel") if point.target is None
                  else _("doel %(value)s") % {"value": formats.decimal(point.target)})
        value = (_("geen realisatie") if point.value is None
                 else _("realisatie %(value)s") % {"value": formats.decimal(point.value)})
        parts.append(f"{point.year}: {target}, {value}")
    unit = f" ({line.unit})" if line.unit else ""
    return _("Doel en realisatie per jaar%(unit)s.") % {"unit": unit} + " " + "; ".join(parts) + "."


def svg(line: IndicatorLine, element_id: str) -> Markup:
    """The chart of one indicator; `element_id` makes the ids of its title and description unique on the page."""
    points: Sequence[Point] = line.history
    highest = max([p.target or Decimal(0) for p in points] + [p.value or Decimal(0) for p in points] + [Decimal(0)])
    top = nice_top(highest)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar = min(slot * 0.34, 36.0)

    def y(value: Decimal) -> float:
        return TOP + plot_h - float(value / top) * plot_h

    title, desc = f"{element_id}-titel", f"{element_id}-beschrijving"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="100%" style="max-width: {WIDTH}px; height: auto" role="img" '
           f'aria-labelledby="{title} {desc}" id="{element_id}">',
           f'<title id="{title}">{escape(line.name)}</title>',
           f'<desc id="{desc}">{escape(describe(line))}</desc>',
           '<g font-family="sans-serif" font-size="11" fill="#222">']
    for tick in (Decimal(0), top / 2, top):
        at = y(tick)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">{formats.decimal(tick)}</text>')
    for index, point in enumerate(points):
        middle = LEFT + slot * index + slot / 2
        for offset, value, fill, role, name in ((-bar, point.target, TARGET_FILL, "target", _("doel")),
                                                (0.0, point.value, VALUE_FILL, "value", _("realisatie"))):
            if value is None:
                continue
            top_y = y(value)
            out.append(f'<rect class="chart__{role}" x="{middle + offset:.1f}" '
                       f'y="{top_y:.1f}" width="{bar:.1f}" height="{TOP + plot_h - top_y:.1f}" fill="{fill}">'
                       f'<title>{point.year}, {escape(name)}: {formats.decimal(value)}</title></rect>')
        out.append(f'<text x="{middle:.1f}" y="{TOP + plot_h + 15}" text-anchor="middle">{point.year}</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{AXIS}"/>')
    legend_y = HEIGHT - 10
    out.append(f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{TARGET_FILL}"/>'
               f'<text x="{LEFT + 14}" y="{legend_y}">{escape(_("doel"))}</text>'
               f'<rect x="{LEFT + 60}" y="{legend_y - 9}" width="10" height="10" fill="{VALUE_FILL}"/>'
               f'<text x="{LEFT + 74}" y="{legend_y}">{escape(_("realisatie"))}</text>')
    out.append("</g></svg>")
    return Markup("".join(out))
