"""The tonnage per week stacked by category as an SVG bar chart, drawn on the server: it shows without
JavaScript, prints, and names itself to screen readers (role="img" with a title and a description that says the
numbers; the page puts the same numbers in a table). Also a horizontal bar chart for totals per party. Pure:
figures in, markup out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from services.foodsavers.registry.categories import LABELS, Category
from shared.i18n import _
from shared.portal import formats

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 14, 70
COLOURS: dict[str, str] = {
    Category.FRESH_PRODUCE: "#4c9a2a", Category.BREAD: "#d9a441", Category.DAIRY: "#8fb8de",
    Category.MEAT_FISH: "#b5443b", Category.FROZEN: "#3b6fb5", Category.PREPARED_MEALS: "#9b59b6",
    Category.DRY: "#a0855b", Category.NON_FOOD: "#888888",
}


STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_top(highest: Decimal) -> Decimal:
    """The axis's top: 1, 2, 2.5, 5 or 10 times the power of ten of `highest`, the first at or above it."""
    if highest <= 0:
        return Decimal(1)
    power = Decimal(10) ** highest.adjusted()
    return next(power * step for step in STEPS if highest <= power * step)


def kg(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.1"))


def describe_weeks(weeks: Sequence[Mapping[str, Any]]) -> str:
    if not weeks:
        return _("Geen leveringen in deze periode.")
    parts = [f"{w['label']}: {formats.decimal(kg(sum(w.get('categories', {}).values())))} kg" for w in weeks]
    return _("Geleverde kilogram per week, gestapeld per categorie. %(weeks)s.") % {"weeks": "; ".join(parts)}


def frame(element_id: str, title: str, description: str) -> list[str]:
    """The opening of an accessible chart: its size, role, title and description (ids unique on the page)."""
    ids = (f"{element_id}-titel", f"{element_id}-beschrijving")
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
            f'style="max-width: {WIDTH}px; height: auto" role="img" aria-labelledby="{" ".join(ids)}" '
            f'id="{element_id}"><title id="{ids[0]}">{escape(title)}</title>'
            f'<desc id="{ids[1]}">{escape(description)}</desc>',
            '<g font-family="sans-serif" font-size="10" fill="#222">']


def weeks_svg(weeks: Sequence[Mapping[str, Any]], element_id: str = "grafiek-weken") -> Markup:
    """Kilograms delivered per week (rescue rounds), one bar per week stacked by category, with a legend."""
    totals = [sum(w.get("categories", {}).values()) for w in weeks]
    top = nice_top(kg(max(totals, default=0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(weeks), 1)
    bar = max(min(slot * 0.75, 28.0), 1.0)

    def y(value: Decimal) -> float:
        return TOP + plot_h - float(value / top) * plot_h

    out = frame(element_id, _("Geleverd per week en categorie (kg)"), describe_weeks(weeks))
    out += [f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 5}" y="{y(t) + 3:.1f}" text-anchor="end">{formats.decimal(t)} kg</text>'
            for t in (Decimal(0), top / 2, top)]
    label_every = max(1, round(len(weeks) / 13))
    for index, week in enumerate(weeks):
        x = LEFT + slot * index + (slot - bar) / 2
        base = Decimal(0)
        for category in Category:
            grams = int(week.get("categories", {}).get(str(category), 0))
            if grams <= 0:
                continue
            low, high = y(base), y(base + kg(grams))
            base += kg(grams)
            out.append(f'<rect class="chart__bar" data-category="{category}" x="{x:.1f}" y="{high:.1f}" '
                       f'width="{bar:.1f}" height="{max(low - high, 0):.1f}" fill="{COLOURS[category]}">'
                       f'<title>{escape(str(week["label"]))}, {escape(_(LABELS[category]))}: '
                       f'{formats.kilograms(grams)}</title></rect>')
        if index % label_every == 0:
            monday = str(week["key"])
            out.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 12}" text-anchor="middle">'
                       f'{monday[8:10]}/{monday[5:7]}</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#555"/>')
    legend_y = HEIGHT - 30
    for position, category in enumerate(Category):
        lx = LEFT + (position % 4) * 165
        ly = legend_y + (position // 4) * 14
        out.append(f'<rect x="{lx}" y="{ly - 8}" width="9" height="9" fill="{COLOURS[category]}"/>'
                   f'<text x="{lx + 13}" y="{ly}">{escape(_(LABELS[category]))}</text>')
    out.append("</g></svg>")
    return Markup("".join(out))
