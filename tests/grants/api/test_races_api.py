"""Races the database decides, through the real grants process: two appeals at once, two first saves of a
review, of a conflict declaration, of a consensus and of an award rule, one decision reference used by two calls
at once, a withdrawal racing the decision. Exactly one request wins; every other one gets a 409 problem+json
with a Dutch reason, and the service logs no 500.

Each race is a handful of concurrent HTTP requests (asyncio.gather). So that they really meet, rather than
follow each other by luck of scheduling, the test holds a lock on the table they write until every one of them
has read what it needs and waits to write; then it lets them go together. The world is made through the API
only: two calls drafted, published, applied to, closed at their deadline, screened, given a jury and assigned."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from services.grants.awards import rules as award_rules
from services.grants.decisions import rules as decision_rules
from services.grants.jury import rules as jury_rules
from shared.db import Database
from shared.problems import PROBLEM_JSON, TITLES, TYPE_PREFIX
from tests.support import bearer

TENANT = "west-vlaanderen"
EURO = 100
BRUSSELS = ZoneInfo("Europe/Brussels")
OPEN_FOR = timedelta(seconds=20)
"""The calls close this long after they are published: time to apply to them through the API."""
JURY = ("juror", "juror2", "jury-chair")
CHAIR = "jury-chair"
APPLICANTS = ("applicant", "applicant2")  # each leads one application in each call
LOCK_WAIT = 30.0
"""Seconds the test waits for every racing request to stand in front of the held table."""


def terms(title: str, closes_at: datetime) -> dict[str, Any]:
    return {
        "title": title,
        "legal_basis": "Provincieraadsbesluit van 12 maart 2026 over projectsubsidies sociale economie",
        "aim": "Samenwerking tussen reguliere en sociale-economieondernemingen versterken.",
        "rules_text": "Artikel 1. De provincie kent binnen het budget van de oproep projectsubsidies toe.\n"
                      "Artikel 2. Een jury beoordeelt de ontvankelijke aanvragen op de gepubliceerde criteria.",
        "total_budget_cents": 60_000 * EURO, "max_per_project_cents": 30_000 * EURO,
        "cofinancing_rate_bp": 8000, "appeal_days": 30, "jurors_per_application": 2,
        "tie_break": ["criterion:1", "requested_amount:asc"],
        "opens_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(), "closes_at": closes_at.isoformat(),
        "criteria": [{"name": "Innovatie", "weight": "60", "max_score": 10},
                     {"name": "Samenwerking", "weight": "40", "max_score": 10}],
    }


@dataclass
class Call:
    id: str
    criteria: list[str]  # criterion ids in order of position
    applications: dict[str, str] = field(default_factory=dict)  # lead applicant's username → application id
    assigned: dict[str, list[str]] = field(default_factory=dict)  # application id → jurors


@dataclass
class World:
    http: httpx.AsyncClient
    grants: str
    tokens: Any
    owner_db: Database
    log_file: Any
    calls: list[Call]
    reference: str = field(default_factory=lambda: f"RACE/{random.randrange(10**8):08d}")
    decided: Call | None = None
    undecided: Call | None = None

    def url(self, path: str) -> str:
        return f"{self.grants}/{TENANT}{path}"

    def as_(self, user: str, **headers: str) -> dict[str, str]:
        return bearer(self.tokens(TENANT, user), **headers)

    def request(self, method: str, path: str, user: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> Coroutine[Any, Any, httpx.Response]:
        return self.http.request(method, self.url(path), headers={**self.as_(user), **(headers or {})},
                                 timeout=60, **kwargs)

    async def ok(self, method: str, path: str, user: str, *, versioned_by: str | None = None,
                 **kwargs: Any) -> Any:
        """A step of the world's making, which must succeed. `versioned_by`: the resource whose ETag the write
        names in If-Match (read just before)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if versioned_by is not None:
            read = await self.request("GET", versioned_by, user)
            headers["If-Match"] = read.headers.get("etag", '"0"') if read.status_code == 200 else '"0"'
        response = await self.request(method, path, user, headers=headers, **kwargs)
        assert response.status_code in (200, 201), f"{method} {path} as {user}: {response.status_code} {response.text}"
        return response.json() if response.content else None


async def publish(world: World, title: str, closes_at: datetime) -> Call:
    draft = await world.ok("POST", "/calls", "call-manager", json={"title": title})
    body = terms(title, closes_at)
    body.pop("title")
    draft = await world.ok("PATCH", f"/calls/{draft['id']}", "call-manager", json=body,
                           headers={"If-Match": f'"{draft["version"]}"'})
    published = await world.ok("POST", f"/calls/{draft['id']}/publish", "call-manager",
                               headers={"If-Match": f'"{draft["version"]}"'})
    return Call(id=published["id"],
                criteria=[c["id"] for c in sorted(published["criteria"], key=lambda c: c["position"])])


async def apply(world: World, call: Call, applicant: str, requested_euro: int) -> None:
    draft = await world.ok("POST", f"/calls/{call.id}/applications", applicant, json={
        "title": f"Project van {applicant} ({call.id[-4:]})", "summary": "Een samenwerkingsproject.",
        "applicant_name": f"Organisatie van {applicant}", "requested_cents": requested_euro * EURO,
        "total_cost_cents": 2 * requested_euro * EURO, "duration_months": 12,
        "budget_lines": [{"description": "Personeel", "amount_cents": requested_euro * EURO},
                         {"description": "Werkingskosten", "amount_cents": requested_euro * EURO}]})
    await world.ok("POST", f"/applications/{draft['id']}/submit", applicant,
                   headers={"If-Match": f'"{draft["version"]}"'})
    call.applications[applicant] = draft["id"]


async def closed(world: World, call: Call, closes_at: datetime) -> None:
    """The scheduler closes the call at its deadline; asked by hand when it is late."""
    while True:
        found = await world.ok("GET", f"/calls/{call.id}", "call-manager")
        if found["status"] != "published":
            assert found["status"] == "closed", found
            return
        if datetime.now(UTC) - closes_at > timedelta(seconds=3):
            await world.ok("POST", f"/calls/{call.id}/close", "call-manager",
                           headers={"If-Match": f'"{found["version"]}"'})
            return
        await asyncio.sleep(0.5)


async def in_review_with_jury(world: World, call: Call) -> None:
    for application_id in call.applications.values():
        await world.ok("PUT", f"/applications/{application_id}/screening", "call-manager",
                       versioned_by=f"/applications/{application_id}/screening",
                       json={"result": "eligible", "reasons": "Alle voorwaarden van het reglement zijn vervuld."})
    found = await world.ok("GET", f"/calls/{call.id}", "call-manager")
    await world.ok("POST", f"/calls/{call.id}/start-review", "call-manager",
                   headers={"If-Match": f'"{found["version"]}"'})
    await world.ok("PUT", f"/calls/{call.id}/jury", "call-manager", versioned_by=f"/calls/{call.id}/jury", json={
        "members": [{"username": u, "name": u.title()} for u in JURY], "chair": CHAIR})
    proposal = await world.ok("POST", f"/calls/{call.id}/assignments/proposal", "call-manager")
    fixed = await world.ok("PUT", f"/calls/{call.id}/assignments", "call-manager",
                           versioned_by=f"/calls/{call.id}/assignments", json={"assignments": [
                               {"application_id": a["application_id"], "jurors": a["jurors"]}
                               for a in proposal["applications"]]})
    call.assigned = {a["application_id"]: a["jurors"] for a in fixed["applications"]}


@pytest.fixture(scope="module")
async def world(platform, tokens, stack_config) -> AsyncIterator[World]:
    owner_db = Database.from_url(stack_config.database_url("grants", "regie_owner"), pool_size=2)
    for user in ("call-manager", *APPLICANTS, *JURY):
        tokens(TENANT, user)  # every login before the deadline runs
    async with httpx.AsyncClient() as http:
        world = World(http, platform.url("grants"), tokens, owner_db, stack_config.log_file("grants"), [])
        closes_at = datetime.now(UTC) + OPEN_FOR
        suffix = uuid.uuid4().hex[:6]
        world.calls = [await publish(world, f"Gelijktijdige verzoeken {name} ({suffix})", closes_at)
                       for name in ("A", "B")]
        for call in world.calls:
            for applicant, euro in zip(APPLICANTS, (20_000, 25_000), strict=True):
                await apply(world, call, applicant, euro)
        for call in world.calls:
            await closed(world, call, closes_at)
            await in_review_with_jury(world, call)
        yield world
    await owner_db.dispose()


# --- the race itself --------------------------------------------------------------------------------------


@asynccontextmanager
async def held(world: World, table: str, mode: str) -> AsyncIterator[None]:
    async with world.owner_db.engine.connect() as connection, connection.begin():
        await connection.execute(text(f"LOCK TABLE {table} IN {mode} MODE"))
        yield


async def waiting_on(world: World, table: str) -> int:
    async with world.owner_db.engine.connect() as connection:
        return (await connection.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND relation = CAST(:table AS regclass) "
            "AND NOT granted"), {"table": table})).scalar_one()


async def race(world: World, table: str, *requests: Coroutine[Any, Any, httpx.Response],
               mode: str = "SHARE ROW EXCLUSIVE") -> list[httpx.Response]:
    """Fires the requests at once while `table` is held (`mode`: what their write needs and their reads do
    not), lets them go when all of them wait to write, and returns their answers in the order given."""
    async with held(world, table, mode):
        tasks = [asyncio.create_task(r) for r in requests]
        until = time.monotonic() + LOCK_WAIT
        while await waiting_on(world, table) < len(tasks):
            assert time.monotonic() < until, f"not every request reached {table}"
            if any(t.done() for t in tasks):
                break  # one answered without writing: no race left to hold
            await asyncio.sleep(0.05)
    return list(await asyncio.gather(*tasks))


def one_won(responses: list[httpx.Response], won: tuple[int, ...], reason: str | None = None) -> httpx.Response:
    """Exactly one answer is a success; every other one is a 409 problem+json in Dutch (with `reason`)."""
    seen = [(r.status_code, r.text[:300]) for r in responses]
    winners = [r for r in responses if r.status_code in won]
    losers = [r for r in responses if r not in winners]
    assert len(winners) == 1 and all(r.status_code == 409 for r in losers), \
        f"statuses {[r.status_code for r in responses]}: {seen}"
    for loser in losers:
        assert loser.headers["content-type"].startswith(PROBLEM_JSON), seen
        problem = loser.json()
        assert problem["type"] == TYPE_PREFIX + "conflict" and problem["title"] == TITLES["conflict"]["nl"]
        assert problem["detail"], problem
        if reason is not None:
            assert problem["detail"] == reason, problem
    return winners[0]


def log_mark(world: World) -> int:
    return world.log_file.stat().st_size


async def no_server_error_since(world: World, mark: int) -> None:
    """What the service logged since `mark` holds no 500 and no error."""
    await asyncio.sleep(0.3)  # the last request's log line
    with world.log_file.open("rb") as log:
        log.seek(mark)
        lines = [json.loads(line) for line in log.read().decode().splitlines() if line.startswith("{")]
    failures = [line for line in lines
                if line.get("status", 0) >= 500 or str(line.get("level")).lower() in {"error", "critical"}]
    assert not failures, failures[:3]


def scores(call: Call) -> list[dict[str, str]]:
    return [{"criterion_id": c, "score": s, "justification": "Sterk en concreet uitgewerkt."}
            for c, s in zip(call.criteria, ("8", "7"), strict=True)]


# --- the jury -----------------------------------------------------------------------------------------------


async def test_two_first_conflict_declarations_of_one_juror_keep_one_and_answer_the_other_409(
        world: World) -> None:
    call = world.calls[0]
    application_id = call.applications["applicant"]
    juror = call.assigned[application_id][0]
    declaration = {"has_conflict": False, "reason": ""}
    mark = log_mark(world)
    answers = await race(world, "conflict_declarations", *(
        world.request("POST", f"/applications/{application_id}/conflict", juror, json=declaration)
        for _ in range(2)))
    one_won(answers, (200, 201), jury_rules.CONSTRAINT_REASONS["uq_conflict_declarations_application_username"])
    await no_server_error_since(world, mark)


async def test_two_first_saves_of_one_review_keep_one_and_answer_the_other_409(world: World) -> None:
    call = world.calls[0]
    application_id = call.applications["applicant"]
    juror = call.assigned[application_id][0]
    mark = log_mark(world)
    answers = await race(world, "reviews", *(
        world.request("PUT", f"/applications/{application_id}/review", juror, headers={"If-Match": '"0"'},
                      json={"scores": scores(call)}) for _ in range(2)))
    one_won(answers, (200, 201), jury_rules.CONSTRAINT_REASONS["uq_reviews_application_username"])
    await no_server_error_since(world, mark)
    mine = await world.ok("GET", f"/jury/applications/{application_id}", juror)
    assert mine["review"]["version"] == 1 and len(mine["review"]["scores"]) == 2


async def test_two_first_consensus_records_keep_one_and_answer_the_other_409(world: World) -> None:
    call = world.calls[0]
    application_id = call.applications["applicant"]
    consensus = {"scores": [{"criterion_id": c, "score": "8"} for c in call.criteria],
                 "minutes": "Na bespreking houdt de jury het bij een 8 op elk criterium."}
    mark = log_mark(world)
    answers = await race(world, "consensus", *(
        world.request("PUT", f"/applications/{application_id}/consensus", CHAIR, headers={"If-Match": '"0"'},
                      json=consensus) for _ in range(3)))
    one_won(answers, (200, 201), jury_rules.CONSTRAINT_REASONS["consensus_pkey"])
    await no_server_error_since(world, mark)


# --- the decision -----------------------------------------------------------------------------------------


async def proposal_of(world: World, call: Call) -> tuple[dict[str, Any], str]:
    """Every application agreed on by the chair, then the proposal fixed: (proposal, its ETag)."""
    view = await world.ok("GET", f"/calls/{call.id}/jury-view", CHAIR)
    agreed = {a["application_id"] for a in view["applications"] if a["consensus"] is not None}
    for application_id in set(call.applications.values()) - agreed:
        await world.ok("PUT", f"/applications/{application_id}/consensus", CHAIR, headers={"If-Match": '"0"'},
                       json={"scores": [{"criterion_id": c, "score": "7"} for c in call.criteria],
                             "minutes": "De jury is het eens na bespreking."})
    fixed = await world.request("POST", f"/calls/{call.id}/ranking/proposal", "call-manager")
    assert fixed.status_code == 201, fixed.text
    return fixed.json(), fixed.headers["etag"]


def decide(world: World, call: Call, proposal: tuple[dict[str, Any], str],
           reference: str) -> Coroutine[Any, Any, httpx.Response]:
    body, version = proposal
    return world.request("POST", f"/calls/{call.id}/decision", "call-manager", headers={"If-Match": version},
                         json={"reference": reference, "proposal_id": body["id"],
                               "decided_on": datetime.now(BRUSSELS).date().isoformat()})


async def test_one_reference_decided_for_two_calls_at_once_decides_one_and_answers_the_other_409(
        world: World) -> None:
    proposals = [await proposal_of(world, call) for call in world.calls]
    mark = log_mark(world)
    answers = await race(world, "decisions", *(
        decide(world, call, proposal, world.reference) for call, proposal in zip(world.calls, proposals,
                                                                                  strict=True)))
    winner = one_won(answers, (201,), decision_rules.CONSTRAINT_REASONS["uq_decisions_reference"])
    await no_server_error_since(world, mark)
    world.decided, world.undecided = (world.calls[0], world.calls[1]) if answers[0] is winner else \
        (world.calls[1], world.calls[0])
    found = await world.ok("GET", f"/calls/{world.undecided.id}", "call-manager")
    assert found["status"] == "in-review"


async def test_a_withdrawal_racing_the_decision_lets_one_through_and_answers_the_other_409(
        world: World) -> None:
    assert world.undecided is not None, "the decision race did not run"
    call = world.undecided
    proposal = await proposal_of(world, call)
    application_id = call.applications["applicant"]
    mark = log_mark(world)
    # EXCLUSIVE: both must hold rows of `applications` to write them; plain reads still pass.
    answers = await race(world, "applications",
                         decide(world, call, proposal, f"{world.reference}-B"),
                         world.request("POST", f"/applications/{application_id}/withdraw", "applicant",
                                       json={"reason": "Het project gaat niet door."}),
                         mode="EXCLUSIVE")
    winner = one_won(answers, (200, 201))
    await no_server_error_since(world, mark)
    application = await world.ok("GET", f"/applications/{application_id}", "applicant")
    assert application["status"] == ("withdrawn" if winner is answers[1] else "awarded"), application


# --- after the decision -----------------------------------------------------------------------------------


async def test_two_appeals_at_once_keep_one_open_appeal_and_answer_the_other_409(world: World) -> None:
    assert world.decided is not None, "the decision race did not run"
    application_id = world.decided.applications["applicant"]
    until = time.monotonic() + 30
    while not (await world.ok("GET", f"/applications/{application_id}/decision", "applicant"))["appeal_open"]:
        assert time.monotonic() < until, "the appeal period did not open"
        await asyncio.sleep(0.5)
    mark = log_mark(world)
    answers = await race(world, "appeals", *(
        world.request("POST", f"/applications/{application_id}/appeals", "applicant",
                      json={"grounds": f"De score op innovatie miskent ons project (poging {i})."})
        for i in range(3)))
    one_won(answers, (201,), decision_rules.CONSTRAINT_REASONS["uq_appeals_one_open"])
    await no_server_error_since(world, mark)
    appeals = await world.ok("GET", f"/applications/{application_id}/appeals", "applicant")
    assert [a["status"] for a in appeals] == ["received"]


async def test_two_first_award_rules_keep_one_and_answer_the_other_409(world: World) -> None:
    assert world.decided is not None, "the decision race did not run"
    call = world.decided
    mark = log_mark(world)
    answers = await race(world, "award_rules", *(
        world.request("PUT", f"/calls/{call.id}/award-rule", "call-manager", headers={"If-Match": '"0"'},
                      json={"advance_bp": share, "interim_bp": 2000})
        for share in (5000, 6000)))
    winner = one_won(answers, (200, 201), award_rules.CONSTRAINT_REASONS["award_rules_pkey"])
    await no_server_error_since(world, mark)
    rule = await world.ok("GET", f"/calls/{call.id}/award-rule", "call-manager")
    assert rule["advance_bp"] == winner.json()["advance_bp"]
