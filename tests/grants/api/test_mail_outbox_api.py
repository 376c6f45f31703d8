"""E-mail through the outbox, against the real grants process and devstack's SMTP sink (a real aiosmtpd server
that can refuse a mailbox and can be stopped): report reminders are claimed once per report and kind even
with two workers and a refused address, a backlog of reminded reports never hides the next one, and a decision
taken while the relay is down loses nothing: the notices are there at once, the e-mail is retried on the
schedule and arrives exactly once when the relay is back; what stays undeliverable is listed for the province
admin with the relay's answer.

The retry schedule's hour is run fast by time travel through the service's own API: `POST /mail/retry` makes
the pending e-mail due now, which is where the back-off would have brought it; the schedule itself (at least
an hour by default) is asserted in tests/grants/unit/test_mail_outbox_rules.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from devstack import mailsink
from devstack.processes import stop_process
from services.grants.awards import reminders
from services.grants.awards.reminders import remind_tenant
from services.grants.settings import MailOutboxSettings
from shared.tenancy import TENANTS
from tests.grants.decision_world import World, bearer, call_in_review, fix_and_decide

TENANT = "limburg"
SCHOOLVIS, BOTANIQUE = "Schoolvis", "Le Petit Botanique"
REFUSED = f"weigert@{TENANT}.regie.test"
CONSUMER_RETRY_SECONDS = 2 + 4 + 8 + 16  # what a failing event handler gets: 5 deliveries, then dead-lettered


def brussels_today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def sink_messages(stack_config, since_ns: int) -> list[EmailMessage]:
    return mailsink.received_since(stack_config, since_ns)


def restart_sink(stack_config) -> None:
    """The sink as the code in this tree makes it (it can refuse a mailbox), started afresh."""
    stop_process(stack_config, mailsink.NAME)
    mailsink.start(stack_config)


async def eventually(check, within: float = 20.0, every: float = 0.3):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


@pytest.fixture(scope="module")
def sink(stack_config) -> Iterator[None]:
    restart_sink(stack_config)
    yield
    mailsink.refuse(stack_config, [])
    if not mailsink.is_ready(stack_config):
        mailsink.start(stack_config)


@pytest.fixture(scope="module")
async def awarded(platform, tokens, stack_config, sink) -> AsyncIterator[World]:
    """Schoolvis (€ 60.000) and Le Petit Botanique (€ 40.000) awarded, each with its default plan; Botanique's
    applicant gave an address the relay refuses."""
    world = await call_in_review(platform, tokens, stack_config, TENANT)
    async with world.app_db.transaction(TENANT) as session:
        await session.execute(text("UPDATE applications SET applicant_email = :email WHERE id = :id"),
                              {"email": REFUSED, "id": world.apps[BOTANIQUE]})
    fix_and_decide(world, brussels_today())
    for title in (SCHOOLVIS, BOTANIQUE):
        assert await eventually(lambda t=title: plan(world, t) is not None), f"no plan for {title}"
    yield world
    await world.app_db.dispose()


def plan(world: World, title: str) -> dict | None:
    response = httpx.get(world.url(f"/applications/{world.apps[title]}/award-plan"), headers=world.as_("call-manager"))
    return response.json() if response.status_code == 200 else None


def due_dates(world: World) -> dict[tuple[str, str], date]:
    """(title, report kind) → due date."""
    found = {}
    for title in (SCHOOLVIS, BOTANIQUE):
        for report in plan(world, title)["reports"]:  # type: ignore[index]
            found[(title, report["kind"])] = date.fromisoformat(report["due_on"])
    return found


def mails(world: World, state: str | None = None, who: str = "province-admin") -> list[dict]:
    params = {"limit": "200", **({"state": state} if state else {})}
    response = httpx.get(world.url("/mail"), headers=world.as_(who), params=params)
    assert response.status_code == 200, response.text
    mine = [str(i) for i in world.apps.values()]
    return [m for m in response.json()["items"] if any(i in m["reference"] for i in mine)]


def retry(world: World, **body: object) -> int:
    response = httpx.post(world.url("/mail/retry"), headers=world.as_("province-admin"), json=body)
    assert response.status_code == 200, response.text
    return response.json()["due_now"]


async def test_a_refused_address_rolls_back_no_other_reminder_and_is_shown_to_the_province_admin(
        awarded: World, stack_config) -> None:
    world = awarded
    dates = due_dates(world)
    # A day on which both progress reports are overdue and no final report is in its window yet.
    day = max(dates[(t, "progress")] for t in (SCHOOLVIS, BOTANIQUE)) + timedelta(days=1)
    assert day < min(dates[(t, "final")] for t in (SCHOOLVIS, BOTANIQUE)) - timedelta(days=14)
    mailsink.refuse(stack_config, [REFUSED])
    since = time.time_ns()

    # Two workers (replicas) at once, then more rounds: every reminder is claimed by exactly one of them.
    first, second = await asyncio.gather(remind_tenant(world.app_db, TENANT, today=day),
                                         remind_tenant(world.app_db, TENANT, today=day))
    later = [await remind_tenant(world.app_db, TENANT, today=day) for _ in range(2)]
    progress = {str(r["id"]) for t in (SCHOOLVIS, BOTANIQUE) for r in plan(world, t)["reports"]  # type: ignore[index]
                if r["kind"] == "progress"}
    claimed = [(report, kind) for report, kind in [*first, *second, *later[0], *later[1]] if report in progress]
    assert sorted(claimed) == sorted((report, "overdue") for report in progress)

    # Schoolvis' reminder arrives once; Botanique's was refused by the relay and is listed as undeliverable
    # with its answer, without undoing its claim, its notice or the other reminder.
    def schoolvis_mail() -> list[EmailMessage]:
        """This world's reminder, by its outbox row (the stack may hold other worlds' «Schoolvis»)."""
        rows = {m["id"] for m in mails(world, "sent") if m["purpose"] == "notice:report.due"
                and str(world.apps[SCHOOLVIS]) in m["reference"]}
        return [m for m in sink_messages(stack_config, since)
                if str(m["Message-ID"]).strip("<>").split("@", 1)[0] in rows]
    assert await eventually(schoolvis_mail)
    assert await eventually(lambda: [m for m in mails(world, "undeliverable") if m["purpose"] == "notice:report.due"])
    await asyncio.sleep(3)
    assert len(schoolvis_mail()) == 1
    dead = [m for m in mails(world, "undeliverable") if m["purpose"] == "notice:report.due"]
    delivered = {str(m["Message-ID"]).strip("<>").split("@", 1)[0] for m in sink_messages(stack_config, since)}
    assert not {m["id"] for m in dead} & delivered
    assert [(m["recipients"], m["state_label"]) for m in dead] == [([REFUSED], "onbestelbaar")]
    assert "550" in dead[0]["reason"] and REFUSED in dead[0]["reason"], dead[0]["reason"]
    assert dead[0]["subject"].startswith(f"Het voortgangsrapport van «{BOTANIQUE}» is te laat")
    listed = httpx.get(world.url("/mail/undeliverable"), headers=world.as_("province-admin"))
    assert dead[0]["id"] in [m["id"] for m in listed.json()["items"]]
    assert httpx.get(world.url("/mail/undeliverable"), headers=world.as_("call-manager")).status_code == 403
    # and on the province admin's pages: a line on the start page, the list with the relay's answer
    start = httpx.get(world.url("/provincie/"), headers=world.as_("province-admin"))
    assert start.status_code == 200 and "onbestelbaar" in start.text and f"/{TENANT}/provincie/e-mail" in start.text
    page = httpx.get(world.url("/provincie/e-mail"), headers=world.as_("province-admin"))
    assert page.status_code == 200 and REFUSED in page.text and "550" in page.text, page.text
    assert httpx.get(world.url("/provincie/e-mail"), headers=world.as_("call-manager")).status_code == 403

    audit = httpx.get(world.url(f"/applications/{world.apps[BOTANIQUE]}/audit"), headers=world.as_("call-manager"))
    assert [e["action"] for e in audit.json() if "reminder" in e["action"]] == ["report.progress.reminder_overdue"]
    mailsink.refuse(stack_config, [])


async def test_a_backlog_of_reminded_reports_does_not_hide_the_next_one(awarded: World, monkeypatch) -> None:
    world = awarded
    dates = due_dates(world)
    day = max(dates.values()) + timedelta(days=1)  # every report overdue
    mine = {str(r["id"]) for t in (SCHOOLVIS, BOTANIQUE) for r in plan(world, t)["reports"]}  # type: ignore[index]
    monkeypatch.setattr(reminders, "BATCH", 1)  # a batch of one: one reminded report would fill it
    claimed: list[tuple[str, str]] = []
    # Until a round finds nothing: the tenant may hold other worlds' overdue reports (a kept test stack holds
    # many), each reminded once; a batch that kept picking a reminded report would end here early.
    for _ in range(1000):
        rounds = await asyncio.gather(remind_tenant(world.app_db, TENANT, today=day),
                                      remind_tenant(world.app_db, TENANT, today=day))
        this_round = [c for found in rounds for c in found]
        if not this_round:
            break
        claimed += [c for c in this_round if c[0] in mine]
    # Both final reports get their overdue reminder (the progress ones had theirs, unless this test runs
    # alone), each exactly once.
    finals = {str(r["id"]) for t in (SCHOOLVIS, BOTANIQUE) for r in plan(world, t)["reports"]  # type: ignore[index]
              if r["kind"] == "final"}
    assert len(claimed) == len(set(claimed)) and {kind for _, kind in claimed} == {"overdue"}, claimed
    assert finals <= {report for report, _ in claimed}, claimed
    # Their e-mails leave before the next test (which stops the relay) so they cannot arrive in a later one.
    assert await eventually(lambda: not [m for m in mails(world, "pending") if m["purpose"] == "notice:report.due"])
    assert await remind_tenant(world.app_db, TENANT, today=day) == []


async def test_a_decision_taken_while_the_relay_is_down_is_mailed_exactly_once_when_it_is_back(
        platform, tokens, stack_config, sink) -> None:
    world = await call_in_review(platform, tokens, stack_config, "antwerpen")
    try:
        await outage_then_recovery(world, stack_config)
    finally:
        if not mailsink.is_ready(stack_config):
            mailsink.start(stack_config)
        # Whatever else the outage deferred goes now, not into a later test.
        for tenant in TENANTS:
            httpx.post(f"{world.grants}/{tenant}/mail/retry", headers=bearer(tokens(tenant, "province-admin")))
        await world.app_db.dispose()


async def outage_then_recovery(world: World, stack_config) -> None:
    stop_process(stack_config, mailsink.NAME)
    down_since = time.monotonic()
    since = time.time_ns()
    fix_and_decide(world, brussels_today())
    decided = list(world.apps.values())

    # The notices do not wait for the relay.
    def notices() -> list[dict]:
        listed = httpx.get(world.url("/notices"), headers=world.as_("applicant")).json()
        return [n for n in listed if "/letter" in n["link"] and any(str(a) in n["link"] for a in decided)]
    assert await eventually(lambda: len(notices()) == 3), "no notice while the relay is down"

    # One e-mail per decided application with an address, each failing and rescheduled, none lost.
    def pending() -> list[dict]:
        return [m for m in mails(world, "pending") if m["purpose"] == "notice:application.decided"]
    assert await eventually(lambda: len(pending()) == 5 and all(m["attempts"] >= 1 for m in pending()))
    assert all("Connect" in m["reason"] or "refused" in m["reason"].lower() for m in pending()), pending()

    # The clock runs on while the relay stays down: each due attempt fails and the back-off grows.
    schedule = MailOutboxSettings().schedule()
    elapsed = timedelta()
    for attempt in range(1, 7):
        assert all(m["attempts"] == attempt for m in pending()), pending()
        elapsed += schedule.wait_after(attempt)  # type: ignore[operator]
        retry(world)
        assert await eventually(lambda a=attempt: len(pending()) == 5 and all(m["attempts"] == a + 1
                                                                             for m in pending())), pending()
    assert elapsed.total_seconds() > CONSUMER_RETRY_SECONDS
    # and in real time too, longer than a failing event handler would have been retried
    await asyncio.sleep(max(0.0, CONSUMER_RETRY_SECONDS + 5 - (time.monotonic() - down_since)))
    assert sink_messages(stack_config, since) == []

    # One of them runs out its whole window: dead-lettered, shown to the province admin with the reason.
    last = pending()[0]

    def attempts_of(mail_id: str) -> int:
        return next(m["attempts"] for m in mails(world) if m["id"] == mail_id)
    for attempt in range(7, schedule.attempts):
        elapsed += schedule.wait_after(attempt)  # type: ignore[operator]
        retry(world, ids=[last["id"]])
        assert await eventually(lambda a=attempt: attempts_of(last["id"]) == a + 1)
    assert elapsed.total_seconds() >= 3600
    dead = [m for m in mails(world, "undeliverable") if m["id"] == last["id"]]
    assert len(dead) == 1 and dead[0]["attempts"] == schedule.attempts and dead[0]["reason"], dead
    assert len(pending()) == 4

    # The relay is back: the pending ones go at their next attempt, the dead letter when the admin asks.
    mailsink.start(stack_config)
    retry(world)
    retry(world, ids=[last["id"]], include_undeliverable=True)

    def decision_mails() -> list[EmailMessage]:
        return [m for m in sink_messages(stack_config, since)
                if world.reference in m.get_body(("plain",)).get_content()]
    assert await eventually(lambda: len(decision_mails()) >= 5, within=30), len(decision_mails())
    await asyncio.sleep(5)  # nothing comes twice
    subjects = sorted(str(m["Subject"]) for m in decision_mails())
    assert len(subjects) == 5 and len(set(subjects)) == 5, subjects
    assert all(m["To"] == f"applicant@{world.tenant}.regie.test" for m in decision_mails())
    sent = [m for m in mails(world, "sent") if m["purpose"] == "notice:application.decided"]
    assert len(sent) == 5 and not pending()
    assert not [m for m in mails(world, "undeliverable") if m["purpose"] == "notice:application.decided"]
