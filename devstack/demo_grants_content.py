"""What the grants demo is made of: two calls and their applications, built from public facts of the provinces
(../shared/data/demo-facts.json). Organisations and places are public; the people are the demo users; amounts,
scores and the jury's words are made up, but such as a provincial jury writes them.

Oost-Vlaanderen's call for projects of a regular and a social-economy enterprise is decided with its whole
history (devstack/demo_grants.py makes it through the API); Antwerpen's call for local social economy is open,
with a draft of the demo applicant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EURO = 100  # cents


@dataclass(frozen=True)
class CoApplicant:
    organisation: str
    role: str  # services/grants/applications/rules.CO_APPLICANT_ROLES
    confirmed_by: str | None  # the demo user of that organisation who confirms (None: not yet)


@dataclass(frozen=True)
class Project:
    title: str
    summary: str
    lead: str  # the lead organisation (devstack/demo.py ORGANISATIONS)
    drafted_by: str  # the demo user of the lead organisation
    co_applicants: tuple[CoApplicant, ...]
    requested_euro: int
    budget: tuple[tuple[str, int], ...]  # (line, euro); the total cost is their sum
    duration_months: int = 24
    attachments: tuple[str, ...] = ("begroting", "samenwerkingsovereenkomst")
    scores: tuple[int, ...] = ()  # per criterion, before each juror's own leaning
    dissent: tuple[int, ...] | None = None  # the last assigned juror sees it very differently
    consensus: tuple[int, ...] | None = None  # what the jury agrees after discussing a disagreement
    remarks: tuple[tuple[str, str], ...] = ()  # per criterion: (a strength, a reservation), in Dutch
    ineligible: str | None = None  # the call manager's reasons at screening

    @property
    def total_cost_cents(self) -> int:
        return sum(euro for _, euro in self.budget) * EURO


@dataclass(frozen=True)
class DemoCall:
    tenant: str
    terms: dict[str, Any]  # services/grants/calls/schemas.DraftCall, without the dates
    projects: tuple[Project, ...] = ()
    open_for_days: int = 0  # an open call closes this many days from now; 0: the decided call's few seconds

    @property
    def title(self) -> str:
        return self.terms["title"]


# --- Oost-Vlaanderen: decided -------------------------------------------------------------------------------

CRITERIA_OOST_VLAANDEREN = [
    {"name": "Innovatie", "weight": "35", "max_score": 10, "min_threshold": "5",
     "description": "Het creatieve en vernieuwende karakter van het product of de dienst."},
    {"name": "Samenwerking", "weight": "25", "max_score": 10, "min_threshold": "5",
     "description": "Kwaliteit en evenwicht van de samenwerking tussen de reguliere en de "
                    "sociale-economieonderneming: wie brengt wat in, wie beslist wat."},
    {"name": "Professionalisering", "weight": "25", "max_score": 10,
     "description": "Wat beide ondernemingen en de doelgroepwerknemers aan kennis en vaardigheden winnen."},
    {"name": "Haalbaarheid", "weight": "15", "max_score": 10, "min_threshold": "4",
     "description": "Realistische planning en begroting; wat er na de projectperiode van overblijft."},
]

AGRADO, APART, COMPAAN, BIOFRESH = "Agrado VOF", "Apart vzw", "Compaan", "Biofresh"
LABEUR, RUBBERROOF, GANDAE = "Vzw Labeur", "Rubberroof", "Gandae vzw"
VAN_STEENBERGE, STARTERSLABO = "Brouwerij Van Steenberge", "Starterslabo Oost-Vlaanderen"

DECIDED_CALL = DemoCall(
    tenant="oost-vlaanderen",
    terms={
        "title": "Projectsubsidies sociale economie: innovatie en professionalisering via samenwerking tussen "
                 "een reguliere en een sociale-economieonderneming",
        "legal_basis": "Provincieraadsbesluiten van 25 mei 2016 en 2 maart 2017",
        "aim": "Een hefboom in ondernemerschap: het resultaat is een product of dienst met een creatief en "
               "vernieuwend karakter, dat de kennis en vaardigheden van zowel de reguliere als de "
               "sociale-economieonderneming professionaliseert.",
        "rules_text": (
            "Artikel 1. De provincie Oost-Vlaanderen kent binnen de beschikbare kredieten projectsubsidies toe "
            "aan samenwerkingsprojecten tussen een reguliere onderneming en een sociale-economieonderneming.\n"
            "Artikel 2. Het project levert een nieuw product of een nieuwe dienst op en professionaliseert "
            "beide partners. Het wordt uitgevoerd in Oost-Vlaanderen.\n"
            "Artikel 3. De subsidie bedraagt ten hoogste 30.000 euro per project en ten hoogste 80 % van de "
            "aanvaarde projectkosten. Elke partner bevestigt zijn deelname in het digitale loket.\n"
            "Artikel 4. Een jury van deskundigen beoordeelt de ontvankelijke aanvragen op de gepubliceerde "
            "criteria. De deputatie beslist op voorstel van de jury, binnen het budget van de oproep.\n"
            "Artikel 5. Een voorschot van 60 % wordt uitbetaald na de toekenning, het saldo na goedkeuring "
            "van het eindverslag."),
        "total_budget_cents": 100_000 * EURO, "max_per_project_cents": 30_000 * EURO,
        "cofinancing_rate_bp": 8000, "appeal_days": 30, "jurors_per_application": 3, "spread_limit": "15",
        "tie_break": ["criterion:1", "requested_amount:asc"],
        "eligibility": {"social_economy_coapplicant": True, "min_coapplicants": 1, "rules": [
            "Minstens één reguliere onderneming en één sociale-economieonderneming voeren het project samen uit.",
            "Het project wordt uitgevoerd in de provincie Oost-Vlaanderen."]},
        "required_attachments": [
            {"code": "begroting", "label": "Gedetailleerde begroting van het project", "types": ["application/pdf"]},
            {"code": "samenwerkingsovereenkomst", "label": "Samenwerkingsovereenkomst, ondertekend door alle "
             "partners", "types": ["application/pdf"]}],
        "criteria": CRITERIA_OOST_VLAANDEREN,
    },
    projects=(
        Project(
            "Schoolvis",
            "Aquaponics-installatie naast de traditionele boerderijactiviteiten: verticale teelt van aardbeien "
            "gecombineerd met viskweek. De doelgroepwerknemers van Apart vzw bouwen en onderhouden de "
            "installatie en leren er een nieuw vak.",
            AGRADO, "applicant", (CoApplicant(APART, "social-economy-enterprise", "partner"),),
            30_000, (("Aquaponics-installatie en serre-aanpassing", 24_500), ("Opleiding en begeleiding "
                     "doelgroepwerknemers", 9_500), ("Afzet en schoolbezoeken", 6_000)),
            scores=(9, 8, 8, 8),
            remarks=(
                ("Verticale aardbeienteelt op viswater is in de regio nieuw en goed gedocumenteerd.",
                 "Het concept bestaat elders; de vernieuwing zit vooral in de combinatie met de boerderij."),
                ("Apart vzw neemt de bouw en het dagelijkse onderhoud op; de taakverdeling is helder.",
                 "Wie de installatie na het project bezit, staat niet in de overeenkomst."),
                ("De doelgroepwerknemers leren een nieuw teeltsysteem, met een erkend opleidingstraject.",
                 "Het opleidingsplan voor de begeleiders is nog summier."),
                ("De begroting is realistisch en de afzet via schoolbezoeken is al verkend.",
                 "De energiekost van de installatie is laag ingeschat."))),
        Project(
            "Le Petit Botanique on tour",
            "Plantaardig gastronomisch aanbod, opleiding van doelgroepmedewerkers, een street-food foodtruck en "
            "trajectbegeleiding voor starters in de horeca.",
            BIOFRESH, "applicant3", (CoApplicant(COMPAAN, "social-economy-enterprise", "applicant2"),
                                     CoApplicant(STARTERSLABO, "knowledge-partner", "applicant7")),
            30_000, (("Foodtruck en keukenuitrusting", 21_000), ("Opleiding doelgroepmedewerkers", 14_000),
                     ("Trajectbegeleiding starters", 10_000)),
            scores=(8, 8, 8, 7), dissent=(4, 4, 5, 3), consensus=(8, 7, 8, 6),
            remarks=(
                ("Een plantaardig gastronomisch aanbod op een foodtruck is vernieuwend voor de sector.",
                 "Foodtrucks zijn er veel; het onderscheid zit in het menu, niet in het model."),
                ("Compaan, Biofresh en het Starterslabo vullen elkaar goed aan.",
                 "Met drie partners is niet duidelijk wie de foodtruck uitbaat."),
                ("Doelgroepmedewerkers krijgen een volwaardige horecaopleiding.",
                 "Het aantal opgeleide medewerkers is niet gekwantificeerd."),
                ("De begroting is sluitend voor de eerste twee jaar.",
                 "De exploitatie na het project hangt af van evenementen die nog niet vastliggen."))),
        Project(
            "Schilder je dak waterdicht",
            "Platte daken isoleren op een innovatieve en ecologische manier, met jobs in de sociale economie.",
            RUBBERROOF, "applicant5", (CoApplicant(LABEUR, "social-economy-enterprise", "applicant4"),),
            27_500, (("Materiaal en gereedschap", 12_000), ("Opleiding dakwerkers (doelgroep)", 16_000),
                     ("Proefwerven", 8_000)),
            scores=(7, 8, 7, 8),
            remarks=(
                ("Vloeibare rubberen dakbedekking is voor sociale-economiewerven een nieuwe techniek.",
                 "De techniek zelf is op de markt; nieuw is vooral de toepassing door doelgroepwerknemers."),
                ("Rubberroof levert materiaal en technische kennis, Labeur de ploegen: een evenwichtig geheel.",
                 "De werfverantwoordelijkheid bij schade is nog niet geregeld."),
                ("Doelgroepwerknemers halen een attest voor een gevraagd vak.",
                 "De doorstroom naar reguliere dakwerkbedrijven is weinig uitgewerkt."),
                ("Proefwerven zijn al vastgelegd bij twee woonmaatschappijen.",
                 "De planning van de proefwerven is krap in de wintermaanden."))),
        Project(
            "Machine voor het ontsleeven van flessen",
            "Een machine, samen met een ontwerpbureau ontworpen, om bierflessen veilig te ontsleeven, afgestemd "
            "op doelgroepwerknemers.",
            VAN_STEENBERGE, "applicant8", (CoApplicant(GANDAE, "social-economy-enterprise", "applicant6"),),
            25_000, (("Ontwerp en prototype (ontwerpbureau)", 21_000), ("Aanpassing werkposten", 7_000),
                     ("Opleiding", 5_000)),
            scores=(8, 6, 7, 6),
            remarks=(
                ("Een veilige machine op maat van doelgroepwerknemers bestaat nog niet.",
                 "Het prototype is nog niet getest; de technische risico's zijn reëel."),
                ("De brouwerij levert de flessen, Gandae het werk: een duidelijke wederzijdse afhankelijkheid.",
                 "De sociale-economiepartner heeft weinig inbreng in het ontwerp."),
                ("Werkposten worden ergonomisch aangepast en het personeel wordt opgeleid.",
                 "Wat de brouwerij zelf leert, blijft vaag."),
                ("Het ontwerpbureau heeft ervaring met gelijkaardige machines.",
                 "Het ontwerp neemt bijna twee derde van de begroting in."))),
        Project(
            "Circulaire babypullen",
            "Prototypes van babyartikelen uit afvalstromen of overschotten van textiel en hout, door vier "
            "reguliere en sociale-economiepartners.",
            STARTERSLABO, "applicant7", (CoApplicant(APART, "social-economy-enterprise", "partner"),
                                         CoApplicant(GANDAE, "social-economy-enterprise", "applicant6"),
                                         CoApplicant(RUBBERROOF, "regular-enterprise", "applicant5")),
            12_000, (("Materiaal en prototypes", 7_000), ("Ontwerp en productveiligheid", 6_000),
                     ("Marktverkenning", 3_000)),
            duration_months=12, scores=(7, 6, 6, 5),
            remarks=(
                ("Babyartikelen uit reststromen spreken een nieuwe markt aan.",
                 "Vergelijkbare producten zijn al te koop; de eigenheid moet nog blijken."),
                ("Vier partners brengen elk een reststroom of vaardigheid in.",
                 "Met vier partners is de coördinatie zwaar voor een klein budget."),
                ("De sociale werkplaatsen leren werken met nieuwe materialen.",
                 "De opleiding beperkt zich tot de prototypefase."),
                ("Een bescheiden, realistische begroting voor een verkennend project.",
                 "De veiligheidskeuring van babyartikelen is niet begroot."))),
        Project(
            "Compaan Comfort Food",
            "De cateringafdeling van een sociale werkplaats en een reguliere cateraar ontwikkelen artisanale "
            "convenience-producten.",
            COMPAAN, "applicant2", (CoApplicant(BIOFRESH, "regular-enterprise", "applicant3"),),
            20_000, (("Productontwikkeling en verpakking", 14_000), ("Voedselveiligheid en etikettering", 12_000)),
            attachments=("begroting",),
            ineligible="De aanvraag voldoet niet aan artikel 3 van het reglement: er is geen ondertekende "
                       "samenwerkingsovereenkomst bijgevoegd. Bovendien is geen van de mede-aanvragers een "
                       "sociale-economieonderneming, zoals de oproep vraagt: Compaan treedt op als "
                       "hoofdaanvrager en Biofresh is een reguliere onderneming."),
    ),
)

# The jurors lean a little each (per criterion), as real jurors do; the calibration in the jury view shows it.
JUROR_LEANING: dict[str, tuple[int, ...]] = {
    "juror": (0, 0, 0, 0), "juror2": (1, 0, 0, -1), "juror3": (-1, 0, -1, 0), "jury-chair": (0, 1, 0, 0),
}
JURY_CHAIR = "jury-chair"
DECLARED_CONFLICT = ("juror2", "Schilder je dak waterdicht",
                     "Ik zetel in de raad van bestuur van vzw Labeur, de mede-aanvrager van dit project.")
CONSENSUS_MINUTES = (
    "Jurybespreking: de scores liepen sterk uiteen. Eén jurylid twijfelde aan de vernieuwing en aan de "
    "exploitatie na het project. Na toelichting over de vaste standplaatsen en de afspraken tussen de drie "
    "partners volgt de jury de meerderheid, met een lagere score voor samenwerking en haalbaarheid: wie de "
    "foodtruck uitbaat, moet in de overeenkomst worden vastgelegd.")
WHAT_IF = {"budget_cents": 125_000 * EURO,
           "reasons": "Wat als de deputatie het budget met 25.000 euro verhoogt uit de reserve?"}
APPEAL = ("Compaan Comfort Food",
          "Compaan is zelf een erkend maatwerkbedrijf. Het reglement vraagt een samenwerking tussen een reguliere "
          "en een sociale-economieonderneming, niet dat de sociale-economieonderneming mede-aanvrager is. De "
          "samenwerkingsovereenkomst was ondertekend en is per vergissing niet opgeladen; we voegen ze toe.")


def score_band(score: int, max_score: int) -> str:
    share = score / max_score
    if share >= 0.9:
        return "Uitstekend uitgewerkt."
    if share >= 0.7:
        return "Sterk, al kan de uitwerking op punten concreter."
    if share >= 0.5:
        return "Voldoende, maar met duidelijke werkpunten."
    return "Onvoldoende onderbouwd in het dossier."


def justification(remarks: tuple[str, str], score: int, max_score: int, style: int) -> str:
    """A juror's reasons for one score: each juror writes in their own way (style), so that the letter, which
    quotes the jurors without names, does not repeat itself."""
    strength, reservation = remarks
    band = score_band(score, max_score)
    if score / max_score < 0.6:
        return f"{reservation} {band}"
    reservation = reservation[0].lower() + reservation[1:]
    return (f"{strength} {band}", f"{band} Werkpunt: {reservation}", f"{strength} Wel: {reservation}",
            f"{band} {strength}")[style % 4]


# --- Antwerpen: open ------------------------------------------------------------------------------------------

OPEN_CALL = DemoCall(
    tenant="antwerpen",
    terms={
        "title": "Projectsubsidie lokale sociale economie (startsteun) 2027",
        "legal_basis": "Reglement projectsubsidies lokale sociale economie, provincieraad van 8 oktober 2026",
        "aim": "Startsteun voor initiatieven van lokale diensteneconomie die mensen uit kansengroepen "
               "tewerkstellen in diensten aan de buurt, zoals buurtrestaurants en sociale restaurants, en die na "
               "de startperiode zelfbedruipend zijn.",
        "rules_text": (
            "Artikel 1. De provincie Antwerpen ondersteunt de opstart van initiatieven van lokale "
            "diensteneconomie op haar grondgebied.\n"
            "Artikel 2. De startsteun dekt ten hoogste 80 % van het exploitatietekort van de eerste drie jaar, "
            "met een maximum van 40.000 euro per project.\n"
            "Artikel 3. Het initiatief werkt samen met minstens één lokaal bestuur of OCMW en stelt mensen uit "
            "kansengroepen tewerk.\n"
            "Artikel 4. Na de startperiode is het initiatief zelfbedruipend; het ondernemingsplan toont hoe."),
        "total_budget_cents": 150_000 * EURO, "max_per_project_cents": 40_000 * EURO,
        "cofinancing_rate_bp": 8000, "appeal_days": 30, "jurors_per_application": 3,
        "tie_break": ["criterion:1", "submitted_at:asc"],
        "eligibility": {"min_coapplicants": 1, "rules": [
            "Het initiatief werkt samen met minstens één lokaal bestuur of OCMW.",
            "Het initiatief stelt mensen uit kansengroepen tewerk in de provincie Antwerpen."]},
        "required_attachments": [
            {"code": "ondernemingsplan", "label": "Ondernemingsplan met exploitatiebegroting over drie jaar",
             "types": ["application/pdf"]},
            {"code": "begroting", "label": "Begroting van de startkosten", "types": ["application/pdf"]}],
        "criteria": [
            {"name": "Tewerkstelling", "weight": "40", "max_score": 10, "min_threshold": "5",
             "description": "Directe tewerkstelling van mensen uit kansengroepen (in VTE) en hun begeleiding."},
            {"name": "Lokale verankering", "weight": "30", "max_score": 10,
             "description": "Samenwerking met lokale besturen, OCMW's en het middenveld; bereik in de buurt."},
            {"name": "Zelfbedruipendheid", "weight": "30", "max_score": 10, "min_threshold": "5",
             "description": "Een geloofwaardig pad naar een sluitende exploitatie na de startperiode."},
        ],
    },
    projects=(
        Project(
            "Buurtrestaurant Balen: dagverse maaltijden met brood van bij ons",
            "Een buurtrestaurant in Balen, naar het voorbeeld van de Kempense buurtresto's: dagverse "
            "maaltijden aan democratische prijzen, brood en desserts uit de eigen bakkerij, bediening en keuken "
            "door mensen uit kansengroepen.",
            "Bakkerij De Kempen", "applicant", (CoApplicant("OCMW Mol", "other", None),),
            35_000, (("Inrichting keuken en zaal", 22_000), ("Exploitatietekort jaar 1", 14_000),
                     ("Begeleiding doelgroepwerknemers", 8_000)),
            duration_months=36, attachments=("begroting",)),
    ),
    open_for_days=28,
)
