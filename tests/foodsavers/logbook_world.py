"""A round to log on, built through the registry and planning APIs behind the gateway, and the sync bodies the
driver's phone sends (ids made here, as the phone makes them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.foodsavers.world import (
    api_path,
    ensure_driver,
    headers,
    register_donor,
    register_recipient,
    register_vehicle,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass
class Round:
    client: httpx.Client
    tenant: str
    tokens: Any
    id: str = ""
    day: date = field(default_factory=lambda: datetime.now(BRUSSELS).date())
    donor: dict[str, Any] = field(default_factory=dict)
    recipient: dict[str, Any] = field(default_factory=dict)
    vehicle: dict[str, Any] = field(default_factory=dict)
    stops: list[dict[str, Any]] = field(default_factory=list)

    def as_(self, username: str) -> dict[str, str]:
        return headers(self.tokens(self.tenant, username))

    def url(self, path: str) -> str:
        return api_path(self.tenant, path)

    def sync(self, body: dict[str, Any], username: str = "driver") -> httpx.Response:
        return self.client.post(self.url("/sync"), json=body, headers=self.as_(username))

    def synced(self, body: dict[str, Any], username: str = "driver") -> dict[str, Any]:
        answer = self.sync(body, username)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def logbook(self, username: str = "coordinator") -> dict[str, Any]:
        answer = self.client.get(self.url(f"/rounds/{self.id}/logbook"), headers=self.as_(username))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def a_round(client: httpx.Client, tenant: str, tokens: Any, *, kind: str = "rescue", driver: str = "driver",
            day: date | None = None, capacity_grams: int = 1_000_000) -> Round:
    """A one-off round today (Brussels) of `driver`, with a pickup at a new donor and a delivery at a new
    recipient."""
    coordinator = tokens(tenant, "coordinator")
    world = Round(client, tenant, tokens)
    world.day = day or world.day
    fead = kind == "fead"
    world.donor = register_donor(client, tenant, coordinator,
                                 **({"kind": "food-bank", "chain": ""} if fead else {}))
    world.recipient = register_recipient(client, tenant, coordinator,
                                         **({"kind": "local-government"} if fead else {}))
    world.vehicle = register_vehicle(client, tenant, coordinator, capacity_grams=capacity_grams)
    who = ensure_driver(client, tenant, coordinator, username=driver)
    created = client.post(api_path(tenant, "/rounds"), headers=headers(coordinator), json={
        "day": world.day.isoformat(), "kind": kind, "start_time": "08:00", "driver_id": who["id"],
        "vehicle_id": world.vehicle["id"],
        "stops": [{"kind": "pickup", "donor_id": world.donor["id"]},
                  {"kind": "delivery", "recipient_id": world.recipient["id"]}]})
    assert created.status_code == 201, created.text
    world.id = created.json()["id"]
    world.stops = created.json().get("stops", [])
    return world


def new_id() -> str:
    return str(uuid.uuid4())


def moment(minutes_ago: int = 60) -> str:
    """`minutes_ago` before now, on today (Brussels), the day of the test's round: in the first two hours after
    midnight the moments close up towards midnight, in the same order (a pickup stays before its delivery), so
    that a pickup "90 minutes ago" at 01:00 is not on yesterday, whose use-by dates it would then still meet."""
    now = datetime.now(UTC)
    at = now - timedelta(minutes=minutes_ago)
    midnight = datetime.combine(now.astimezone(BRUSSELS).date(), time(), BRUSSELS)
    if at < midnight:
        at = midnight + (now - midnight) * max(0.0, 1 - minutes_ago / 120)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pickup_line(category: str = "fresh-produce", grams: int = 10_000, **fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "category": category, "grams": grams, "refused_grams": 0, "refused_reason": "",
            "date_kind": "none", "best_date": None, "celsius": None, **fields}


def pickup(world: Round, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "round_id": world.id, "stop_id": None, "donor_id": world.donor["id"],
            "picked_up_at": moment(90), "van_full": False, "left_behind_grams": 0, "note": "",
            "lines": list(lines), **fields}


def delivery_line(category: str = "fresh-produce", grams: int = 10_000) -> dict[str, Any]:
    return {"id": new_id(), "category": category, "grams": grams}


def delivery(world: Round, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "round_id": world.id, "stop_id": None, "recipient_id": world.recipient["id"],
            "delivered_at": moment(30), "confirmed_by": "Marie", "note": "", "lines": list(lines), **fields}


def outcomes(answer: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["outcome"] for s in answer["stored"]}


def refusals(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in answer["refused"]}
