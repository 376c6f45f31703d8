"""The six-monthly impact report as a PDF (reportlab) and a spreadsheet (openpyxl), in the terms the region
reports: tonnes, fresh share, people reached, value, CO2-eq avoided (and meals, and FEAD food carried apart),
with tables per donor, recipient, municipality, category and week, a week chart, and the method with its
version and source. Laid out from the figures dict alone (service.figures, or a published report's frozen
copy), so a published report's files never change (the layout: report_layout.py). CPU-bound: callers run it in
a thread."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared.downloads import FileFormat
from shared.portal import formats

SECTIONS = (("donor", "Per schenker (opgehaald en aanvaard)"), ("recipient", "Per ontvanger"),
            ("municipality", "Per gemeente (van de ontvanger)"), ("category", "Per categorie"),
            ("week", "Per week"))


# --- the words, shared by both files ------------------------------------------------------------------------

def co2_tonnes(grams: int | None) -> str:
    return "—" if grams is None else f"{formats.tonnes(grams)} CO2-eq"


def share(bp: int | None) -> str:
    return formats.percentage(bp)


def period_text(figures: Mapping[str, Any]) -> str:
    return f"{formats.day(figures['period_from'])} - {formats.day(figures['period_until'])}"


def method_text(figures: Mapping[str, Any]) -> str:
    m = figures["method"]
    basis = (f"vlakke factor {formats.decimal(Decimal(m['flat_co2_grams_per_kg']) / 1000)} kg CO2-eq per kg"
             if m["co2_basis"] == "flat" else "factoren per categorie")
    net = ", min de uitstoot van de bestelwagens" if m["net_of_van"] else ""
    return f"Methode '{m['name']}' versie {m['version']}: {m['title']} ({basis}{net})."


def summary(figures: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The region's terms, in the order its report gives them."""
    t = figures["totals"]
    lines = [("Gered voedsel geleverd", formats.tonnes(t["grams"])),
             ("Aandeel verse groenten en fruit", share(t["fresh_share_bp"])),
             ("Mensen bereikt", formats.decimal(t["people"] or 0)),
             ("Waarde", formats.euros(t["value_cents"])),
             ("CO2-eq vermeden", co2_tonnes(t["co2_eq_grams"]))]
    if t.get("net_co2_eq_grams") is not None:
        lines += [("Uitstoot bestelwagens", co2_tonnes(t["van_co2_eq_grams"])),
                  ("CO2-eq vermeden, netto", co2_tonnes(t["net_co2_eq_grams"]))]
    lines += [("Maaltijden", formats.decimal(t["meals"])),
              ("Opgehaald en aanvaard", formats.tonnes(t["picked_up_grams"])),
              ("Geweigerd bij ophaling", formats.kilograms(t["refused_grams"])),
              ("Non-food geleverd", formats.kilograms(t["non_food_grams"])),
              ("FEAD-voeding vervoerd (niet meegeteld)", formats.tonnes(t["fead_grams"]))]
    return lines


COLUMNS = ("", "Geleverd (kg)", "Vers (kg)", "Aandeel vers", "Mensen", "Waarde (EUR)", "Maaltijden",
           "CO2-eq (kg)", "Opgehaald (kg)", "Geweigerd (kg)", "FEAD (kg)")


def kg(grams: int | None) -> Decimal:
    return Decimal(int(grams or 0)) / 1000


def render(title: str, status: str, figures: Mapping[str, Any], file_format: FileFormat) -> bytes:
    """The report as a file. reportlab and openpyxl are imported with the first report, in the thread that lays it
    out, not at every start of the service."""
    from services.foodsavers.impact import report_layout

    if file_format == FileFormat.PDF:
        return report_layout.render_pdf(title, status, figures)
    return report_layout.render_xlsx(title, status, figures)


def file_stem(title: str, period_from: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"impactrapport-{period_from}-{safe[:60]}"
