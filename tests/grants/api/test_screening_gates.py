"""Screening gates everything after it, and the decision is taken on a named proposal; built through the grants
API only (the call is drafted, published, applied to, closed, screened, judged and decided by the people whose
tokens the tests hold).

Hand-computed (Innovatie weight 60, max 10; Samenwerking weight 40, max 10, threshold 4 → total 6·s1 + 4·s2),
budget € 100.000, maximum € 50.000 per project, no partial funding:
  Bouwblok B   9 / 9 → 90,00  asks 70.000 → capped at the maximum: funded 50.000 (50.000 left)
  Bouwblok A   8 / 8 → 80,00  asks 40.000 → funded 40.000 (10.000 left)
  Bouwblok C   7 / 7 → 70,00  asks 20.000 → does not fit: not funded
  Bouwblok U   submitted, never screened → never assigned, ranked or proposed; withdrawn later
  Bouwblok I   screened ineligible → rejected with the screening's reasons
The chair declares a conflict with C: their meeting order shows nothing of it.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from devstack.realms import enterprise_number
from tests.support import bearer

TENANT = "vlaams-brabant"
K = 100_000  # € 1.000 in cents
JURY = ("juror", "juror2", "juror3", "jury-chair")
PROJECTS = {  # label → (applicant user, requested cents, (innovation, cooperation) or None when not scored)
    "B": ("applicant", 70 * K, (9, 9)),
    "A": ("applicant2", 40 * K, (8, 8)),
    "C": ("applicant3", 20 * K, (7, 7)),
    "U": ("applicant4", 10 * K, None),
    "I": ("applicant5", 10 * K, None),
}
ELIGIBLE = ("A", "B", "C")
DEVIATION_REASONS = "Reserve 2027 ingezet."


@dataclass
class World:
    grants: str
    tokens: Any
    call: dict[str, Any]
    ids: dict[str, str]  # label → application id
    titles: dict[str, str]  # label → title

    @property
    def call_id(self) -> str:
        return str(self.call["id"])

    def url(self, path: str) -> str:
        return f"{self.grants}/{TENANT}{path}"

    def as_(self, user: str, **headers: str) -> dict[str, str]:
        return bearer(self.tokens(TENANT, user), **headers)

    def request(self, method: str, path: str, user: str, *, expected: int | tuple[int, ...] = (200, 201),
                if_match: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"If-Match": if_match} if if_match is not None else {}
        response = httpx.request(method, self.url(path), headers=self.as_(user, **headers), timeout=30, **kwargs)
        wanted = (expected,) if isinstance(expected, int) else expected
        assert response.status_code in wanted, f"{method} {path}: {response.status_code} {response.text}"
        return response

    def criteria(self) -> list[str]:
        return [c["id"] for c in sorted(self.call["criteria"], key=lambda c: c["position"])]

    def decide(self, proposal_id: str | None, if_match: str | None, reference: str) -> httpx.Response:
        body: dict[str, Any] = {"reference": reference, "decided_on": brussels_today()}
        if proposal_id is not None:
            body["proposal_id"] = proposal_id
        headers = {"If-Match": if_match} if if_match is not None else {}
        return httpx.post(self.url(f"/calls/{self.call_id}/decision"), json=body, timeout=60,
                          headers=self.as_("call-manager", **headers))


def brussels_today() -> str:
    return datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def etag_of(response: httpx.Response) -> str:
    """The ETag to send back as If-Match; '*' where the resource has none."""
    return response.headers.get("etag", "*")


def published(world_grants: str, tokens: Any, closes_in: timedelta) -> dict[str, Any]:
    manager = bearer(tokens(TENANT, "call-manager"))
    now = datetime.now(UTC)
    body = {
        "title": f"Bouwen met de sociale economie {random.randrange(10_000):04d}",
        "aim": "Reguliere ondernemingen en sociale-economieondernemingen bouwen samen.",
        "rules_text": "Artikel 1. De provincie kent subsidies toe aan samenwerkingsprojecten.",
        "legal_basis": "Besluit van de provincieraad van 26 juni 2026",
        "total_budget_cents": 100 * K, "max_per_project_cents": 50 * K, "cofinancing_rate_bp": 8000,
        "opens_at": iso(now - timedelta(minutes=1)), "closes_at": iso(now + closes_in), "appeal_days": 30,
        "jurors_per_application": 2, "tie_break": ["criterion:1", "submitted_at:asc"],
        "eligibility": {"social_economy_coapplicant": False, "min_coapplicants": 0},
        "required_attachments": [{"code": "begroting", "label": "Gedetailleerde begroting",
                                  "types": ["application/pdf"]}],
        "criteria": [
            {"name": "Innovatie", "weight": "60", "max_score": 10, "description": "Hoe vernieuwend?"},
            {"name": "Samenwerking", "weight": "40", "max_score": 10, "min_threshold": "4",
             "description": "Hoe sterk is het partnerschap?"},
        ],
    }
    drafted = httpx.post(f"{world_grants}/{TENANT}/calls", headers=manager, json=body, timeout=30)
    assert drafted.status_code == 201, drafted.text
    publish = httpx.post(f"{world_grants}/{TENANT}/calls/{drafted.json()['id']}/publish", timeout=30,
                         headers={**manager, "If-Match": f'"{drafted.json()["version"]}"'})
    assert publish.status_code == 200, publish.text
    return dict(publish.json())


@pytest.fixture(scope="module")
def world(platform, tokens) -> Iterator[World]:
    grants = platform.url("grants")
    call = published(grants, tokens, timedelta(seconds=20))
    world = World(grants, tokens, call, {}, {})
    suffix = call["title"].rsplit(" ", 1)[-1]
    for label, (user, requested, _) in PROJECTS.items():
        title = f"Bouwblok {label} {suffix}"
        draft = world.request("POST", f"/calls/{world.call_id}/applications", user, json={
            "title": title, "applicant_name": f"Bouwer {label} nv", "summary": f"Project {label}.",
            "requested_cents": requested, "total_cost_cents": requested * 2, "duration_months": 12}).json()
        world.request("POST", f"/applications/{draft['id']}/submit", user, if_match=f'"{draft["version"]}"')
        world.ids[label], world.titles[label] = str(draft["id"]), title
    closes_at = datetime.fromisoformat(call["closes_at"].replace("Z", "+00:00"))
    while world.request("GET", f"/calls/{world.call_id}", "call-manager").json()["status"] == "published":
        assert datetime.now(UTC) < closes_at + timedelta(seconds=30), "the call did not close at its deadline"
        time.sleep(1)
    for label in (*ELIGIBLE, "I"):
        path = f"/applications/{world.ids[label]}/screening"
        screening = world.request("GET", path, "call-manager")
        world.request("PUT", path, "call-manager", if_match=etag_of(screening), json=(
            {"result": "eligible", "reasons": "In orde."} if label != "I"
            else {"result": "ineligible", "reasons": "De begroting ontbreekt."}))
    closed = world.request("GET", f"/calls/{world.call_id}", "call-manager")
    world.call = world.request("POST", f"/calls/{world.call_id}/start-review", "call-manager",
                               if_match=etag_of(closed)).json()
    jury = world.request("GET", f"/calls/{world.call_id}/jury", "call-manager")
    world.request("PUT", f"/calls/{world.call_id}/jury", "call-manager", if_match=etag_of(jury), json={
        "members": [{"username": u, "name": u.title(), "enterprise_number": enterprise_number(TENANT, u)}
                    for u in JURY], "chair": "jury-chair"})
    world.request("POST", f"/applications/{world.ids['C']}/conflict", "jury-chair",
                  json={"has_conflict": True, "reason": "Mijn broer leidt dit bedrijf."})
    proposal = world.request("POST", f"/calls/{world.call_id}/assignments/proposal", "call-manager").json()
    eligible = {world.ids[label] for label in ELIGIBLE}
    current = world.request("GET", f"/calls/{world.call_id}/assignments", "call-manager")
    world.request("PUT", f"/calls/{world.call_id}/assignments", "call-manager", if_match=etag_of(current), json={
        "assignments": [{"application_id": a["application_id"], "jurors": a["jurors"]}
                        for a in proposal["applications"] if a["application_id"] in eligible]})
    fixed = world.request("GET", f"/calls/{world.call_id}/assignments", "call-manager").json()
    by_id = {v: k for k, v in world.ids.items()}
    for assigned in fixed["applications"]:
        scores = PROJECTS[by_id[assigned["application_id"]]][2]
        if assigned["application_id"] not in eligible or scores is None:
            continue
        for juror in assigned["jurors"]:
            path = f"/applications/{assigned['application_id']}/review"
            saved = world.request("PUT", path, juror, if_match='"0"', json={"scores": [
                {"criterion_id": c, "score": str(s), "justification": f"Score {s}: gemotiveerd."}
                for c, s in zip(world.criteria(), scores, strict=True)]}).json()
            world.request("POST", f"{path}/submit", juror, if_match=f'"{saved["version"]}"')
    yield world


def test_an_application_not_screened_eligible_is_never_assigned(world: World) -> None:
    proposal = world.request("POST", f"/calls/{world.call_id}/assignments/proposal", "call-manager").json()
    assert {a["application_id"] for a in proposal["applications"]} == {world.ids[k] for k in ELIGIBLE}
    current = world.request("GET", f"/calls/{world.call_id}/assignments", "call-manager")
    refused = httpx.put(world.url(f"/calls/{world.call_id}/assignments"), timeout=30,
                        headers=world.as_("call-manager", **{"If-Match": etag_of(current)}),
                        json={"assignments": [{"application_id": world.ids["U"], "jurors": ["juror", "juror2"]}]})
    assert refused.status_code == 422, refused.text
    assert "niet in beoordeling" in refused.json()["detail"]
    for juror in JURY:
        listed = world.request("GET", f"/jury/applications?call_id={world.call_id}", juror).json()
        assert world.ids["U"] not in {a["application_id"] for a in listed}
        assert httpx.get(world.url(f"/jury/applications/{world.ids['U']}"),
                         headers=world.as_(juror)).status_code == 404


@pytest.fixture(scope="module")
def screened(world: World) -> World:
    """The unscreened application is withdrawn by its applicant: every application left is screened."""
    application = world.request("GET", f"/applications/{world.ids['U']}", "applicant4").json()
    if application["status"] != "withdrawn":
        world.request("POST", f"/applications/{world.ids['U']}/withdraw", "applicant4",
                      json={"reason": "We dienen volgend jaar opnieuw in."})
    return world


def test_the_ranking_leaves_out_what_is_not_screened_eligible(world: World) -> None:
    ranking = world.request("GET", f"/calls/{world.call_id}/ranking", "call-manager").json()
    assert {o["title"] for o in ranking["outcomes"]} == {world.titles[k] for k in ELIGIBLE}


def test_the_maximum_per_project_caps_every_amount(world: World) -> None:
    ranking = world.request("GET", f"/calls/{world.call_id}/ranking", "call-manager").json()
    by_title = {o["title"]: o for o in ranking["outcomes"]}
    b, a, c = (by_title[world.titles[k]] for k in "BAC")
    assert (b["rank"], b["status"], b["requested_cents"], b["amount_cents"]) == (1, "funded", 70 * K, 50 * K)
    assert any("maximum per project" in step for step in b["steps"]), b["steps"]
    assert (a["rank"], a["status"], a["amount_cents"]) == (2, "funded", 40 * K)
    assert (c["rank"], c["status"], c["amount_cents"]) == (3, "not-funded", 0)
    assert ranking["awarded_cents"] == 90 * K
    scenario = world.request("POST", f"/calls/{world.call_id}/ranking/scenarios", "call-manager",
                             json={"budget_cents": 500 * K}).json()
    assert max(o["amount_cents"] for o in scenario["outcomes"]) == 50 * K


def test_no_proposal_is_fixed_while_an_application_waits_for_its_screening(world: World) -> None:
    refused = httpx.post(world.url(f"/calls/{world.call_id}/ranking/proposal"), headers=world.as_("call-manager"))
    assert refused.status_code == 409, refused.text
    assert "gescreend" in refused.json()["detail"] and world.titles["U"] in refused.json()["detail"]


def test_the_chair_sees_nothing_of_an_application_they_are_conflicted_on_in_the_meeting_order(
        world: World) -> None:
    chair = world.request("GET", f"/calls/{world.call_id}/meeting-order", "jury-chair")
    assert world.ids["C"] not in chair.text and world.titles["C"] not in chair.text
    body = chair.json()
    assert {i["application_id"] for i in body["items"]} == {world.ids["A"], world.ids["B"]}
    assert body["withheld"] == 1
    assert all("jury-chair" not in i["absent"] + i["leave"] + i["reenter"] for i in body["items"])
    manager = world.request("GET", f"/calls/{world.call_id}/meeting-order", "call-manager").json()
    item = next(i for i in manager["items"] if i["application_id"] == world.ids["C"])
    assert item["absent"] == ["jury-chair"] and manager["withheld"] == 0
    assert {i["position"] for i in body["items"]} <= {i["position"] for i in manager["items"]}
    view = world.request("GET", f"/calls/{world.call_id}/jury-view", "jury-chair")
    assert world.ids["C"] not in view.text and world.titles["C"] not in view.text


def test_the_decision_names_its_proposal_by_id_and_version(screened: World) -> None:
    world = screened
    first = world.request("POST", f"/calls/{world.call_id}/ranking/proposal", "call-manager", expected=201)
    assert first.headers["etag"] == '"1"' and first.json()["version"] == 1 and first.json()["deviations"] == []
    reference = f"DEP-{world.call_id[:8]}"
    unnamed = world.decide(None, '"1"', reference)
    assert unnamed.status_code in (400, 422), unnamed.text
    assert world.decide(first.json()["id"], None, reference).status_code == 428
    stale_version = world.decide(first.json()["id"], '"7"', reference)
    assert stale_version.status_code == 412, stale_version.text
    # A smaller budget stays within the call's rules: no deviation, no reasons needed.
    second = world.request("POST", f"/calls/{world.call_id}/ranking/proposal", "call-manager", expected=201,
                           json={"budget_cents": 90 * K})
    assert second.json()["version"] == 2 and second.json()["deviations"] == []
    assert world.request("GET", f"/calls/{world.call_id}/ranking/proposal", "call-manager").headers["etag"] == '"2"'
    older = world.decide(first.json()["id"], '"1"', reference)
    assert older.status_code == 409 and "versie 2" in older.json()["detail"], older.text
    assert world.request("GET", f"/calls/{world.call_id}", "call-manager").json()["status"] == "in-review"


def test_a_scenario_beyond_the_budget_or_the_thresholds_is_fixed_only_with_reasons(screened: World) -> None:
    world = screened
    scenario = {"budget_cents": 120 * K, "thresholds": [{"position": 2, "min_threshold": None}]}
    bare = httpx.post(world.url(f"/calls/{world.call_id}/ranking/proposal"), headers=world.as_("call-manager"),
                      json=scenario)
    assert bare.status_code == 422, bare.text
    assert "motiveer" in bare.json()["detail"] and len(bare.json()["deviations"]) == 2
    fixed = world.request("POST", f"/calls/{world.call_id}/ranking/proposal", "call-manager", expected=201,
                          json={**scenario, "reasons": DEVIATION_REASONS}).json()
    assert fixed["version"] == 3 and fixed["reasons"] == DEVIATION_REASONS
    assert any("€ 120.000" in d for d in fixed["deviations"]) and any("drempel" in d for d in fixed["deviations"])


def test_a_proposal_whose_scores_changed_since_is_stale(screened: World) -> None:
    world = screened
    current = world.request("GET", f"/calls/{world.call_id}/ranking/proposal", "call-manager")
    criteria = world.criteria()
    world.request("PUT", f"/applications/{world.ids['A']}/consensus", "call-manager", if_match='"0"', json={
        "scores": [{"criterion_id": criteria[0], "score": "8"}, {"criterion_id": criteria[1], "score": "6"}],
        "minutes": "Na bespreking: de samenwerking is minder concreet dan de jury eerst las."})
    stale = world.decide(current.json()["id"], current.headers.get("etag", '"1"'), f"DEP-{world.call_id[:8]}")
    assert stale.status_code == 409, stale.text
    assert "scores" in stale.json()["detail"] and world.titles["A"] in stale.json()["detail"]


def test_the_decision_on_a_deviating_proposal_records_it_in_the_letters_and_the_audit_trail(
        screened: World) -> None:
    world = screened
    fixed = world.request("POST", f"/calls/{world.call_id}/ranking/proposal", "call-manager", expected=201,
                          json={"budget_cents": 120 * K, "thresholds": [{"position": 2, "min_threshold": None}],
                                "reasons": DEVIATION_REASONS})
    version = fixed.json()["version"]
    reference = f"DEP-{world.call_id[:8]}"
    decided = world.decide(fixed.json()["id"], fixed.headers["etag"], reference)
    assert decided.status_code in (200, 201), decided.text
    body = decided.json()
    assert body["proposal_id"] == fixed.json()["id"]
    lines = {line["application_id"]: line for line in body["lines"]}
    assert lines[world.ids["B"]]["amount_cents"] == 50 * K and lines[world.ids["A"]]["amount_cents"] == 40 * K
    assert lines[world.ids["C"]]["amount_cents"] == 20 * K and lines[world.ids["I"]]["outcome"] == "rejected"
    assert world.ids["U"] not in lines
    assert body["awarded_cents"] == 110 * K
    retried = world.decide(fixed.json()["id"], fixed.headers["etag"], reference)
    assert retried.status_code in (200, 201) and retried.json()["id"] == body["id"]

    audit = world.request("GET", f"/calls/{world.call_id}/audit", "call-manager").json()
    published = [e for e in audit if e["action"] == "decision.published"]
    assert len(published) == 1
    assert published[0]["after"]["proposal_version"] == version
    assert len(published[0]["after"]["deviations"]) == 2 and DEVIATION_REASONS in published[0]["reasons"]
    letter = world.request("GET", f"/applications/{world.ids['B']}/letter", "call-manager").content
    assert letter.startswith(b"%PDF") and b"Afwijking van de regels van de oproep" in letter
    assert DEVIATION_REASONS.encode() in letter
    assert uuid.UUID(body["id"])
