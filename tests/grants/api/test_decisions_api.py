"""Ranking, the fixed proposal and the decision through the real grants process: what-if scenarios computed
but not stored, the proposal audited, the decision setting every status with its events in the stream, the
Dutch PDF letter for the applicant, and the e-mail with the letter attached in the SMTP sink.
The call and its scores are in tests/grants/decision_world.py (hand-computed outcome there)."""

from __future__ import annotations

import asyncio
import email.policy
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from email import message_from_bytes
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from devstack.mailsink import mail_dir
from services.grants.applications.models import Application
from services.grants.calls.models import Call
from services.grants.notices import contacts
from shared.audit import AuditEntry
from tests.grants.decision_world import (
    INELIGIBLE,
    K,
    World,
    call_in_review,
    decide,
)
from tests.support import stream_events

TENANT = "vlaams-brabant"


@pytest.fixture(scope="module")
async def world(platform, tokens, stack_config) -> AsyncIterator[World]:
    world = await call_in_review(platform, tokens, stack_config, TENANT)
    yield world
    await world.app_db.dispose()


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()


def outcomes(body: dict) -> dict[str, dict]:
    return {o["title"]: o for o in body["outcomes"]}


def test_the_ranking_explains_every_step_and_a_scenario_is_computed_but_not_stored(world: World) -> None:
    ranking = httpx.get(world.url(f"/calls/{world.call_id}/ranking"), headers=world.as_("call-manager"))
    assert ranking.status_code == 200, ranking.text
    by_title = outcomes(ranking.json())
    assert [(t, o["rank"], o["amount_cents"], o["status"]) for t, o in by_title.items()] == [
        ("Schoolvis", 1, 60 * K, "funded"),
        ("Le Petit Botanique", 2, 40 * K, "partially-funded"),
        ("Schilder je dak waterdicht", 3, 0, "not-funded"),
        ("Druk-Werk, Sociaal Werk", None, 0, "excluded"),
    ]
    assert "(4,00 < 5,00)" in by_title["Druk-Werk, Sociaal Werk"]["steps"][0]
    assert "Gedeeltelijk toegekend" in by_title["Le Petit Botanique"]["steps"][-1]
    assert ranking.json()["tie_break_rule"][0] == \
        "Bij gelijk gewogen totaal gaat voor: de hoogste score op criterium 1 (Innovatie)."

    scenario = httpx.post(world.url(f"/calls/{world.call_id}/ranking/scenarios"), headers=world.as_("call-manager"),
                          json={"budget_cents": 150 * K, "thresholds": [{"position": 1, "min_threshold": None}]})
    assert scenario.status_code == 200, scenario.text
    assert {t: o["amount_cents"] for t, o in outcomes(scenario.json()).items()} == {
        "Schoolvis": 60 * K, "Le Petit Botanique": 50 * K, "Schilder je dak waterdicht": 30 * K,
        "Druk-Werk, Sociaal Werk": 10 * K}  # 10k left is 50 % of its 20k: partially funded
    assert httpx.get(world.url(f"/calls/{world.call_id}/ranking/proposal"),
                     headers=world.as_("call-manager")).status_code == 404
    assert httpx.get(world.url(f"/calls/{world.call_id}/ranking"), headers=world.as_("juror")).status_code == 403


async def test_fixing_the_proposal_stores_its_inputs_and_results_and_is_audited(world: World) -> None:
    fixed = httpx.post(world.url(f"/calls/{world.call_id}/ranking/proposal"), headers=world.as_("call-manager"),
                       json={"reasons": "voorstel volgens het reglement"})
    assert fixed.status_code == 201, fixed.text
    body = fixed.json()
    assert body["fixed_by"] == "call-manager" and body["inputs"]["budget_cents"] == 100 * K
    assert body["ranking"]["awarded_cents"] == 100 * K
    again = httpx.get(world.url(f"/calls/{world.call_id}/ranking/proposal"), headers=world.as_("call-manager"))
    assert again.json()["id"] == body["id"]
    async with world.app_db.transaction(TENANT) as session:
        entries = (await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "call", AuditEntry.entity_id == str(world.call_id),
            AuditEntry.action == "proposal.fixed"))).all()
    assert [e.after["proposal_id"] for e in entries] == [body["id"]]
    assert entries[0].reasons == "voorstel volgens het reglement" and entries[0].actor == "call-manager"


async def test_the_decision_sets_every_status_and_publishes_its_events(world: World, platform) -> None:
    decided = decide(world, today())
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert (body["awarded"], body["rejected"], body["awarded_cents"]) == (2, 3, 100 * K)
    ineligible = next(line for line in body["lines"] if line["application_id"] == str(world.apps[INELIGIBLE]))
    assert ineligible["outcome"] == "rejected"
    assert "de verplichte bijlage 'begroting' ontbreekt" in ineligible["reasons"][0]

    async with world.app_db.transaction(TENANT) as session:
        statuses = {a.title: a.status for a in (await session.scalars(
            select(Application).where(Application.call_id == world.call_id))).all()}
        call = await session.scalar(select(Call).where(Call.id == world.call_id))
        audited = (await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "application", AuditEntry.entity_id == str(world.apps["Schoolvis"]),
            AuditEntry.action == "application.awarded"))).all()
    assert statuses == {"Schoolvis": "awarded", "Le Petit Botanique": "awarded",
                        "Schilder je dak waterdicht": "rejected",
                        "Druk-Werk, Sociaal Werk": "rejected", INELIGIBLE: "rejected"}
    assert call.status == "decided" and call.decided_at is not None
    assert audited[0].before == {"status": "eligible"} and audited[0].after["amount_cents"] == 60 * K

    nats_url = platform.config.nats_url  # the stack's admin user (the services have their own)
    events = await stream_events(nats_url, f"grants.{TENANT}.application.*", "decision_id", body["id"], at_least=5)
    kinds = sorted(e["type"].split(".")[-2] for e in events)
    assert kinds == ["awarded", "awarded", "rejected", "rejected", "rejected"]
    awarded = next(e for e in events if e["application_id"] == str(world.apps["Le Petit Botanique"]))
    assert awarded["amount_cents"] == 40 * K
    assert not any("@" in str(event) for event in events)  # no address travels: the notice reads the application's
    published = await stream_events(nats_url, f"grants.{TENANT}.decision.published", "decision_id", body["id"])
    assert published[0]["reference"] == world.reference and published[0]["awarded_cents"] == 100 * K


def test_a_retried_decision_returns_the_same_one_and_another_reference_is_refused(world: World) -> None:
    first = httpx.get(world.url(f"/calls/{world.call_id}/decision"), headers=world.as_("call-manager")).json()
    retried = decide(world, today())
    assert retried.status_code == 200 and retried.json() == first  # nothing new was created
    other = decide(world, today(), reference="ANDERE-REF")
    assert other.status_code == 409 and world.reference in other.json()["detail"]


def test_the_letter_is_a_dutch_pdf_for_the_applicant_co_applicants_and_managers_only(world: World) -> None:
    path = f"/applications/{world.apps['Le Petit Botanique']}/letter"
    letter = httpx.get(world.url(path), headers=world.as_("applicant"))
    assert letter.status_code == 200, letter.text
    assert letter.headers["content-type"] == "application/pdf"
    pdf = letter.content
    assert pdf.startswith(b"%PDF-") and world.reference.encode() in pdf
    for text in ("Provincie Vlaams-Brabant", "Innovatie", "Consensus van de jury", "Beroep",
                 "Provincieraadsbesluiten van 25 mei 2016"):
        assert text.encode() in pdf, text
    assert b"Consensus van de jury: Na bespreking:" in pdf  # the minutes, wrapped in the table cell
    assert httpx.get(world.url(path), headers=world.as_("call-manager")).status_code == 200
    assert httpx.get(world.url(path), headers=world.as_("juror")).status_code == 403
    # "partner" is a user of another organisation: not involved in this application
    assert httpx.get(world.url(path), headers=world.as_("partner")).status_code == 404


async def test_the_applicant_receives_an_email_with_the_letter_attached_and_a_notice(world: World,
                                                                                     stack_config) -> None:
    wanted = "Beslissing over uw aanvraag «Schoolvis»"
    found = None
    for _ in range(50):
        for path in sorted(mail_dir(stack_config).glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if not str(message["Subject"]).startswith(wanted):
                continue
            if world.reference in message.get_body(("plain",)).get_content():
                found = message
        if found is not None:
            break
        await asyncio.sleep(0.2)
    assert found is not None, "no e-mail in the sink"
    assert found["To"] == f"applicant@{TENANT}.regie.test"
    assert "toegekend: € 60.000,00" in str(found["Subject"])
    attachments = list(found.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert attachments[0].get_content().startswith(b"%PDF-")
    notices = httpx.get(world.url("/notices"), headers=world.as_("applicant")).json()
    mine = [n for n in notices if n["link"].endswith(f"/applications/{world.apps['Schoolvis']}/letter")]
    assert len(mine) == 1 and mine[0]["title"].startswith(wanted)


def test_only_call_managers_decide_and_only_on_a_call_that_exists(world: World, platform) -> None:
    unknown = decide(world, today(), reference="X", call_id=world.apps["Schoolvis"])
    assert unknown.status_code == 404
    applicant = decide(world, today(), reference="X", user="applicant")
    assert applicant.status_code == 403


async def test_a_notice_names_the_application_as_its_contact_and_the_mailer_reads_the_address_there(
        world: World, platform) -> None:
    """The decision's notice event carries `application/<id>`, not the address: grants reads the address on the
    application when it mails, in the province of the notice only."""
    app = world.apps["Schoolvis"]
    wanted = [contacts.of_application(app), "ouder-bericht@voorbeeld.test", "application/geen-id",
              contacts.of_application(uuid.uuid4()), "geen adres"]
    async with world.app_db.transaction(TENANT) as session:
        found = await contacts.addresses(session, TENANT, wanted)
    async with world.app_db.transaction("limburg") as session:
        elsewhere = await contacts.addresses(session, "limburg", [contacts.of_application(app)])
    assert found == sorted([f"applicant@{TENANT}.regie.test", "ouder-bericht@voorbeeld.test"])
    assert elsewhere == []
    events = await stream_events(platform.config.nats_url, f"grants.{TENANT}.notice.raised", "link",
                                 f"/{TENANT}/api/grants/applications/{app}/letter")
    assert [event["contacts"] for event in events] == [[contacts.of_application(app)]]
