"""After award, through the real grants process: the call's rule, the default payment plan made when the
award event arrives (exact to the cent), edits with If-Match and audit, indicators, the applicant's reports
reviewed by a call manager (approval of the final report makes the balance payable), payments, the follow-up
list, and report reminders by e-mail (in the SMTP sink) and notice, exactly once even when a second worker
runs at the same time. The decided call is tests/grants/decision_world.py's: Schoolvis is awarded € 60.000,
Le Petit Botanique € 40.000 (partially)."""

from __future__ import annotations

import asyncio
import email.policy
import time
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from devstack.mailsink import mail_dir
from devstack.realms import enterprise_number as demo_number
from services.grants.awards.reminders import remind_tenant
from shared.portal.formats import day as dutch_day
from shared.problems import TYPE_PREFIX
from tests.grants.decision_world import K, World, bearer, call_in_review, fix_and_decide
from tests.support import EICAR

TENANT = "antwerpen"
SCHOOLVIS, BOTANIQUE, NOT_FUNDED = "Schoolvis", "Le Petit Botanique", "Schilder je dak waterdicht"


def brussels_today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


@pytest.fixture(scope="module")
async def world(platform, tokens, stack_config) -> AsyncIterator[World]:
    """The call's award rule (60 % advance, 10 % interim, reminders 10 days ahead) is set before the decision;
    the demo partner's organisation is Schoolvis' co-applicant."""
    world = await call_in_review(platform, tokens, stack_config, TENANT)
    async with world.app_db.transaction(TENANT) as session:
        await session.execute(text("UPDATE co_applicants SET enterprise_number = :number WHERE application_id = :id"),
                              {"number": demo_number(TENANT, "partner"), "id": world.apps[SCHOOLVIS]})
    rule = httpx.put(world.url(f"/calls/{world.call_id}/award-rule"),
                     headers=world.as_("call-manager", **{"If-Match": '"0"'}),  # none yet
                     json={"advance_bp": 6000, "interim_bp": 1000, "reminder_days_before": 10})
    assert rule.status_code == 200, rule.text
    assert rule.json()["is_default"] is False and rule.headers["ETag"] == '"1"'
    fix_and_decide(world, brussels_today())
    yield world
    await world.app_db.dispose()


def plan_path(world: World, title: str) -> str:
    return world.url(f"/applications/{world.apps[title]}/award-plan")


def plan_seen(world: World, title: str, user: str) -> dict[str, str]:
    """The user's headers with If-Match: the plan's version as it reads now."""
    plan = httpx.get(plan_path(world, title), headers=world.as_("call-manager"))
    assert plan.status_code == 200, plan.text
    return world.as_(user, **{"If-Match": plan.headers["etag"]})


def report_seen(world: World, title: str, kind: str, user: str) -> dict[str, str]:
    """The user's headers with If-Match: the version of the plan's `kind` report as it reads now."""
    plan = httpx.get(plan_path(world, title), headers=world.as_("call-manager"))
    assert plan.status_code == 200, plan.text
    report = next(r for r in plan.json()["reports"] if r["kind"] == kind)
    return world.as_(user, **{"If-Match": f'"{report["version"]}"'})


async def plan_of(world: World, title: str, within: float = 10.0) -> dict:
    """The plan the award event made (the consumer runs asynchronously)."""
    deadline = time.monotonic() + within
    while True:
        response = httpx.get(plan_path(world, title), headers=world.as_("call-manager"))
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response.json()
        await asyncio.sleep(0.2)


def audit_actions(world: World, title: str) -> list[dict]:
    response = httpx.get(world.url(f"/applications/{world.apps[title]}/audit"), headers=world.as_("call-manager"))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_award_rule_is_for_call_managers_and_a_stale_edit_is_refused(world: World) -> None:
    path = world.url(f"/calls/{world.call_id}/award-rule")
    assert httpx.get(path, headers=world.as_("juror")).status_code == 403
    stale = httpx.put(path, headers=world.as_("call-manager", **{"If-Match": '"0"'}), json={"advance_bp": 5000})
    assert stale.status_code == 412
    current = httpx.get(path, headers=world.as_("call-manager")).json()["version"]
    too_much = httpx.put(path, headers=world.as_("call-manager", **{"If-Match": f'"{current}"'}),
                         json={"advance_bp": 9000, "interim_bp": 2000})
    assert too_much.status_code == 422 and "100 %" in too_much.json()["detail"]
    assert httpx.get(path, headers=world.as_("call-manager")).json()["advance_bp"] == 6000


async def test_the_award_makes_the_default_plan_from_the_calls_rule_exact_to_the_cent(world: World) -> None:
    plan = await plan_of(world, SCHOOLVIS)
    assert plan["awarded_cents"] == 60 * K and plan["starts_on"] == brussels_today().isoformat()
    assert [(t["kind"], t["amount_cents"], t["condition"], t["status"]) for t in plan["tranches"]] == [
        ("advance", 36 * K, "on-award", "payable"),
        ("interim", 6 * K, "progress-report-approved", "planned"),
        ("balance", 18 * K, "final-report-approved", "planned")]
    assert sum(t["amount_cents"] for t in plan["tranches"]) == 60 * K
    reports = {r["kind"]: r for r in plan["reports"]}
    starts, ends = date.fromisoformat(plan["starts_on"]), date.fromisoformat(plan["ends_on"])
    assert (ends.year - starts.year) * 12 + ends.month - starts.month == 18  # the project's duration
    assert starts < date.fromisoformat(reports["progress"]["due_on"]) < ends
    assert date.fromisoformat(reports["final"]["due_on"]) > ends
    assert {r["status"] for r in reports.values()} == {"due"}
    created = [e for e in audit_actions(world, SCHOOLVIS) if e["action"] == "award_plan.created"]
    assert len(created) == 1 and created[0]["actor"] == "system"

    again = httpx.post(plan_path(world, SCHOOLVIS), headers=world.as_("call-manager"))
    assert again.status_code == 200 and again.json()["version"] == plan["version"]
    rejected = httpx.post(plan_path(world, NOT_FUNDED), headers=world.as_("call-manager"))
    assert rejected.status_code == 409 and "toegekende" in rejected.json()["detail"]


async def test_the_applicant_and_the_co_applicant_read_the_plan_a_juror_and_another_province_do_not(
        world: World) -> None:
    await plan_of(world, SCHOOLVIS)
    assert httpx.get(plan_path(world, SCHOOLVIS), headers=world.as_("applicant")).status_code == 200
    assert httpx.get(plan_path(world, SCHOOLVIS), headers=world.as_("partner")).status_code == 200
    assert httpx.get(plan_path(world, BOTANIQUE), headers=world.as_("partner")).status_code == 404
    assert httpx.get(plan_path(world, SCHOOLVIS), headers=world.as_("juror")).status_code == 403
    other = bearer(world.tokens("limburg", "call-manager"))  # type: ignore[operator]
    assert httpx.get(plan_path(world, SCHOOLVIS), headers=other).status_code == 401
    follow_up = httpx.get(world.url("/awards/follow-up"), headers=world.as_("applicant"))
    assert follow_up.status_code == 403


async def test_a_call_manager_edits_the_plan_with_if_match_and_the_total_must_stay_the_awarded_amount(
        world: World) -> None:
    plan = await plan_of(world, SCHOOLVIS)
    advance, _, balance = plan["tranches"]
    version = plan["version"]
    edited = [{"id": advance["id"], "kind": "advance", "amount_cents": 36 * K, "condition": "on-award"},
              {"id": balance["id"], "kind": "balance", "amount_cents": 24 * K, "condition": "final-report-approved",
               "due_on": balance["due_on"]}]
    off_by_one = httpx.put(f"{plan_path(world, SCHOOLVIS)}/tranches",
                           headers=world.as_("call-manager", **{"If-Match": f'"{version}"'}),
                           json={"tranches": [edited[0], {**edited[1], "amount_cents": 24 * K - 1}]})
    assert off_by_one.status_code == 422 and "+1 cent" in off_by_one.json()["detail"]
    changed = httpx.put(f"{plan_path(world, SCHOOLVIS)}/tranches",
                        headers=world.as_("call-manager", **{"If-Match": f'"{version}"'}),
                        json={"tranches": edited, "reasons": "geen tussentijdse schijf voor dit project"})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == f'"{version + 1}"'
    assert [(t["kind"], t["amount_cents"]) for t in changed.json()["tranches"]] == [("advance", 36 * K),
                                                                                   ("balance", 24 * K)]
    stale = httpx.put(f"{plan_path(world, SCHOOLVIS)}/tranches",
                      headers=world.as_("call-manager", **{"If-Match": f'"{version}"'}), json={"tranches": edited})
    assert stale.status_code == 412
    assert httpx.put(f"{plan_path(world, SCHOOLVIS)}/tranches", headers=plan_seen(world, SCHOOLVIS, "applicant"),
                     json={"tranches": edited}).status_code == 403
    entry = [e for e in audit_actions(world, SCHOOLVIS) if e["action"] == "award_plan.tranches_changed"][-1]
    assert [t["amount_cents"] for t in entry["before"]["tranches"]] == [36 * K, 6 * K, 18 * K]
    assert [t["amount_cents"] for t in entry["after"]["tranches"]] == [36 * K, 24 * K]
    assert entry["reasons"] == "geen tussentijdse schijf voor dit project"


async def test_reports_against_the_indicators_are_reviewed_and_the_approved_final_report_makes_the_balance_payable(
        world: World) -> None:
    plan = await plan_of(world, SCHOOLVIS)
    indicators = httpx.put(f"{plan_path(world, SCHOOLVIS)}/indicators",
                           headers=world.as_("applicant", **{"If-Match": f'"{plan["version"]}"'}),
                           json={"indicators": [{"name": "doelgroepwerknemers in dienst", "unit": "VTE", "target": "4"},
                                                {"name": "prototypes", "unit": "stuks", "target": "2"}]})
    assert indicators.status_code == 200, indicators.text
    workers, prototypes = (i["id"] for i in indicators.json()["indicators"])
    reports = world.url(f"/applications/{world.apps[SCHOOLVIS]}/reports")

    def seen(kind: str, user: str) -> dict[str, str]:
        return report_seen(world, SCHOOLVIS, kind, user)

    early_final = httpx.put(f"{reports}/final", headers=seen("final", "applicant"),
                            json={"values": [{"indicator_id": workers, "value": "4"},
                                             {"indicator_id": prototypes, "value": "2"}], "narrative": "Klaar."})
    assert early_final.status_code == 409 and "voortgangsrapport" in early_final.json()["detail"]
    missing = httpx.put(f"{reports}/progress", headers=seen("progress", "applicant"),
                        json={"values": [{"indicator_id": workers, "value": "2"}], "narrative": "Halfweg."})
    assert missing.status_code == 422
    infected = httpx.post(f"{reports}/progress/attachment", params={"filename": "tussentijds.txt"},
                          headers=world.as_("applicant", **{"Content-Type": "text/plain"}), content=EICAR)
    assert infected.status_code == 422 and infected.json()["type"] == TYPE_PREFIX + "upload-infected"
    assert next(r for r in (await plan_of(world, SCHOOLVIS))["reports"] if r["kind"] == "progress")["attachment"] \
        is None
    uploaded = httpx.post(f"{reports}/progress/attachment", params={"filename": "tussentijds.txt"},
                          headers=world.as_("applicant", **{"Content-Type": "text/plain"}),
                          content=b"Tussentijdse cijfers: 2 VTE, 1 prototype.\n")
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["attachment"]["filename"] == "tussentijds.txt"
    progress = {"values": [{"indicator_id": workers, "value": "2"}, {"indicator_id": prototypes, "value": "1"}],
                "narrative": "Halfweg: twee doelgroepwerknemers aangeworven, eerste prototype getest."}
    assert httpx.put(f"{reports}/progress", headers=seen("progress", "partner"), json=progress).status_code == 403
    submitted = httpx.put(f"{reports}/progress", headers=seen("progress", "applicant"), json=progress)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["values"][workers] == "2"
    download = httpx.get(f"{reports}/progress/attachment", headers=world.as_("partner"))
    assert download.status_code == 200 and download.content.startswith(b"Tussentijdse cijfers")

    without_reasons = httpx.post(f"{reports}/progress/review", headers=seen("progress", "call-manager"),
                                 json={"outcome": "changes-requested"})
    assert without_reasons.status_code == 422
    sent_back = httpx.post(f"{reports}/progress/review", headers=seen("progress", "call-manager"),
                           json={"outcome": "changes-requested", "reasons": "Voeg de loonfiches toe als bewijs."})
    assert sent_back.status_code == 200, sent_back.text
    resubmitted = httpx.put(f"{reports}/progress", headers=seen("progress", "applicant"), json=progress)
    assert resubmitted.status_code == 200, resubmitted.text
    approved = httpx.post(f"{reports}/progress/review", headers=seen("progress", "call-manager"),
                          json={"outcome": "approved"})
    assert approved.status_code == 200, approved.text
    assert [t["status"] for t in approved.json()["tranches"]] == ["payable", "planned"]  # no interim any more

    final = httpx.put(f"{reports}/final", headers=seen("final", "applicant"),
                      json={"values": [{"indicator_id": workers, "value": "4"},
                                        {"indicator_id": prototypes, "value": "2,0"}],
                            "narrative": "Project afgerond: vier doelgroepwerknemers in dienst, twee prototypes."})
    assert final.status_code == 200, final.text
    assert httpx.post(f"{reports}/final/review", headers=seen("final", "applicant"),
                      json={"outcome": "approved"}).status_code == 403
    done = httpx.post(f"{reports}/final/review", headers=seen("final", "call-manager"), json={"outcome": "approved"})
    assert done.status_code == 200, done.text
    balance = done.json()["tranches"][1]
    assert (balance["kind"], balance["status"]) == ("balance", "payable")

    follow_up = httpx.get(world.url("/awards/follow-up"), headers=world.as_("call-manager"),
                          params={"call_id": str(world.call_id)}).json()
    assert {(t["title"], t["kind"], t["amount_cents"]) for t in follow_up["payable_tranches"]} >= {
        (SCHOOLVIS, "advance", 36 * K), (SCHOOLVIS, "balance", 24 * K)}
    actions = [e["action"] for e in audit_actions(world, SCHOOLVIS)]
    for action in ("award_plan.indicators_set", "report.progress.submitted", "report.progress.changes-requested",
                   "report.progress.approved", "report.final.approved", "tranche.payable"):
        assert action in actions


async def test_a_payable_tranche_is_marked_paid_once_with_its_reference(world: World) -> None:
    plan = await plan_of(world, SCHOOLVIS)
    advance = plan["tranches"][0]
    pay = f"{plan_path(world, SCHOOLVIS)}/tranches/{advance['id']}/payment"
    payment = {"paid_on": brussels_today().isoformat(), "payment_reference": "BET-2026-0042"}
    stale = httpx.post(pay, headers=world.as_("call-manager", **{"If-Match": f'"{plan["version"] - 1}"'}),
                       json=payment)
    assert stale.status_code == 412
    assert httpx.post(pay, headers=plan_seen(world, SCHOOLVIS, "applicant"), json=payment).status_code == 403
    paid = httpx.post(pay, headers=world.as_("call-manager", **{"If-Match": f'"{plan["version"]}"'}), json=payment)
    assert paid.status_code == 200, paid.text
    assert paid.json()["tranches"][0]["status"] == "paid" and paid.json()["paid_cents"] == 36 * K
    assert httpx.post(pay, headers=world.as_("call-manager", **{"If-Match": paid.headers["etag"]}),
                      json=payment).status_code == 409
    entry = [e for e in audit_actions(world, SCHOOLVIS) if e["action"] == "tranche.paid"][-1]
    assert entry["before"]["status"] == "payable" and entry["after"]["payment_reference"] == "BET-2026-0042"


def reminders_in_sink(stack_config, since_ns: int, title: str) -> list[EmailMessage]:
    found = []
    for path in sorted(mail_dir(stack_config).glob("*.eml")):
        if int(path.name.split("-", 1)[0]) < since_ns:
            continue
        message = message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if f"«{title}»" in str(message["Subject"]) and "rapport" in str(message["Subject"]):
            found.append(message)
    return found


async def wait_for_reminders(stack_config, since: int, count: int, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while len(reminders_in_sink(stack_config, since, BOTANIQUE)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.3)


def move_due_date(world: World, kind: str, due_on: date) -> None:
    moved = httpx.put(world.url(f"/applications/{world.apps[BOTANIQUE]}/reports/{kind}/due-date"),
                      headers=report_seen(world, BOTANIQUE, kind, "call-manager"),
                      json={"due_on": due_on.isoformat(), "reasons": "test van de herinneringen"})
    assert moved.status_code == 200, moved.text


async def test_reminders_go_out_by_mail_and_notice_once_even_with_a_second_worker(world: World, stack_config) -> None:
    await plan_of(world, BOTANIQUE)
    since = time.time_ns()
    today = brussels_today()
    # The service's own worker finds an overdue progress report and a final report due in 5 days (window 10).
    move_due_date(world, "progress", today - timedelta(days=1))
    move_due_date(world, "final", today + timedelta(days=5))
    await wait_for_reminders(stack_config, since, 2)
    assert len(reminders_in_sink(stack_config, since, BOTANIQUE)) == 2

    # The final report becomes overdue: the service's worker and two more (other replicas, here in this
    # process, on the same database and mail server) race for it; one wins.
    move_due_date(world, "final", today - timedelta(days=2))
    await asyncio.gather(remind_tenant(world.app_db, TENANT), remind_tenant(world.app_db, TENANT))
    await wait_for_reminders(stack_config, since, 3)
    await asyncio.sleep(6)  # at least one more round of the service's own worker
    assert await remind_tenant(world.app_db, TENANT) == []

    mails = reminders_in_sink(stack_config, since, BOTANIQUE)
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert subjects == [
        f"Herinnering: het eindrapport van «{BOTANIQUE}» is verschuldigd op {dutch_day(today + timedelta(days=5))}",
        f"Het eindrapport van «{BOTANIQUE}» is te laat (verschuldigd op {dutch_day(today - timedelta(days=2))})",
        f"Het voortgangsrapport van «{BOTANIQUE}» is te laat (verschuldigd op "
        f"{dutch_day(today - timedelta(days=1))})",
    ], subjects
    assert {m["To"] for m in mails} == {f"applicant@{TENANT}.regie.test"}

    notices = httpx.get(world.url("/notices"), headers=world.as_("applicant")).json()
    mine = [n["title"] for n in notices if n["link"].endswith(f"/applications/{world.apps[BOTANIQUE]}/award-plan")]
    assert sorted(mine) == subjects  # one notice per reminder (the person's and the organisation's are one)

    follow_up = httpx.get(world.url("/awards/follow-up"), headers=world.as_("call-manager"),
                          params={"call_id": str(world.call_id)}).json()
    assert [(r["title"], r["kind"], r["days_overdue"]) for r in follow_up["overdue_reports"]] == [
        (BOTANIQUE, "final", 2), (BOTANIQUE, "progress", 1)]
    reminded = [e["action"] for e in audit_actions(world, BOTANIQUE) if "reminder" in e["action"]]
    assert sorted(reminded) == ["report.final.reminder_overdue", "report.final.reminder_upcoming",
                                "report.progress.reminder_overdue"]
