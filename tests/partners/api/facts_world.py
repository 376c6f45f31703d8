"""A plan to enter realisations on and count indicators for, built through the partners API: the demo partner's
organisation (registered unless it already is), a signed cooperation agreement it is party to, covering one
municipality, with entered and counted indicators. Each call makes a plan of its own, so tests do not depend on
one another; what other tests put in the same province is told apart by event ids, recipients and years."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from devstack.realms import enterprise_number as demo_number
from shared.events.envelope import Envelope, encode
from shared.ids import uuid7
from shared.municipalities import of_province
from tests.support import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    partners: str
    tenant: str
    tokens: Any
    plan_id: str = ""
    municipality: str = ""
    indicators: dict[str, str] = field(default_factory=dict)  # name → id
    organisation_id: str = ""

    def url(self, path: str) -> str:
        return f"{self.partners}/{self.tenant}{path}"

    def as_(self, username: str, **headers: str) -> dict[str, str]:
        return bearer(self.tokens(self.tenant, username), **headers)


def organisation_of(world: World, username: str, municipality: str) -> str:
    """The id of the demo user's organisation, registered by the coordinator if it is not yet."""
    mine = httpx.get(world.url("/organisations/mine"), headers=world.as_(username))
    if mine.status_code == 200:
        return str(mine.json()["id"])
    registered = httpx.post(world.url("/organisations"), headers=world.as_("coordinator"), json={
        "enterprise_number": demo_number(world.tenant, username), "name": f"Organisatie van {username}",
        "kind": "maatwerkbedrijf", "municipality": municipality})
    assert registered.status_code in (200, 201), registered.text
    return str(registered.json()["id"])


def register(world: World, number: str, name: str, municipality: str, kind: str = "maatwerkbedrijf") -> str:
    registered = httpx.post(world.url("/organisations"), headers=world.as_("coordinator"), json={
        "enterprise_number": number, "name": name, "kind": kind, "municipality": municipality})
    assert registered.status_code in (200, 201), registered.text
    return str(registered.json()["id"])


INDICATORS: list[dict[str, Any]] = [
    {"name": "Extra plaatsen sociale economie", "unit": "plaatsen"},
    {"name": "Trajecten art. 60", "unit": "cliënten"},
    {"name": "Ton voedsel geleverd", "unit": "ton", "feed": "counted", "rule": "food.tonnes-delivered"},
    {"name": "Beleverde organisaties", "unit": "aantal", "feed": "counted", "rule": "food.organisations-served"},
    {"name": "Mensen bereikt", "unit": "aantal", "feed": "counted", "rule": "food.people-reached"},
    {"name": "CO2 vermeden", "unit": "ton", "feed": "counted", "rule": "food.co2-avoided"},
    {"name": "Projecten gesteund", "unit": "aantal", "feed": "counted", "rule": "grants.projects-awarded"},
    {"name": "Subsidie toegekend", "unit": "euro", "feed": "counted", "rule": "grants.amount-awarded"},
    {"name": "Subsidie uitbetaald", "unit": "euro", "feed": "counted", "rule": "grants.amount-paid"},
]


def plan_in(world: World, *, status: str = "active", municipality: str | None = None, starts_on: str = "2025-01-01",
            ends_on: str = "2027-12-31", parties: tuple[str, ...] = ("partner",)) -> World:
    """A fresh agreement in `world.tenant`, moved up to `status`, with the INDICATORS under one action."""
    world.municipality = municipality or of_province(world.tenant)[0].code
    party_ids = [organisation_of(world, user, world.municipality) for user in parties]
    world.organisation_id = party_ids[0] if party_ids else ""
    created = httpx.post(world.url("/plans"), headers=world.as_("coordinator"), json={
        "kind": "agreement", "title": f"Overeenkomst {uuid.uuid4().hex[:8]}", "starts_on": starts_on,
        "ends_on": ends_on, "municipalities": [world.municipality],
        "parties": [{"name": "Provincie", "role": "provincie"},
                    *({"organisation_id": i, "role": "partner"} for i in party_ids)]})
    assert created.status_code == 201, created.text
    world.plan_id = created.json()["id"]
    coordinator = world.as_("coordinator")
    objective = httpx.post(world.url(f"/plans/{world.plan_id}/objectives"), headers=coordinator,
                           json={"title": "Meer werk in de sociale economie"})
    assert objective.status_code == 201, objective.text
    action = httpx.post(world.url(f"/objectives/{objective.json()['id']}/actions"), headers=coordinator,
                        json={"title": "Plaatsen en trajecten"})
    assert action.status_code == 201, action.text
    for indicator in INDICATORS:
        added = httpx.post(world.url(f"/actions/{action.json()['id']}/indicators"), headers=coordinator,
                           json={k: v for k, v in indicator.items() if k != "targets"})
        assert added.status_code == 201, added.text
        world.indicators[indicator["name"]] = added.json()["id"]
    version = httpx.get(world.url(f"/plans/{world.plan_id}"), headers=coordinator).headers["etag"]
    for step in ("negotiating", "signed", "active"):
        if status == "draft":
            break
        if step == "signed":
            document = httpx.post(world.url(f"/plans/{world.plan_id}/documents"),
                                  params={"kind": "signed", "filename": "overeenkomst.pdf"},
                                  headers=world.as_("coordinator", **{"Content-Type": "application/pdf"}),
                                  content=PDF)
            assert document.status_code == 201, document.text
            version = httpx.get(world.url(f"/plans/{world.plan_id}"), headers=world.as_("coordinator")).headers["etag"]
        moved = httpx.post(world.url(f"/plans/{world.plan_id}/status"),
                           headers=world.as_("coordinator", **{"If-Match": version}), json={"to": step})
        assert moved.status_code == 200, moved.text
        version = moved.headers["etag"]
        if step == status:
            break
    return world


def envelope(event_type: str, tenant: str, data: dict[str, Any], *, at: datetime | None = None) -> Envelope:
    service = event_type.split(".")[2]
    return Envelope(id=str(uuid7()), type=event_type, source=f"/regie/{service}", subject=str(uuid.uuid4()),
                    time=at or datetime.now(UTC), tenant=tenant, data=data)


async def publish(nats_url: str, *envelopes: Envelope) -> None:
    """Onto the producer's stream as its outbox relay would: the subject from the type, Nats-Msg-Id = event id."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for e in envelopes:
            await js.publish(e.nats_subject, encode(e), headers={"Nats-Msg-Id": e.id})
    finally:
        await nc.drain()
