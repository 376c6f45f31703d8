"""What the partners demo is made of, from public facts of the provinces (../shared/data/demo-facts.json):
the supplier catalogue's entries (what the demo organisations make and offer, their recognitions and staff),
Antwerpen's agreement with VDAB (200 extra places, 108 art. 60 clients), the Westhoek regional coordination report
of 2020 with its three objectives and thirteen actions and the realisations the facts give, and the structure of
Turnhout's multi-year plan. The organisations and places are public; figures not in the facts (targets of the years
after, staff numbers) are made up, but such as a coordinator writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entry:
    """What the catalogue shows of a demo organisation (devstack/demo.py ORGANISATIONS names it)."""

    description: str
    offerings: tuple[tuple[str, str, str], ...] = ()  # (rubric, product|service, description)
    recognitions: tuple[tuple[str, str, str | None], ...] = ()  # (kind, valid_from, valid_until)
    staff: tuple[tuple[int, int, int, str], ...] = ()  # (year, target-group workers, supervising staff, FTE)
    website: str = ""


ENTRIES: dict[str, dict[str, Entry]] = {
    "oost-vlaanderen": {
        "Apart vzw": Entry(
            "Maatwerkbedrijf met groendienst, aquaponics en een atelier voor assemblage en verpakking.",
            offerings=(("groen", "service", "Aanleg en onderhoud van tuinen en openbaar groen"),
                       ("verpakking", "service", "Assemblage, verpakking en mailings"),
                       ("landbouw", "product", "Vis en aardbeien uit aquaponics")),
            recognitions=(("maatwerkbedrijf", "2019-01-01", None),),
            staff=((2019, 112, 18, "98.40"), (2020, 118, 19, "103.10"))),
        "Compaan": Entry(
            "Sociale werkplaats met cateringafdeling, restaurant en plantaardig gastronomisch aanbod.",
            offerings=(("catering", "service", "Catering voor vergaderingen en recepties, plantaardig"),
                       ("catering", "product", "Artisanale convenience-maaltijden"),
                       ("horeca", "service", "Restaurant en street-food foodtruck")),
            recognitions=(("maatwerkbedrijf", "2019-01-01", None),),
            staff=((2020, 64, 11, "58.20"),)),
        "Vzw Labeur": Entry(
            "Maatwerkbedrijf voor bouw en renovatie: daken, isolatie en schilderwerken.",
            offerings=(("bouw", "service", "Platte daken isoleren en waterdicht maken"),
                       ("bouw", "service", "Schilder- en renovatiewerken")),
            recognitions=(("maatwerkbedrijf", "2019-01-01", None),),
            staff=((2020, 47, 8, "44.00"),)),
        "Gandae vzw": Entry(
            "Maatwerkbedrijf met industriële onderaanneming en drankverwerking.",
            offerings=(("verpakking", "service", "Ontsleeven, sorteren en herverpakken van flessen"),
                       ("kringloop", "service", "Sorteren en recycleren van glas en karton")),
            recognitions=(("maatwerkbedrijf", "2019-01-01", None),),
            staff=((2020, 88, 12, "80.50"),)),
    },
    "west-vlaanderen": {
        "De Kringwinkel Westhoek": Entry(
            "Kringloopwinkels in de Westhoek: ophaling, sortering en verkoop van herbruikbare goederen.",
            offerings=(("kringloop", "service", "Gratis ophaling van herbruikbare goederen aan huis"),
                       ("kringloop", "product", "Tweedehands meubelen, kledij en huisraad"),
                       ("logistiek", "service", "Verhuis en ontruiming van woningen")),
            recognitions=(("maatwerkbedrijf", "2019-01-01", None), ("kringloopcentrum", "2015-01-01", None)),
            staff=((2019, 71, 10, "64.30"), (2020, 74, 11, "66.90"))),
        "Sint-Vincentiusvereniging Diksmuide": Entry(
            "Voedselhulp aan gezinnen in armoede: wekelijkse voedselbedeling met vers voedsel van Foodsavers.",
            offerings=(("voedselhulp", "service", "Wekelijkse voedselbedeling"),)),
        "Sociale kruidenier Veurne": Entry(
            "Sociale kruidenier: basisproducten en vers voedsel aan verlaagde prijs voor wie het moeilijk heeft.",
            offerings=(("voedselhulp", "service", "Winkel met basisproducten aan verlaagde prijs"),)),
    },
    "antwerpen": {
        "Routedokter": Entry(
            "Onderhoud van recreatieve routes binnen 72 uur door mensen uit kansengroepen, voor 24 gemeenten.",
            offerings=(("openbaar-domein", "service", "Herstel van bewegwijzering en routepaaltjes binnen 72 uur"),
                       ("groen", "service", "Maaien en snoeien langs fiets- en wandelroutes")),
            recognitions=(("lokale-diensteneconomie", "2014-01-01", "2026-12-31"),),
            staff=((2019, 15, 1, "15.30"), (2020, 17, 1, "17.30"))),
        "Digidak Schilde": Entry(
            "Gratis digitale inloop en initiaties om de digitale kloof te dichten.",
            offerings=(("administratie", "service", "Digitale initiaties en inloopmomenten"),)),
    },
    "limburg": {
        "Maatwerkbedrijf Limburg": Entry(
            "Maatwerkbedrijf voor verpakking, metaal en groen.",
            offerings=(("verpakking", "service", "Verpakking en assemblage in onderaanneming"),
                       ("metaal", "service", "Plaatbewerking en lassen"),
                       ("groen", "service", "Groenonderhoud voor bedrijven")),
            recognitions=(("maatwerkbedrijf", "2019-01-01", None),),
            staff=((2020, 210, 31, "190.00"),)),
    },
    "vlaams-brabant": {
        "Arbeidszorg Pajottenland": Entry(
            "Arbeidszorg op een zorgboerderij: tuinbouw, houtatelier en geschenkpakketten.",
            offerings=(("landbouw", "product", "Groenten en fruit van het seizoen"),
                       ("hout", "product", "Houten speelgoed en tuinmeubelen"),
                       ("geschenken", "product", "Geschenkpakketten met streekproducten")),
            recognitions=(("arbeidszorg", "2016-01-01", None),),
            staff=((2020, 26, 4, "9.50"),)),
    },
}


@dataclass(frozen=True)
class Indicator:
    action: str  # the action's code
    name: str
    unit: str
    targets: dict[int, str] = field(default_factory=dict)  # year → value
    baseline: str | None = None
    rule: str | None = None  # a counting rule (plans/rules.CountingRule) for a counted indicator
    realisation: tuple[int, str, str] | None = None  # (year, value, narrative), entered by the partner
    entered_by: str = "partner"


@dataclass(frozen=True)
class Plan:
    tenant: str
    kind: str
    title: str
    summary: str
    starts_on: str
    ends_on: str
    municipalities: tuple[str, ...]
    parties: tuple[tuple[str, str], ...]  # (name as in devstack/demo.py ORGANISATIONS or a name only, role)
    objectives: tuple[dict[str, Any], ...]
    indicators: tuple[Indicator, ...]
    status: tuple[str, ...] = ("negotiating", "signed", "active")  # the moves from draft
    report_year: int | None = None


ANTWERPEN = Plan(
    tenant="antwerpen", kind="agreement", title="Samenwerkingsovereenkomst VDAB - Provincie Antwerpen",
    summary="Samenwerking tussen VDAB, de provincie en clusters van gemeenten voor meer plaatsen in de sociale "
            "economie en begeleiding van OCMW-cliënten.",
    starts_on="2019-01-01", ends_on="2022-12-31",
    municipalities=("Geel", "Mol", "Balen", "Retie", "Schilde", "Turnhout"),
    parties=(("VDAB Antwerpen", "VDAB"), ("Provincie Antwerpen", "provincie"), ("OCMW Mol", "cluster Kempen"),
             ("Routedokter", "uitvoerder")),
    objectives=(
        {"code": "1", "title": "Intra- en interbestuurlijke efficiëntiewinsten en meer synergie tussen de "
                               "betrokken overheden",
         "actions": [("1.1", "Gezamenlijk overleg VDAB, provincie en gemeenten")]},
        {"code": "2", "title": "200 extra plaatsen in de sociale economie via samenwerkingsovereenkomsten met "
                               "clusters van gemeenten",
         "actions": [("2.1", "Samenwerkingsovereenkomsten met clusters van gemeenten")]},
        {"code": "3", "title": "Ondersteuning van de lokale besturen in hun regierol lokale diensteneconomie",
         "actions": [("3.1", "Ondersteuning van de regierol lokale diensteneconomie"),
                     ("3.2", "Projectsubsidies lokale sociale economie")]},
        {"code": "4", "title": "Begeleiding van 108 OCMW-cliënten (art. 60) met gemeenschappelijke middelen, met "
                               "aandacht voor doorstroom",
         "actions": [("4.1", "Trajectbegeleiding van art. 60-cliënten")]},
    ),
    indicators=(
        Indicator("1.1", "aantal overlegmomenten", "aantal", {2019: "4", 2020: "4", 2021: "4", 2022: "4"},
                  realisation=(2020, "5", "Vier stuurgroepen en één gezamenlijke studiedag met de gemeenten.")),
        Indicator("2.1", "extra plaatsen in de sociale economie", "plaatsen",
                  {2019: "50", 2020: "100", 2021: "150", 2022: "200"}, baseline="0",
                  realisation=(2020, "112", "Nieuwe plaatsen bij Routedokter en de buurtresto's in de Kempen.")),
        Indicator("3.1", "gemeenten ondersteund in hun regierol", "gemeenten", {2020: "6", 2021: "6"}),
        Indicator("3.2", "toegekende projectsubsidies in de gemeenten van de overeenkomst", "projecten",
                  {2020: "3", 2021: "3"}, rule="grants.projects-awarded"),
        Indicator("4.1", "begeleide OCMW-cliënten (art. 60)", "cliënten",
                  {2019: "27", 2020: "54", 2021: "81", 2022: "108"}, baseline="0",
                  realisation=(2020, "61", "61 cliënten in traject, waarvan 14 doorgestroomd naar regulier werk.")),
    ),
    report_year=2020,
)

WESTHOEK = Plan(
    tenant="west-vlaanderen", kind="agreement",
    title="Regionale samenwerkingsovereenkomst VDAB - lokale besturen Westhoek",
    summary="Regierol sociale economie in de Westhoek. Doel van de regio: een werkzaamheidsgraad van 80%.",
    starts_on="2020-01-01", ends_on="2025-12-31",
    municipalities=("Ieper", "Poperinge", "Veurne", "Diksmuide", "De Panne", "Koksijde", "Nieuwpoort"),
    parties=(("VDAB", "VDAB"), ("DVV Westhoek", "intergemeentelijk samenwerkingsverband"),
             ("Stad Diksmuide", "gemeente"), ("Sint-Vincentiusvereniging Diksmuide", "voedselhulp"),
             ("Ieper", "gemeente"), ("Poperinge", "gemeente"), ("Veurne", "gemeente")),
    objectives=(
        {"code": "1", "title": "Acties die de netwerking op het grondgebied bevorderen",
         "remarks": "Door corona vanaf maart 2020 grotendeels digitaal.",
         "actions": [("1.1", "Samenwerking en netwerking tussen sociale economie, reguliere economie en lokale "
                             "besturen"),
                     ("1.2", "Beleidssignalering"), ("1.3", "Informatie-uitwisseling en intervisie"),
                     ("1.4", "Samenwerking VDAB - lokale besturen"), ("1.5", "Wijk-werken")]},
        {"code": "2", "title": "Ontwikkeling sociale economie",
         "actions": [("2.1", "Profilering sociale economie"), ("2.2", "Nieuwe samenwerkingsvormen"),
                     ("2.3", "Proeftuinen arbeidszorg"), ("2.4", "Bruggen tussen onderwijs en sociale economie"),
                     ("2.5", "Re-integratie van doelgroepen")]},
        {"code": "3", "title": "Maatschappelijk verantwoord ondernemen",
         "actions": [("3.1", "MVO-promotie"), ("3.2", "Sociaal aankopen stimuleren"),
                     ("3.3", "Voedselherverdeling en circulaire economie")]},
    ),
    indicators=(
        Indicator("1.1", "aantal netwerkevents (min. 1 per jaar) en aantal deelnemers", "deelnemers", {2020: "20"},
                  realisation=(2020, "25", "Trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 "
                                           "deelnemers.")),
        Indicator("1.5", "aantal wijk-werkers; aantal gebruikers; gepresteerde uren", "wijk-werkers", {2020: "200"},
                  realisation=(2020, "219", "Gemiddeld 219 wijk-werkers per maand (174 uit PWA, 45 nieuwe "
                                            "instromers); gemiddeld 582 gebruikers; 50.756 uur (19.030 minder dan "
                                            "2019).")),
        Indicator("3.3", "aantal extra tewerkstellingsplaatsen voor kansengroepen; aantal distributieplatformen",
                  "VTE", {2020: "3"},
                  realisation=(2020, "3", "Foodsavers Westhoek operationeel sinds 15/06/2020 met 3 VTE "
                                          "leerwerknemers.")),
        Indicator("3.3", "ton voedsel geleverd aan voedselhulporganisaties", "ton", {2020: "5", 2021: "12"},
                  rule="food.tonnes-delivered"),
        Indicator("3.3", "aantal beleverde voedselhulporganisaties", "organisaties", {2020: "6", 2021: "8"},
                  rule="food.organisations-served"),
    ),
    report_year=2020,
)

TURNHOUT = Plan(
    tenant="antwerpen", kind="multi-year-plan", title="Meerjarenplan Turnhout 2020-2025: sociale economie",
    summary="De doelstellingen van het meerjarenplan van Turnhout die de sociale economie raken.",
    starts_on="2020-01-01", ends_on="2025-12-31", municipalities=("Turnhout",),
    parties=(("Stad Turnhout", "gemeente"),),
    objectives=(
        {"code": "SD1", "level": "strategic", "title": "Turnhout is een stad waar iedereen kan werken",
         "children": [
             {"code": "OD1.1", "title": "Meer mensen uit kansengroepen aan het werk via de sociale economie",
              "actions": [("1.1.1", "Regierol lokale sociale economie opnemen"),
                          ("1.1.2", "Sociaal aankopen in de eigen aankoopdienst")]},
             {"code": "OD1.2", "title": "Doorstroom naar de reguliere arbeidsmarkt versterken",
              "actions": [("1.2.1", "Trajecten art. 60 met doorstroombegeleiding")]},
         ]},
        {"code": "SD2", "level": "strategic", "title": "Turnhout bestrijdt armoede samen met haar partners",
         "children": [
             {"code": "OD2.1", "title": "Voedselverlies tegengaan en voedselhulp versterken",
              "actions": [("2.1.1", "Samenwerking met een voedselplatform"),
                          ("2.1.2", "Ondersteuning van de sociale kruidenier")]},
         ]},
    ),
    indicators=(
        Indicator("1.1.1", "tewerkstellingsplaatsen in de lokale diensteneconomie", "plaatsen",
                  {2021: "20", 2022: "25"}),
        Indicator("1.2.1", "art. 60-trajecten met doorstroom", "trajecten", {2021: "12", 2022: "15"}),
    ),
    status=("negotiating", "signed", "active"),
)

PLANS: tuple[Plan, ...] = (ANTWERPEN, WESTHOEK, TURNHOUT)
