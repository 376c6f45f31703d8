"""One call from draft to payment plan, through the HTTP API only: the real grants process and the gateway, real
Keycloak tokens of the realm's demo users, no database writes and no service-layer calls. Every figure the
product shows at the end (weighted totals, ranks, amounts, tranches, the letters, the e-mails, the appeal and
the audit trail) is checked against values worked out by hand below.

The call (West-Vlaanderen, a unique title per run: the test stack keeps its data) has three criteria:
Innovatie (weight 50, max 10, threshold 5), Samenwerking (30, max 10) and Haalbaarheid (20, max 5), so a
weighted total is s1/10×50 + s2/10×30 + s3/5×20 = 5·s1 + 3·s2 + 4·s3 (Σ weights = 100). Budget € 70.000,00,
at most € 30.000,00 per project, co-financing 80 %, no partial funding. Five enterprises apply, each with a
co-applicant who confirms (the partner user, or the applicant user of that organisation):

    A  lead applicant2, co partner      asks 30.000,00   (total cost 40.000,00)
    B  lead applicant3, co applicant4   asks 25.000,00   (35.000,00)
    C  lead applicant8, co applicant5   asks 20.000,00   (26.000,00)   applicant8 works for the juror's
                                                                       organisation: a detected conflict
    D  lead applicant6, co applicant7   asks  9.512,35   (12.000,00)   juror2 declares a conflict
    E  lead applicant,  co partner      asks 35.000,00   (50.000,00)   over the maximum: screened ineligible

The jury is juror, juror2, juror3 and jury-chair (the chair), three jurors per application."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from devstack.mailsink import received_since
from devstack.realms import enterprise_number

TENANT = "west-vlaanderen"
PROVINCE = "Provincie West-Vlaanderen"
BRUSSELS = ZoneInfo("Europe/Brussels")
CLOSES_AFTER = timedelta(seconds=15)
"""The deadline, from publication: time enough for five applications to be drafted, confirmed and submitted on
a busy machine; then the scheduler closes the call."""
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
JURY = ("juror", "juror2", "juror3", "jury-chair")
CHAIR = "jury-chair"


@dataclass(frozen=True)
class Project:
    key: str
    title: str
    lead: str  # the demo user who drafts and submits, for their organisation
    co_applicant: str  # the demo user of the co-applicant organisation, who confirms
    role: str
    requested_cents: int
    total_cost_cents: int
    duration_months: int
    # the assigned jurors' scores (Innovatie, Samenwerking, Haalbaarheid), in the jurors' username order
    scores: tuple[tuple[str, str, str], ...] = ()


RUN = uuid.uuid4().hex[:6]
PROJECTS = (
    Project("A", f"Herbruikbare bekers voor evenementen ({RUN})", "applicant2", "partner",
            "social-economy-enterprise", 3_000_000, 4_000_000, 24,
            # 5·9+3·8+4·4 = 85; 5·8+3·8+4·5 = 84; 5·9+3·7+4·4 = 82
            (("9", "8", "4"), ("8", "8", "5"), ("9", "7", "4"))),
    Project("B", f"Fietsherstel in de wijk ({RUN})", "applicant3", "applicant4", "social-economy-enterprise",
            2_500_000, 3_500_000, 18,
            # 5·8+3·7+4·4 = 77; 5·7+3·8+4·4 = 75; 5·8+3·8+4·3 = 76
            (("8", "7", "4"), ("7", "8", "4"), ("8", "8", "3"))),
    Project("C", f"Brouwresten als veevoeder ({RUN})", "applicant8", "applicant5", "regular-enterprise",
            2_000_000, 2_600_000, 12,
            # 5·8+3·8+4·4 = 80; 5·10+3·6+4·3 = 80; 5·4+3·6+4·3 = 50: the jurors disagree
            (("8", "8", "4"), ("10", "6", "3"), ("4", "6", "3"))),
    Project("D", f"Herstelcafé voor kleine toestellen ({RUN})", "applicant6", "applicant7", "knowledge-partner",
            951_235, 1_200_000, 12,
            # 5·7+3·7+4·4 = 72; 5·7+3·8+4·3 = 71; 5·6+3·8+4·4 = 70
            (("7", "7", "4"), ("7", "8", "3"), ("6", "8", "4"))),
    Project("E", f"Zonnepanelen op het atelier ({RUN})", "applicant", "partner", "social-economy-enterprise",
            3_500_000, 5_000_000, 24),
)
BY_KEY = {p.key: p for p in PROJECTS}
CONSENSUS = ("8", "7", "3.5")  # C after the meeting: 5·8 + 3·7 + 4·3,5 = 40 + 21 + 14 = 75,00
MINUTES = ("Na bespreking volgt de jury de meerderheid: het hergebruik van brouwresten is vernieuwend en de "
           "afspraken met de veehouders liggen vast.")

# --- what the jury's scores come to, by hand -------------------------------------------------------------------
# Final score per criterion = the mean of the three submitted reviews (the consensus for C); the weighted total
# is linear, so it equals the mean of the jurors' own totals.
EXPECTED_REVIEW_TOTALS = {"A": ["85.00", "84.00", "82.00"], "B": ["77.00", "75.00", "76.00"],
                          "C": ["80.00", "80.00", "50.00"], "D": ["72.00", "71.00", "70.00"]}
EXPECTED_MEAN = {
    "A": "83.67",  # (85 + 84 + 82) / 3 = 251 / 3 = 83,666… → 83,67
    "B": "76.00",  # (77 + 75 + 76) / 3 = 228 / 3
    "C": "70.00",  # (80 + 80 + 50) / 3 = 210 / 3
    "D": "71.00",  # (72 + 71 + 70) / 3 = 213 / 3
}
EXPECTED_SPREAD = {  # population standard deviation of the three totals; the call's limit is 10
    "A": "1.25",  # deviations 4/3, 1/3, -5/3: √((16 + 1 + 25) / 9 / 3) = √1,5556 = 1,247…
    "B": "0.82",  # deviations 1, -1, 0: √(2 / 3) = 0,816…
    "C": "14.14",  # deviations 10, 10, -20: √(600 / 3) = √200 = 14,142… > 10: disagreement
    "D": "0.82",  # deviations 1, 0, -1
}
EXPECTED_TOTAL = {"A": "83.67", "B": "76.00", "C": "75.00", "D": "71.00"}  # C: the consensus, not 70,00
# Rank by total: A 83,67 > B 76,00 > C 75,00 > D 71,00. The budget of 70.000,00 in rank order:
#   A 30.000,00 fits → 40.000,00 left; B 25.000,00 fits → 15.000,00 left;
#   C 20.000,00 > 15.000,00: skipped; D 9.512,35 ≤ 15.000,00: funded → 5.487,65 left.
EXPECTED_RANKING = [("A", 1, "83.67", "funded", 3_000_000), ("B", 2, "76.00", "funded", 2_500_000),
                    ("C", 3, "75.00", "not-funded", 0), ("D", 4, "71.00", "funded", 951_235)]
EXPECTED_AWARDED_CENTS = 6_451_235  # 3.000.000 + 2.500.000 + 951.235
EXPECTED_REMAINING_CENTS = 548_765  # 7.000.000 − 6.451.235
# The award rule: 33,33 % advance, 33,33 % interim, the balance the rest (every leftover cent).
ADVANCE_BP = INTERIM_BP = 3333
EXPECTED_TRANCHES = {
    # 3.000.000 × 3333 // 10000 = 999.900 twice; 3.000.000 − 1.999.800 = 1.000.200
    "A": [("advance", 999_900), ("interim", 999_900), ("balance", 1_000_200)],
    # 2.500.000 × 3333 // 10000 = 833.250 twice; 2.500.000 − 1.666.500 = 833.500
    "B": [("advance", 833_250), ("interim", 833_250), ("balance", 833_500)],
    # 951.235 × 3333 = 3.170.466.255 // 10000 = 317.046 (the 0,6255 cent is dropped) twice;
    # 951.235 − 634.092 = 317.143: the balance takes the leftover cent
    "D": [("advance", 317_046), ("interim", 317_046), ("balance", 317_143)],
}
INELIGIBLE_REASON = "het gevraagde bedrag € 35.000,00 is hoger dan het maximum van € 30.000,00 per project"


# --- plumbing --------------------------------------------------------------------------------------------------


class Tokens:
    """Fresh Keycloak tokens for this test (password grant on regie-cli): the session's cache may hold tokens
    that expire during a long run."""

    def __init__(self, keycloak_url: str) -> None:
        self.keycloak_url = keycloak_url
        self.cache: dict[str, str] = {}

    def __call__(self, username: str) -> str:
        if username not in self.cache:
            response = httpx.post(f"{self.keycloak_url}/realms/{TENANT}/protocol/openid-connect/token", timeout=30,
                                  data={"grant_type": "password", "client_id": "regie-cli", "username": username,
                                        "password": "demo", "scope": "openid"})
            response.raise_for_status()
            self.cache[username] = response.json()["access_token"]
        return self.cache[username]


@dataclass
class Api:
    grants_url: str
    gateway_url: str
    token: Callable[[str], str]
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def request(self, method: str, path: str, user: str, *, expect: int | tuple[int, ...] = 200,
                gateway: bool = False, if_match: str | int | None = None, headers: dict[str, str] | None = None,
                **kwargs: Any) -> httpx.Response:
        """`path` under the tenant; through the gateway (/<tenant>/api/grants/…) or straight to grants."""
        base = f"{self.gateway_url}/{TENANT}/api/grants" if gateway else f"{self.grants_url}/{TENANT}"
        sent = {"Authorization": f"Bearer {self.token(user)}", **(headers or {})}
        if if_match is not None:
            sent["If-Match"] = if_match if isinstance(if_match, str) else f'"{if_match}"'
        response = self.http.request(method, base + path, headers=sent, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in wanted, f"{method} {path} as {user}: {response.status_code} {response.text}"
        return response

    def json(self, method: str, path: str, user: str, **kwargs: Any) -> Any:
        return self.request(method, path, user, **kwargs).json()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def small_pdf(title: str, label: str) -> bytes:
    """A real one-page PDF, as an applicant uploads it."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    pdf.setTitle(f"{label} - {title}")
    pdf.setFont("Helvetica", 12)
    pdf.drawString(60, 800, title)
    pdf.drawString(60, 780, label)
    pdf.save()
    return buffer.getvalue()


PDF_STRING = rb"\((?:\\.|[^\\()])*\)"
SHOWN_TEXT = re.compile(rb"(" + PDF_STRING + rb")\s*Tj|\[((?:\s*(?:" + PDF_STRING + rb"|-?[0-9.]+))*)\s*\]\s*TJ",
                        re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_string(raw: bytes) -> bytes:
    out, i = bytearray(), 1
    while i < len(raw) - 1:
        byte = raw[i:i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = raw[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text a PDF shows, from its uncompressed page streams (the letters are written so: searchable), in
    WinAnsi (reportlab's standard fonts), whitespace collapsed: a wrapped sentence reads as one."""
    pieces: list[str] = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        for single, array in SHOWN_TEXT.findall(stream):
            strings = [single] if single else re.findall(PDF_STRING, array)
            pieces.append("".join(_pdf_string(s).decode("cp1252") for s in strings))
    return " ".join(" ".join(pieces).split())


def dutch_day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def euro(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    return f"€ {whole:,}".replace(",", ".") + f",{rest:02d}"


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def canonical_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (keys sorted, no whitespace, UTF-8), recomputed here from the snapshot."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def new_mail(config: Any, since_ns: int) -> list[EmailMessage]:
    """Messages the sink received after `since_ns`."""
    return received_since(config, since_ns)


def wait_for(what: str, probe: Callable[[], Any], within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"waited {within:.0f} s for {what}"
        time.sleep(0.25)


# --- the chain -------------------------------------------------------------------------------------------------


def test_a_call_from_draft_to_payment_plan_through_the_api(platform: Any, stack_config: Any) -> None:
    tokens = Tokens(platform.keycloak_url)
    api = Api(platform.url("grants"), platform.gateway_url, tokens)
    users = {"call-manager", *JURY, *(p.lead for p in PROJECTS), *(p.co_applicant for p in PROJECTS)}
    for user in users:  # every login before the clock runs
        tokens(user)
    number = {user: enterprise_number(TENANT, user) for user in users}
    assert number["applicant8"] == number["juror"]  # the realm's colleagues: the detected conflict below

    # 1. Drafted and published, the deadline a few seconds ahead.
    terms: dict[str, Any] = {
        "title": f"Samen circulair ondernemen ({RUN})",
        "legal_basis": "Provincieraadsbesluit van 24 september 2026 over samenwerkingsprojecten",
        "aim": "Reguliere en sociale-economieondernemingen zetten samen een circulair project op.",
        "rules_text": "Artikel 1. De provincie kent binnen het budget subsidies toe aan samenwerkingsprojecten.\n"
                      "Artikel 2. De subsidie bedraagt ten hoogste 30.000 euro en 80 % van de projectkost.",
        "total_budget_cents": 7_000_000, "max_per_project_cents": 3_000_000, "cofinancing_rate_bp": 8000,
        "appeal_days": 30, "partial_funding": False, "spread_limit": "10", "jurors_per_application": 3,
        "tie_break": ["criterion:1", "requested_amount:asc"],
        "eligibility": {"social_economy_coapplicant": False, "min_coapplicants": 1,
                        "rules": ["Het project wordt in West-Vlaanderen uitgevoerd."]},
        "required_attachments": [
            {"code": "begroting", "label": "Begroting van het project", "types": ["application/pdf"]},
            {"code": "samenwerkingsovereenkomst", "label": "Samenwerkingsovereenkomst",
             "types": ["application/pdf"]}],
        "criteria": [
            {"name": "Innovatie", "weight": "50", "max_score": 10, "min_threshold": "5"},
            {"name": "Samenwerking", "weight": "30", "max_score": 10},
            {"name": "Haalbaarheid", "weight": "20", "max_score": 5}],
    }
    drafted = api.request("POST", "/calls", "call-manager", expect=201, json={"title": terms["title"]})
    call_id = drafted.json()["id"]
    now = datetime.now(UTC)
    closes_at = now + CLOSES_AFTER
    patched = api.request("PATCH", f"/calls/{call_id}", "call-manager", if_match=drafted.headers["etag"], json={
        **{k: v for k, v in terms.items() if k != "title"},
        "opens_at": iso(now - timedelta(minutes=1)), "closes_at": iso(closes_at)})
    published = api.request("POST", f"/calls/{call_id}/publish", "call-manager", if_match=patched.headers["etag"])
    call = published.json()
    assert call["status"] == "published"
    criteria = sorted(call["criteria"], key=lambda c: c["position"])
    assert [(c["name"], c["weight"], c["max_score"]) for c in criteria] == [
        ("Innovatie", "50.00", 10), ("Samenwerking", "30.00", 10), ("Haalbaarheid", "20.00", 5)]
    public = httpx.get(f"{platform.url('grants')}/{TENANT}/public/calls/{call_id}", timeout=30)
    assert public.status_code == 200, public.text

    # 2. Applications of five enterprises, each with a co-applicant who confirms and two real PDFs (E leaves
    #    nothing out but asks more than the maximum), mostly through the gateway, as a browser's scripts would.
    apps: dict[str, dict[str, Any]] = {}
    uploads: dict[str, bytes] = {}
    submitted_version: dict[str, str] = {}
    for project in PROJECTS:
        created = api.request("POST", f"/calls/{call_id}/applications", project.lead, gateway=True, expect=201,
                              json={"title": project.title, "summary": f"Samenwerkingsproject {project.key}.",
                                    "applicant_name": f"Onderneming {project.key} ({project.lead})",
                                    "requested_cents": project.requested_cents,
                                    "total_cost_cents": project.total_cost_cents,
                                    "duration_months": project.duration_months,
                                    "budget_lines": [{"description": "Projectkosten",
                                                      "amount_cents": project.total_cost_cents}]})
        app_id = created.json()["id"]
        url = f"/applications/{app_id}"
        co_number = number[project.co_applicant]
        added = api.request("POST", f"{url}/co-applicants", project.lead, gateway=True, expect=201,
                            if_match=created.headers["etag"],
                            json={"enterprise_number": co_number, "role": project.role,
                                  "name": f"Partner van {project.key} ({project.co_applicant})"})
        assert [c["confirmed"] for c in added.json()["co_applicants"]] == [False]
        for code, label in (("begroting", "Begroting"), ("samenwerkingsovereenkomst", "Samenwerkingsovereenkomst")):
            content = small_pdf(project.title, label)
            uploaded = api.request("POST", f"{url}/attachments", project.lead, gateway=True, expect=201,
                                   params={"code": code, "filename": f"{code}.pdf"}, content=content,
                                   headers={"Content-Type": "application/pdf",
                                            "Idempotency-Key": f"chain-{app_id}-{code}"})
            assert uploaded.json()["sha256"] == hashlib.sha256(content).hexdigest()
            uploads[f"{project.key}/{code}"] = content
        seen = api.request("GET", url, project.co_applicant, gateway=True)
        confirmed = api.request("POST", f"{url}/co-applicants/{co_number}/confirm", project.co_applicant,
                                gateway=True, if_match=seen.headers["etag"])
        assert [c["confirmed_by"] for c in confirmed.json()["co_applicants"]] == [project.co_applicant]
        submitted_version[project.key] = confirmed.headers["etag"]
        submitted = api.request("POST", f"{url}/submit", project.lead, gateway=True,
                                if_match=confirmed.headers["etag"], headers={"Idempotency-Key": f"chain-{app_id}"})
        body = submitted.json()
        assert body["status"] == "submitted", body
        assert body["content_hash"] == canonical_hash(body["snapshot"])
        assert sorted(a["sha256"] for a in body["snapshot"]["attachments"]) == sorted(
            hashlib.sha256(uploads[f"{project.key}/{code}"]).hexdigest()
            for code in ("begroting", "samenwerkingsovereenkomst"))
        assert (body["warnings"] == [INELIGIBLE_REASON]) if project.key == "E" else body["warnings"] == [], body
        apps[project.key] = body
    again = api.json("POST", f"/applications/{apps['A']['id']}/submit", "applicant2", gateway=True,
                     if_match=submitted_version["A"], headers={"Idempotency-Key": f"chain-{apps['A']['id']}"})
    assert (again["content_hash"], again["submitted_at"]) == (apps["A"]["content_hash"], apps["A"]["submitted_at"])
    late = api.json("POST", f"/calls/{call_id}/applications", "applicant5", expect=201,
                    json={"title": f"Te laat ({RUN})", "applicant_name": "Onderneming (applicant5)",
                          "requested_cents": 100_000, "total_cost_cents": 200_000})
    assert datetime.now(UTC) < closes_at, "the applications took longer than the call was open"
    title_of = {key: app["title"] for key, app in apps.items()}
    id_of = {key: app["id"] for key, app in apps.items()}
    key_of = {app_id: key for key, app_id in id_of.items()}

    # 3. Closed at its deadline by the scheduler; a submission after it is refused.
    closed = wait_for("the scheduler to close the call", lambda: (
        c if (c := api.json("GET", f"/calls/{call_id}", "call-manager"))["status"] == "closed" else None),
        within=CLOSES_AFTER.total_seconds() + 20)
    assert datetime.fromisoformat(closed["closed_at"]) >= closes_at
    refused = api.request("POST", f"/applications/{late['id']}/submit", "applicant5", expect=409,
                          if_match=late["version"])
    assert refused.json()["closes_at"] and "verstreken" in refused.json()["detail"]

    # 4. Screening: E asks more than the maximum; the others are eligible.
    for key in "ABCDE":
        screening = api.request("GET", f"/applications/{id_of[key]}/screening", "call-manager")
        failed = [c["reason"] for c in screening.json()["checks"] if not c["passed"]]
        assert failed == ([INELIGIBLE_REASON] if key == "E" else []), (key, failed)
        verdict = ({"result": "ineligible", "reasons": "Het gevraagde bedrag overschrijdt het maximum per project "
                                                       "(artikel 2 van het reglement)."} if key == "E" else
                   {"result": "eligible", "reasons": "Alle voorwaarden van het reglement zijn vervuld."})
        api.request("PUT", f"/applications/{id_of[key]}/screening", "call-manager", json=verdict,
                    if_match=screening.headers.get("etag"))
    in_review = api.request("POST", f"/calls/{call_id}/start-review", "call-manager",
                            if_match=api.request("GET", f"/calls/{call_id}", "call-manager").headers["etag"])
    assert in_review.json()["status"] == "in-review"

    # 5. The jury: composed, juror2 declares a conflict with D, the registry's numbers make juror conflicted on C
    #    (applicant8 applies for juror's organisation); the proposal keeps both out and balances the load.
    jury = api.request("GET", f"/calls/{call_id}/jury", "call-manager")
    api.request("PUT", f"/calls/{call_id}/jury", "call-manager", if_match=jury.headers.get("etag"), json={
        "members": [{"username": u, "name": u.title(), "enterprise_number": number[u]} for u in JURY],
        "chair": CHAIR})
    declared = api.json("POST", f"/applications/{id_of['D']}/conflict", "juror2", gateway=True,
                        json={"has_conflict": True, "reason": "Ik zetel in het bestuur van de aanvrager."})
    assert declared["has_conflict"] is True
    proposal = api.json("POST", f"/calls/{call_id}/assignments/proposal", "call-manager")
    proposed = {key_of[a["application_id"]]: a for a in proposal["applications"]}
    assert sorted(proposed) == ["A", "B", "C", "D"]  # E, ineligible, is not in jury work
    assert (proposed["C"]["conflicted"], proposed["D"]["conflicted"]) == (["juror"], ["juror2"])
    assert proposed["A"]["conflicted"] == proposed["B"]["conflicted"] == []
    # 4 applications × 3 jurors = 12 = 4 jurors × 3: C must take juror2, juror3, jury-chair and D juror, juror3,
    # jury-chair; A and B then both need juror and juror2 (each has one so far) and one of juror3, jury-chair.
    assert proposed["C"]["jurors"] == ["juror2", "juror3", "jury-chair"]
    assert proposed["D"]["jurors"] == ["juror", "juror3", "jury-chair"]
    assert {"juror", "juror2"} <= set(proposed["A"]["jurors"]) and {"juror", "juror2"} <= set(proposed["B"]["jurors"])
    assert sorted(load["load"] for load in proposal["loads"]) == [3, 3, 3, 3]
    current = api.request("GET", f"/calls/{call_id}/assignments", "call-manager")
    fixed = api.json("PUT", f"/calls/{call_id}/assignments", "call-manager", if_match=current.headers.get("etag"),
                     json={"assignments": [{"application_id": a["application_id"], "jurors": a["jurors"]}
                                           for a in proposal["applications"]]})
    assigned = {key_of[a["application_id"]]: sorted(a["jurors"]) for a in fixed["applications"]}
    assert assigned == {k: sorted(a["jurors"]) for k, a in proposed.items()}
    juror_sees = {a["application_id"] for a in api.json("GET", f"/jury/applications?call_id={call_id}", "juror",
                                                         gateway=True)}
    assert juror_sees == {id_of[k] for k in "ABD"}
    api.request("GET", f"/jury/applications/{id_of['C']}", "juror", gateway=True, expect=404)
    api.request("GET", f"/jury/applications/{id_of['D']}", "juror2", gateway=True, expect=404)
    api.request("GET", f"/applications/{id_of['C']}", "juror", gateway=True, expect=404)

    # 6. Three jurors score each application with a justification per criterion (drafted, then submitted).
    for key in "ABCD":
        for juror, scores in zip(assigned[key], BY_KEY[key].scores, strict=True):
            url = f"/applications/{id_of[key]}/review"
            detail = api.json("GET", f"/jury/applications/{id_of[key]}", juror, gateway=True)
            assert detail["content_hash"] == apps[key]["content_hash"]
            assert detail["review"] is None
            draft = api.request("PUT", url, juror, gateway=True, if_match=0, json={"scores": [
                {"criterion_id": c["id"], "score": s,
                 "justification": f"{c['name']}: {s} op {c['max_score']}, volgens {juror}."}
                for c, s in zip(criteria, scores, strict=True)]})
            review = api.json("POST", f"{url}/submit", juror, gateway=True, if_match=draft.headers.get("etag"))
            assert review["status"] == "submitted"
    for key, totals in EXPECTED_REVIEW_TOTALS.items():
        reviews = api.json("GET", f"/applications/{id_of[key]}/reviews", "call-manager")
        by_juror = {r["username"]: r["weighted_total"] for r in reviews}
        assert [by_juror[j] for j in assigned[key]] == totals, (key, by_juror)

    # 7. The jury view flags C (spread 14,14 > 10); the chair records the consensus after the meeting.
    view = {key_of[a["application_id"]]: a
            for a in api.json("GET", f"/calls/{call_id}/jury-view", CHAIR, gateway=True)["applications"]}
    assert {k: (v["mean"], v["spread"], v["disagreement"]) for k, v in view.items()} == {
        k: (EXPECTED_MEAN[k], EXPECTED_SPREAD[k], k == "C") for k in "ABCD"}
    meeting = api.json("GET", f"/calls/{call_id}/meeting-order", CHAIR, gateway=True)
    absent = {key_of[i["application_id"]]: i["absent"] for i in meeting["items"]}
    assert absent == {"A": [], "B": [], "C": ["juror"], "D": ["juror2"]}
    assert view["C"]["consensus"] is None
    consensus = api.json("PUT", f"/applications/{id_of['C']}/consensus", CHAIR, gateway=True, if_match=0, json={
        "scores": [{"criterion_id": c["id"], "score": s} for c, s in zip(criteria, CONSENSUS, strict=True)],
        "minutes": MINUTES})
    assert consensus["weighted_total"] == "75.00"

    # 8. Ranked under the call's rules: the budget cuts C; D, cheaper and lower, still fits.
    ranking = api.json("GET", f"/calls/{call_id}/ranking", "call-manager")
    outcomes = [(key_of[o["application_id"]], o["rank"], o["total"], o["status"], o["amount_cents"])
                for o in ranking["outcomes"]]
    assert outcomes == EXPECTED_RANKING
    assert (ranking["awarded_cents"], ranking["remaining_cents"]) == (EXPECTED_AWARDED_CENTS,
                                                                      EXPECTED_REMAINING_CENTS)
    steps = {key_of[o["application_id"]]: o["steps"] for o in ranking["outcomes"]}
    assert steps["D"][-1] == ("Toegekend: € 9.512,35, het volledige gevraagde bedrag; daarna blijft er "
                              "€ 5.487,65 van het budget over.")
    assert "€ 15.000,00" in steps["C"][-1] and "€ 20.000,00" in steps["C"][-1]  # skipped: it does not fit

    # The award rule for the plans, set before the decision (the plans are made when the awards are published).
    rule = api.request("GET", f"/calls/{call_id}/award-rule", "call-manager")
    api.request("PUT", f"/calls/{call_id}/award-rule", "call-manager",
                if_match=rule.headers.get("etag", rule.json()["version"]),
                json={"advance_bp": ADVANCE_BP, "interim_bp": INTERIM_BP})

    # 9. The proposal is fixed and decided, named by its id and version.
    fixed_proposal = api.request("POST", f"/calls/{call_id}/ranking/proposal", "call-manager", expect=201,
                                 json={"reasons": "Voorstel volgens het reglement van de oproep."})
    proposal_body = fixed_proposal.json()
    assert [(key_of[o["application_id"]], o["amount_cents"]) for o in proposal_body["ranking"]["outcomes"]] == [
        (k, amount) for k, _, _, _, amount in EXPECTED_RANKING]
    today = datetime.now(BRUSSELS).date()
    reference = f"WV/{today.year}/{RUN}"
    decision_started_ns = time.time_ns()
    decision = api.json("POST", f"/calls/{call_id}/decision", "call-manager", expect=201, timeout=120,
                        if_match=fixed_proposal.headers.get("etag"),
                        json={"reference": reference, "decided_on": today.isoformat(),
                              "proposal_id": proposal_body["id"]})
    assert (decision["awarded"], decision["rejected"], decision["awarded_cents"]) == (3, 2, EXPECTED_AWARDED_CENTS)
    retried = api.json("POST", f"/calls/{call_id}/decision", "call-manager", expect=200, timeout=120,
                       if_match=fixed_proposal.headers.get("etag"),
                       json={"reference": reference, "decided_on": today.isoformat(),
                             "proposal_id": proposal_body["id"]})
    assert retried["id"] == decision["id"]
    lines = {key_of[line["application_id"]]: line for line in decision["lines"]}
    assert {k: (v["outcome"], v["amount_cents"], v["rank"], v["total"]) for k, v in lines.items()} == {
        "A": ("awarded", 3_000_000, 1, "83.67"), "B": ("awarded", 2_500_000, 2, "76.00"),
        "C": ("rejected", 0, 3, "75.00"), "D": ("awarded", 951_235, 4, "71.00"), "E": ("rejected", 0, None, None)}
    assert any(INELIGIBLE_REASON in reason for reason in lines["E"]["reasons"])
    statuses = {key_of[a["id"]]: a["status"] for a in api.json(
        "GET", f"/applications?call_id={call_id}&limit=50", "call-manager")["items"]}
    assert statuses == {"A": "awarded", "B": "awarded", "C": "rejected", "D": "awarded", "E": "rejected"}

    # 10. The letters: one PDF per application, the same bytes for the applicant (through the gateway) and the
    #     call manager, saying what was decided.
    last_day = today + timedelta(days=30)
    letters: dict[str, bytes] = {}
    for key in "ABCDE":
        mine = api.request("GET", f"/applications/{id_of[key]}/letter", BY_KEY[key].lead, gateway=True)
        assert mine.headers["content-type"] == "application/pdf" and mine.content.startswith(b"%PDF-")
        assert api.request("GET", f"/applications/{id_of[key]}/letter", "call-manager").content == mine.content
        letters[key] = mine.content
        text = pdf_text(mine.content)
        for expected in (PROVINCE, f"Referentie: {reference}", f"Datum van de beslissing: {dutch_day(today)}",
                         f"Dossiernummer: {id_of[key]}", terms["legal_basis"], f"uiterlijk op {dutch_day(last_day)}",
                         "binnen 30 dagen", f"«{title_of[key]}»"):
            assert expected in text, (key, expected, text)
    api.request("GET", f"/applications/{id_of['A']}/letter", "applicant3", gateway=True, expect=404)
    texts = {k: pdf_text(v) for k, v in letters.items()}
    assert "een subsidie toe van € 30.000,00, het volledige gevraagde bedrag" in texts["A"]
    assert "rang 1 van 4 gerangschikte aanvragen, met een gewogen totaal van 83,67 op 100" in texts["A"]
    assert "een subsidie toe van € 9.512,35, het volledige gevraagde bedrag" in texts["D"]
    assert "rang 4 van 4 gerangschikte aanvragen, met een gewogen totaal van 71,00 op 100" in texts["D"]
    assert "Toegekend bedrag: € 0,00 (gevraagd: € 20.000,00)" in texts["C"]
    assert "rang 3 van 4 gerangschikte aanvragen, met een gewogen totaal van 75,00 op 100" in texts["C"]
    assert f"Consensus van de jury: {MINUTES}" in texts["C"]
    assert "8,00 / 10" in texts["C"] and "3,50 / 5" in texts["C"]  # the consensus scores per criterion
    assert "Innovatie: 9 op 10, volgens juror." in texts["A"]  # the jurors' own words, without their names
    assert "niet tot de beoordeling door de jury toegelaten" in texts["E"] and INELIGIBLE_REASON in texts["E"]
    for key in "ABCDE":  # the same letter for whoever reads it, as the decision line says
        outcome = api.json("GET", f"/applications/{id_of[key]}/decision", BY_KEY[key].lead, gateway=True)
        assert (outcome["reference"], outcome["appeal_last_day"]) == (reference, last_day.isoformat())

    # 11. The e-mails: one per application to the person who drafted it, the letter attached byte for byte (the
    # people of a co-applicant organisation who want decisions by e-mail get theirs too; not counted here).
    def to_lead(message: EmailMessage, key: str) -> bool:
        # The decision's, not the receipt's or the screening's (notices too, mailed a moment later).
        return (str(message["Subject"]).startswith(f"Beslissing over uw aanvraag «{title_of[key]}»")
                and str(message["To"]) == f"{BY_KEY[key].lead}@{TENANT}.regie.test")

    def decision_mail() -> dict[str, EmailMessage] | None:
        found: dict[str, list[EmailMessage]] = {}
        for message in new_mail(stack_config, decision_started_ns):
            for key in title_of:
                if to_lead(message, key):
                    found.setdefault(key, []).append(message)
        return {k: v[0] for k, v in found.items()} if len(found) == 5 else None

    mails = wait_for("the five decision e-mails", decision_mail, within=45)
    time.sleep(1)  # anything sent twice would be in the sink by now
    for key, subject_end in (("A", "toegekend: € 30.000,00"), ("B", "toegekend: € 25.000,00"),
                             ("C", "afgewezen"), ("D", "toegekend: € 9.512,35"), ("E", "afgewezen")):
        message = mails[key]
        assert str(message["Subject"]) == f"Beslissing over uw aanvraag «{title_of[key]}»: {subject_end}"
        assert str(message["To"]) == f"{BY_KEY[key].lead}@{TENANT}.regie.test"
        body = message.get_body(("plain",))
        assert body is not None and f"(besluit {reference})" in body.get_content()
        attached = [a.get_content() for a in message.iter_attachments()]
        assert len(attached) == 1 and hashlib.sha256(attached[0]).digest() == hashlib.sha256(letters[key]).digest()
    same = [m for m in new_mail(stack_config, decision_started_ns) if any(to_lead(m, key) for key in title_of)]
    assert len(same) == 5, [str(m["Subject"]) for m in same]
    notices = api.json("GET", "/notices", "applicant6", gateway=True)
    assert [n["title"] for n in notices if n["link"].endswith(f"/applications/{id_of['D']}/letter")] == [
        f"Beslissing over uw aanvraag «{title_of['D']}»: toegekend: € 9.512,35"]

    # 12. C's applicant appeals; a second appeal while it is open is refused; the province dismisses it.
    appeals_url = f"/applications/{id_of['C']}/appeals"
    appeal = api.json("POST", appeals_url, "applicant8", gateway=True, expect=201, json={
        "grounds": "De jury ging voorbij aan de afspraken met de veehouders, die al ondertekend zijn."})
    assert (appeal["status"], appeal["last_day"]) == ("received", last_day.isoformat())
    api.request("POST", appeals_url, "applicant8", gateway=True, expect=409, json={"grounds": "Nog eens."})
    reviewing = api.json("PATCH", f"{appeals_url}/{appeal['id']}", "call-manager", if_match=appeal["version"],
                         json={"status": "under-review", "reasons": "Ontvankelijk; voorgelegd aan de deputatie."})
    dismissal = ("De jury heeft de afspraken gelezen; de rangschikking en het budget laten geen subsidie toe.")
    dismissed = api.json("PATCH", f"{appeals_url}/{appeal['id']}", "call-manager", if_match=reviewing["version"],
                         json={"status": "dismissed", "reasons": dismissal})
    assert dismissed["status"] == "dismissed"
    seen_by_applicant = api.json("GET", appeals_url, "applicant8", gateway=True)
    assert [(a["status"], a["outcome_reasons"]) for a in seen_by_applicant] == [("dismissed", dismissal)]

    # 13. The payment plans, made when the awards were published, under the call's rule: exact to the cent.
    def plan_of(key: str) -> httpx.Response | None:
        found = api.request("GET", f"/applications/{id_of[key]}/award-plan", "call-manager", expect=(200, 404))
        return found if found.status_code == 200 else None

    plans = {key: wait_for(f"the payment plan of {key}", partial(plan_of, key)) for key in "ABD"}
    for key, expected in EXPECTED_TRANCHES.items():
        plan = plans[key].json()
        assert plan["awarded_cents"] == sum(amount for _, amount in expected)
        assert [(t["kind"], t["amount_cents"]) for t in plan["tranches"]] == expected, key
        assert [t["status"] for t in plan["tranches"]] == ["payable", "planned", "planned"]
    api.request("GET", f"/applications/{id_of['C']}/award-plan", "call-manager", expect=(404, 409))
    d_plan = plans["D"].json()
    ends_on = add_months(today, 12)  # D runs 12 months from the decision date
    progress_due = today + timedelta(days=(ends_on - today).days * 5000 // 10000)  # halfway, in whole days
    assert (d_plan["starts_on"], d_plan["ends_on"]) == (today.isoformat(), ends_on.isoformat())
    assert [t["due_on"] for t in d_plan["tranches"]] == [
        today.isoformat(), progress_due.isoformat(), add_months(ends_on, 2).isoformat()]
    assert api.json("GET", f"/applications/{id_of['D']}/award-plan", "applicant6", gateway=True)["tranches"] == \
        d_plan["tranches"]
    advance = d_plan["tranches"][0]
    paid = api.json("POST", f"/applications/{id_of['D']}/award-plan/tranches/{advance['id']}/payment",
                    "call-manager", if_match=plans["D"].headers["etag"],
                    json={"paid_on": today.isoformat(), "payment_reference": f"BET-{RUN}-1"})
    assert (paid["paid_cents"], paid["tranches"][0]["status"]) == (317_046, "paid")

    # 14. The audit trail, oldest first: what happened to the call, and to D and C.
    call_audit = api.json("GET", f"/calls/{call_id}/audit", "call-manager")
    assert [(e["action"], e["actor"]) for e in call_audit] == [
        ("call.published", "call-manager"), ("call.closed", "system"), ("call.in-review", "call-manager"),
        ("jury.composed", "call-manager"), ("assignments.fixed", "call-manager"),
        ("award_rule.set", "call-manager"), ("proposal.fixed", "call-manager"),
        ("call.decided", "call-manager"), ("decision.published", "call-manager")]
    published_entry = next(e for e in call_audit if e["action"] == "decision.published")
    assert (published_entry["after"]["reference"], published_entry["after"]["awarded_cents"],
            published_entry["after"]["awarded"], published_entry["after"]["rejected"]) == (
        reference, EXPECTED_AWARDED_CENTS, 3, 2)

    d_audit = api.json("GET", f"/applications/{id_of['D']}/audit", "call-manager")
    d_actions = [(e["action"], e["actor"]) for e in d_audit]
    # 3 jurors × 3 criteria = 9 score entries
    assert d_actions == [
        ("co_applicant.confirmed", "applicant7"), ("application.submitted", "applicant6"),
        ("screening.automatic", "system"), ("screening.recorded", "call-manager"),
        ("conflict.declared", "juror2"),
        *[("score.submitted", juror) for juror in assigned["D"] for _ in range(3)],
        ("application.awarded", "call-manager"), ("award_plan.created", "system"), ("tranche.paid", "call-manager"),
    ], d_actions
    awarded_entry = next(e for e in d_audit if e["action"] == "application.awarded")
    assert (awarded_entry["before"], awarded_entry["after"]["amount_cents"]) == ({"status": "eligible"}, 951_235)

    c_audit = api.json("GET", f"/applications/{id_of['C']}/audit", "call-manager")
    c_actions = [e["action"] for e in c_audit]
    assert c_actions[-5:] == ["consensus.recorded", "application.rejected", "appeal.received",
                              "appeal.under-review", "appeal.dismissed"], c_actions
    assert c_audit[-1]["reasons"] == dismissal and c_audit[-1]["actor"] == "call-manager"
    assert c_actions.count("score.submitted") == 9 and "conflict.declared" not in c_actions
