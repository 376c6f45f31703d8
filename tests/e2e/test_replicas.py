"""Two replicas of every service and of the gateway, as Kubernetes runs them: a second process of each on the
same database, the same NATS users and durable consumers, the same schedules. Each event is applied once in
total; killing a replica in the middle of a stream loses nothing; the call-closing scheduler closes a call once
and a report reminder goes out once, with both replicas of grants polling."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from devstack.config import StackConfig
from shared.db import Database
from shared.events.envelope import decode
from tests.conftest import Platform
from tests.grants.api.test_awards_api import (
    BOTANIQUE,
    audit_actions,
    brussels_today,
    move_due_date,
    plan_of,
    reminders_in_sink,
    wait_for_reminders,
)
from tests.grants.api.test_calls_api import published_call
from tests.grants.decision_world import call_in_review, fix_and_decide
from tests.support import bearer, stream_events
from tests.support import random_enterprise_number as enterprise_number

REPLICA_PORT_OFFSETS = {"gateway": 960, "grants": 961, "partners": 962, "foodsavers": 963}
TENANT = "vlaams-brabant"
REPO = Path(__file__).parents[2]


class Replicas:
    """The second process of each service (the platform fixture runs the first)."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.port_base + REPLICA_PORT_OFFSETS[service]}"

    def start(self, service: str) -> None:
        env = {**self.config.service_env(service), "REGIE_HTTP_PORT": str(
            self.config.port_base + REPLICA_PORT_OFFSETS[service])}
        log = (self.config.state_dir / "logs" / f"{service}-replica.log").open("ab")
        self.processes[service] = subprocess.Popen([sys.executable, "-m", f"services.{service}"], env=env, cwd=REPO,
                                                   stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url(service)}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.processes[service].poll() is None and time.monotonic() < deadline, \
                f"the {service} replica did not start: see {log.name}"
            time.sleep(0.2)

    def kill(self, service: str) -> None:
        self.processes[service].send_signal(signal.SIGKILL)
        self.processes[service].wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            process.wait(20)


@pytest.fixture(scope="module")
def replicas(platform: Platform, stack_config: StackConfig) -> Iterator[Replicas]:
    replicas = Replicas(stack_config)
    try:
        for service in REPLICA_PORT_OFFSETS:
            replicas.start(service)
        yield replicas
    finally:
        replicas.stop()


def applied(url: str, consumer: str) -> float:
    """What a replica's /metrics says it applied for this consumer."""
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(f'regie_events_applied_total{{consumer="{consumer}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def registrations(config: StackConfig, numbers: set[str]) -> dict[str, str]:
    """The stream's organisation.registered events of these organisations: event id -> enterprise number."""
    nc = await nats.connect(config.nats_url)
    sub = await nc.jetstream().pull_subscribe(
        f"partners.{TENANT}.organisation.registered", durable=None, stream="PARTNERS",
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL))
    found: dict[str, str] = {}
    doubled: list[str] = []
    while True:
        try:
            messages = await sub.fetch(500, timeout=2.0)
        except TimeoutError:
            break
        for envelope in (decode(m.data) for m in messages):
            if envelope.data["enterprise_number"] in numbers:
                doubled += [envelope.id] if envelope.id in found else []
                found[envelope.id] = envelope.data["enterprise_number"]
    await nc.drain()
    assert not doubled, f"the same event twice in the stream: {doubled}"
    return found


async def test_each_event_is_applied_once_and_a_replica_killed_mid_stream_loses_nothing(
        replicas: Replicas, platform: Platform, tokens, stack_config: StackConfig) -> None:
    coordinator = bearer(tokens(TENANT, "coordinator"))
    consumer = "grants-partners-organisations"
    grants = [platform.url("grants"), replicas.url("grants")]
    before = [applied(url, consumer) for url in grants]
    numbers = [enterprise_number() for _ in range(60)]

    async def register(http: httpx.AsyncClient, index: int, number: str) -> None:
        # Half through each partners replica, and through each gateway replica (so both relays stage and publish).
        base = [platform.gateway_url, replicas.url("gateway")][index % 2]
        response = await http.post(f"{base}/{TENANT}/api/partners/organisations", headers=coordinator, json={
            "enterprise_number": number, "name": f"Replica {index}", "kind": "maatwerkbedrijf",
            "municipality": "Leuven"})
        assert response.status_code == 201, response.text

    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(register(http, i, n) for i, n in enumerate(numbers[:30])))
        await asyncio.sleep(0.5)
        by_the_replica = applied(grants[1], consumer) - before[1]
        replicas.kill("grants")  # with events of the first half perhaps fetched and not yet acknowledged
        await asyncio.gather(*(register(http, i, n) for i, n in enumerate(numbers[30:], start=30)))

        # Everything reaches grants' read model; messages the dead replica held come back after the ack wait.
        manager = bearer(tokens(TENANT, "call-manager"))
        deadline = time.monotonic() + 60
        while True:
            known = await http.get(f"{grants[0]}/{TENANT}/registry/organisations", headers=manager,
                                   params={"limit": 500})
            assert known.status_code == 200, known.text
            missing = set(numbers) - {o["enterprise_number"] for o in known.json()}
            if not missing or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    assert not missing, f"{len(missing)} organisations never reached grants after a replica was killed"

    events = await registrations(stack_config, set(numbers))
    assert sorted(events.values()) == sorted(numbers), "an event missing, or published twice by the two relays"
    db = Database.from_url(stack_config.database_url("grants", "regie_app"), 1)
    async with db.transaction(TENANT) as session:
        inbox = (await session.execute(text(
            "select event_id from inbox where consumer = :c and event_id = any(:ids)"),
            {"c": consumer, "ids": list(events)})).scalars().all()
    await db.dispose()
    print(f"\nreplicas: the grants replica applied {by_the_replica:.0f} of the first 30 before it was killed; "
          f"{len(inbox)} of {len(numbers)} events in the inbox")
    assert by_the_replica > 0, "both replicas should have shared the durable consumer's work"
    assert len(inbox) == len(set(inbox)) == len(numbers)
    replicas.start("grants")


async def test_the_scheduler_closes_a_call_once_with_two_replicas_polling(
        replicas: Replicas, platform: Platform, tokens, stack_config: StackConfig) -> None:
    manager = tokens(TENANT, "call-manager")
    closes = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    call = published_call(platform.url("grants"), manager, tenant=TENANT, closes_at=closes,
                          eligibility={"min_coapplicants": 0}, required_attachments=[])
    closed = await stream_events(stack_config.nats_url, f"grants.{TENANT}.call.closed", "call_id", call["id"])
    await asyncio.sleep(3)  # a few more rounds of both schedulers
    closed = await stream_events(stack_config.nats_url, f"grants.{TENANT}.call.closed", "call_id", call["id"])
    history = httpx.get(f"{replicas.url('grants')}/{TENANT}/calls/{call['id']}/audit", headers=bearer(manager))
    assert len(closed) == 1
    assert [e["action"] for e in history.json()] == ["call.published", "call.closed"]


async def test_a_report_reminder_goes_out_once_with_two_replicas_polling(
        replicas: Replicas, platform: Platform, tokens, stack_config: StackConfig) -> None:
    world = await call_in_review(platform, tokens, stack_config, TENANT)
    try:
        rule = httpx.put(world.url(f"/calls/{world.call_id}/award-rule"),
                         headers=world.as_("call-manager", **{"If-Match": '"0"'}),
                         json={"advance_bp": 6000, "interim_bp": 1000, "reminder_days_before": 10})
        assert rule.status_code == 200, rule.text
        fix_and_decide(world, brussels_today())
        await plan_of(world, BOTANIQUE)
        since = time.time_ns()
        move_due_date(world, "progress", brussels_today() - timedelta(days=1))
        await wait_for_reminders(stack_config, since, 1)
        await asyncio.sleep(12)  # two more rounds of both replicas' reminder workers (every 5 s)
        mails = reminders_in_sink(stack_config, since, BOTANIQUE)
        reminded = [e["action"] for e in audit_actions(world, BOTANIQUE) if "reminder" in e["action"]]
    finally:
        await world.app_db.dispose()
    assert len(mails) == 1, [str(m["Subject"]) for m in mails]
    assert reminded == ["report.progress.reminder_overdue"]
