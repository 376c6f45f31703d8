"""What the foodsavers demo seeds for west-vlaanderen: Foodsavers Westhoek's first half year (15 June – 31 December
2020) as ../shared/data/demo-facts.json ("foodsavers") tells it: three Colruyt branches give quality surplus, six
food-aid organisations in five municipalities of the Westhoek receive it the same day, three trainee drivers
drive a refrigerated van every workday, and from October the van also carries EU food aid (FEAD) from Voedselbank
West-Vlaanderen in Kuurne to the local governments of those five municipalities.

The organisations, places and the chain are public; street addresses, phone numbers, FAVV numbers, windows and
the split of the 1,300 people over the six organisations are illustrative (made up, plausible)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

TENANT = "west-vlaanderen"
PERIOD = (date(2020, 6, 15), date(2020, 12, 31))
FEAD_FROM = date(2020, 10, 1)
HOLIDAYS: dict[date, str] = {
    date(2020, 7, 21): "Nationale feestdag",
    date(2020, 11, 11): "Wapenstilstand",
    date(2020, 12, 25): "Kerstmis",
}
"""Workdays in the period the van does not drive (public holidays on a weekday): their rounds are cancelled."""

REPORT_TITLE = "Foodsavers Westhoek 2020 (15/06 – 31/12)"

RESCUED_GRAMS = 5_700_000
"""5.7 tonnes of rescued food delivered (the region's figure)."""
MIX: dict[str, int] = {
    "fresh-produce": 52, "bread": 15, "dairy": 10, "prepared-meals": 8, "meat-fish": 5, "dry": 10,
}
"""The rescued food per category, in percent: 52% fresh vegetables and fruit (the region's figure), the rest the
supermarkets' usual surplus (the split the impact capability's value factors were set against: ≈ €8.77 per kg)."""
PEOPLE = 1300


def windows(start: str, until: str, days: tuple[int, ...] = (1, 2, 3, 4, 5)) -> list[dict[str, object]]:
    return [{"weekday": d, "from": start, "until": until} for d in days]


@dataclass(frozen=True)
class Place:
    name: str
    kind: str
    municipality: str
    street: str
    postcode: str
    extra: dict[str, object] = field(default_factory=dict)


DONORS: tuple[Place, ...] = (
    Place("Colruyt Hooglede", "supermarket", "Hooglede", "Stadenstraat 60", "8830", {
        "chain": "Colruyt", "opening_hours": "ma-za 8u30-20u, vr tot 21u", "pickup_windows": windows("08:15", "09:00"),
        "contact_name": "Filiaalverantwoordelijke", "contact_phone": "051 70 00 10",
        "instructions": "Laadkade achteraan rechts. Aanbellen aan de leveranciersdeur; de kratten staan in de "
                        "koelcel naast de retourhoek. Lege kratten terugzetten.",
        "favv_number": "20600101"}),
    Place("Colruyt Kortemark", "supermarket", "Kortemark", "Torhoutstraat 72", "8610", {
        "chain": "Colruyt", "opening_hours": "ma-za 8u30-20u", "pickup_windows": windows("08:45", "09:30"),
        "contact_name": "Filiaalverantwoordelijke", "contact_phone": "051 57 00 20",
        "instructions": "Parkeren op de personeelsparking. Melden aan de kassa; een medewerker brengt de kar met "
                        "het overschot naar de zijdeur.",
        "favv_number": "20600102"}),
    Place("Colruyt Diksmuide", "supermarket", "Diksmuide", "Kaaskerkestraat 30", "8600", {
        "chain": "Colruyt", "opening_hours": "ma-za 8u30-20u", "pickup_windows": windows("09:15", "10:00"),
        "contact_name": "Filiaalverantwoordelijke", "contact_phone": "051 50 00 30",
        "instructions": "Laadkade links van de ingang, niet voor 9u15 (leveringen). Temperatuur van de "
                        "koelproducten meten vóór het inladen.",
        "favv_number": "20600103"}),
)
FOOD_BANK = Place("Voedselbank West-Vlaanderen", "food-bank", "Kuurne", "Brugsesteenweg 289", "8520", {
    "opening_hours": "ma-vr 8u-16u", "pickup_windows": windows("08:00", "12:00", (4,)),
    "contact_name": "Magazijnverantwoordelijke", "contact_phone": "056 00 00 40",
    "instructions": "FEAD-goederen staan klaar op paletten met de naam van het lokaal bestuur. De "
                    "overdrachtsdocumenten meenemen en bij elke levering laten tekenen.",
    "favv_number": "20600104"})

RECIPIENTS: tuple[Place, ...] = (
    Place("Sint-Vincentiusvereniging De Panne", "sint-vincentius", "De Panne", "Kerkstraat 12", "8660", {
        "households": 70, "people_served": 160, "cold_storage_litres": 400, "freezer_litres": 150,
        "favv_number": "20610001", "delivery_windows": windows("10:30", "12:00", (1, 3, 5)),
        "instructions": "Bedeling in het parochiezaaltje; achteraan binnen via de poort."}),
    Place("Sint-Vincentiusvereniging Koksijde", "sint-vincentius", "Koksijde", "Zeelaan 101", "8670", {
        "households": 80, "people_served": 180, "cold_storage_litres": 500, "freezer_litres": 200,
        "favv_number": "20610002", "delivery_windows": windows("11:00", "12:30", (1, 3, 5)),
        "instructions": "Bellen bij de vrijwilliger van dienst (nummer op de deur)."}),
    Place("Sint-Vincentiusvereniging Nieuwpoort", "sint-vincentius", "Nieuwpoort", "Marktstraat 8", "8620", {
        "households": 90, "people_served": 200, "cold_storage_litres": 600, "freezer_litres": 200,
        "favv_number": "20610003", "delivery_windows": windows("11:30", "13:00", (1, 3, 5)),
        "instructions": "Koelproducten meteen in de koelkast in de berging zetten."}),
    Place("Sint-Vincentiusvereniging Diksmuide", "sint-vincentius", "Diksmuide", "Grote Markt 20", "8600", {
        "households": 105, "people_served": 240, "cold_storage_litres": 700, "freezer_litres": 300,
        "favv_number": "20610004", "delivery_windows": windows("10:00", "11:30", (2, 4)),
        "instructions": "Via de zij-ingang in de Sint-Janstraat; kratten in de koelcel."}),
    Place("Sociale kruidenier Veurne", "social-grocery", "Veurne", "Ooststraat 45", "8630", {
        "households": 130, "people_served": 300, "cold_storage_litres": 900, "freezer_litres": 400,
        "favv_number": "20610005", "delivery_windows": windows("10:30", "12:00", (2, 4)),
        "instructions": "Leveren vóór de winkel opengaat; de verantwoordelijke tekent op de gsm."}),
    Place("Sint-Vincentiusvereniging Veurne", "sint-vincentius", "Veurne", "Noordstraat 3", "8630", {
        "households": 95, "people_served": 220, "cold_storage_litres": 500, "freezer_litres": 200,
        "favv_number": "20610006", "delivery_windows": windows("11:00", "12:30", (2, 4)),
        "instructions": "Sleutel bij de buren (nr. 5) als er niemand is; nooit koelwaren buiten laten staan."}),
)

LOCAL_GOVERNMENTS: tuple[Place, ...] = tuple(
    Place(f"{title} {town} – sociale dienst (FEAD)", "local-government", town, street, postcode, {
        "people_served": 0, "households": 0, "delivery_windows": windows("13:00", "17:00", (4,)),
        "instructions": "FEAD-goederen afgeven in het magazijn van de sociale dienst; het overdrachtsdocument laten "
                        "tekenen."})
    for title, town, street, postcode in (
        ("Gemeente", "De Panne", "Zeelaan 21", "8660"),
        ("Stad", "Diksmuide", "Grote Markt 6", "8600"),
        ("Gemeente", "Koksijde", "Zeelaan 303", "8670"),
        ("Stad", "Nieuwpoort", "Marktplein 7", "8620"),
        ("Stad", "Veurne", "Grote Markt 29", "8630"),
    ))
"""The FEAD receivers. people_served 0: the people they reach with FEAD aid are the food-aid organisations'
clients (already counted there), so they add none to the 1,300."""

VEHICLE: dict[str, object] = {
    "name": "Koelbestelwagen Foodsavers Westhoek", "plate": "1-FSW-020", "refrigerated": True,
    "capacity_grams": 1_000_000, "emission_grams_per_km": 250,
}

DRIVERS: dict[str, str] = {"driver": "Tom Claes", "driver2": "Yasmine El Amrani", "driver3": "Jonas Vandamme"}
"""The three trainee drivers: the demo logins (devstack/realms.py) and their names."""

COAST = ("Sint-Vincentiusvereniging De Panne", "Sint-Vincentiusvereniging Koksijde",
         "Sint-Vincentiusvereniging Nieuwpoort")
INLAND = ("Sint-Vincentiusvereniging Diksmuide", "Sociale kruidenier Veurne", "Sint-Vincentiusvereniging Veurne")


@dataclass(frozen=True)
class Series:
    name: str
    kind: str
    weekday: int
    driver: str
    start_time: str
    donors: tuple[str, ...]
    recipients: tuple[str, ...]
    km: int
    starts_on: date = PERIOD[0]


RESCUE_DONORS = tuple(d.name for d in DONORS)
SERIES: tuple[Series, ...] = (
    Series("Redding maandag – kustroute", "rescue", 1, "driver", "08:00", RESCUE_DONORS, COAST, 96),
    Series("Redding dinsdag – binnenland", "rescue", 2, "driver2", "08:00", RESCUE_DONORS, INLAND, 78),
    Series("Redding woensdag – kustroute", "rescue", 3, "driver3", "08:00", RESCUE_DONORS, COAST, 96),
    Series("Redding donderdag – binnenland", "rescue", 4, "driver", "08:00", RESCUE_DONORS, INLAND, 78),
    Series("Redding vrijdag – kustroute", "rescue", 5, "driver2", "08:00", RESCUE_DONORS, COAST, 96),
    Series("FEAD donderdag – Voedselbank naar de lokale besturen", "fead", 4, "driver3", "13:00",
           (FOOD_BANK.name,), tuple(g.name for g in LOCAL_GOVERNMENTS), 162, FEAD_FROM),
)
"""One series per weekday, so that the three drivers rotate by day and the two recipient routes alternate
(coast on Monday, Wednesday and Friday; inland on Tuesday and Thursday); the FEAD transport weekly on Thursday
afternoon from October."""

VAN_FULL: dict[date, tuple[str, int]] = {
    date(2020, 9, 8): ("Colruyt Diksmuide", 45_000),
    date(2020, 12, 22): ("Colruyt Diksmuide", 60_000),
}
"""Days the van was full at a donor: what was left behind (kerstperiode, back-to-school surplus)."""
MASS_BALANCE_DAY = date(2020, 11, 17)
"""The round whose pickups and deliveries do not add up (a crate of vegetables not entered at delivery)."""
REFUSED_REASONS = ("verpakking beschadigd", "schimmel op een deel van de partij", "koudeketen onderbroken")


CURRENT_SERIES = "Redding kustroute – elke dag vanaf vandaag (demo)"
"""A series from the day the demo is loaded on, for `driver`: the driver's app has a round today."""

EXPIRED_LINE = (date(2020, 10, 6), 1)
"""(day, pickup number) of the one line whose use-by date had passed: the food-safety register's demo entry."""
