"""Applications through the real grants process: a draft with a co-applicant who confirms, uploads with
their checks, submission that freezes a snapshot (idempotent, exact to the second at the deadline),
withdrawal, who may see what, the automatic and manual screening with its audit trail, and the events."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from devstack.realms import enterprise_number
from shared.problems import TYPE_PREFIX
from tests.grants.api.test_calls_api import bearer, published_call, stream_events

TENANT = "vlaams-brabant"
PDF = b"%PDF-1.4\n% begroting\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def canonical_hash(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


@pytest.fixture(scope="module")
def partner_number(platform, tokens) -> str:
    """The demo partner's organisation, registered in partners as a maatwerkbedrijf and known to grants."""
    number = enterprise_number(TENANT, "partner")
    registered = httpx.post(f"{platform.url('partners')}/{TENANT}/organisations",
                            headers=bearer(tokens(TENANT, "coordinator")),
                            json={"enterprise_number": number, "name": "Atelier Zuid maatwerk",
                                  "kind": "maatwerkbedrijf", "municipality": "Leuven"})
    assert registered.status_code in (201, 409), registered.text  # 409: a kept stack of an earlier run
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        known = httpx.get(f"{platform.url('grants')}/{TENANT}/registry/organisations", params={"limit": 500},
                          headers=bearer(tokens(TENANT, "call-manager"))).json()
        if any(o["enterprise_number"] == number for o in known):
            return number
        time.sleep(0.1)
    raise AssertionError("the partner never reached grants' read model")


@pytest.fixture(scope="module")
def partner_name(platform, tokens, partner_number: str) -> str:
    """The name grants' read model holds for it: ours, or the one an earlier registration (demo data, a kept
    stack) gave it."""
    known = httpx.get(f"{platform.url('grants')}/{TENANT}/registry/organisations", params={"limit": 500},
                      headers=bearer(tokens(TENANT, "call-manager"))).json()
    return next(o["name"] for o in known if o["enterprise_number"] == partner_number)


def seen(url: str, token: str, **headers: str) -> dict[str, str]:
    """The token with If-Match: the version of the application as it reads now (what the writer saw)."""
    read = httpx.get(url, headers=bearer(token))
    assert read.status_code == 200, read.text
    return bearer(token, **{"If-Match": read.headers["etag"], **headers})


def draft(grants: str, token: str, call_id: str, **changes) -> dict:
    body = {"title": "Schoolvis", "summary": "Aquaponics naast de boerderij.", "requested_cents": 4_000_000,
            "total_cost_cents": 5_000_000, "duration_months": 18, "applicant_name": "Agrado VOF",
            "budget_lines": [{"description": "Installatie", "amount_cents": 5_000_000}], **changes}
    created = httpx.post(f"{grants}/{TENANT}/calls/{call_id}/applications", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_draft_with_a_confirmed_partner_and_an_attachment_is_submitted_once_and_frozen(
        platform, tokens, stack_config, partner_number, partner_name) -> None:
    grants = platform.url("grants")
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    application = draft(grants, applicant, call["id"])
    url = f"{grants}/{TENANT}/applications/{application['id']}"
    assert application["status"] == "draft"
    assert application["applicant_enterprise_number"] == enterprise_number(TENANT, "applicant")

    itself = httpx.post(f"{url}/co-applicants", headers=seen(url, applicant), json={
        "enterprise_number": application["applicant_enterprise_number"], "role": "regular-enterprise", "name": "X"})
    assert itself.status_code == 422
    invalid = httpx.post(f"{url}/co-applicants", headers=seen(url, applicant), json={
        "enterprise_number": "0123.456.748", "role": "regular-enterprise", "name": "X"})
    assert invalid.status_code == 422 and "controlegetal" in invalid.json()["detail"]
    formatted = f"BE{partner_number[:4]}.{partner_number[4:7]}.{partner_number[7:]}"
    added = httpx.post(f"{url}/co-applicants", headers=seen(url, applicant),
                       json={"enterprise_number": formatted, "role": "social-economy-enterprise"})
    assert added.status_code == 201, added.text
    assert added.json()["co_applicants"][0]["name"] == partner_name  # from the read model

    unconfirmed = httpx.post(f"{url}/submit", headers=seen(url, applicant))
    assert unconfirmed.status_code == 409 and partner_name in unconfirmed.json()["detail"]

    mine = httpx.get(f"{grants}/{TENANT}/co-applications", headers=bearer(partner)).json()["items"]
    assert application["id"] in {a["id"] for a in mine}
    assert httpx.post(f"{url}/co-applicants/{partner_number}/confirm",
                      headers=seen(url, applicant)).status_code == 403  # the lead cannot confirm for its partner
    confirmed = httpx.post(f"{url}/co-applicants/{partner_number}/confirm", headers=seen(url, partner))
    assert confirmed.status_code == 200 and confirmed.json()["co_applicants"][0]["confirmed_by"] == "partner"

    # a change of what the partner agreed to asks for its confirmation again
    changed = httpx.patch(url, headers=bearer(applicant, **{"If-Match": confirmed.headers["etag"]}),
                          json={"requested_cents": 3_900_000})
    assert changed.status_code == 200 and changed.json()["co_applicants"][0]["confirmed"] is False
    stale = httpx.patch(url, headers=bearer(applicant, **{"If-Match": confirmed.headers["etag"]}),
                        json={"title": "Oud"})
    assert stale.status_code == 412
    reconfirmed = httpx.post(f"{url}/co-applicants/{partner_number}/confirm", headers=seen(url, partner))
    assert reconfirmed.status_code == 200
    confirmed_at = datetime.fromisoformat(reconfirmed.json()["co_applicants"][0]["confirmed_at"])

    upload = f"{url}/attachments"
    too_big = httpx.post(upload, params={"code": "begroting", "filename": "begroting.pdf"},
                         content=PDF + b"0" * 4096, headers=bearer(applicant, **{"Content-Type": "application/pdf"}))
    assert too_big.status_code == 413 and too_big.json()["type"] == TYPE_PREFIX + "payload-too-large"
    disguised = httpx.post(upload, params={"code": "begroting", "filename": "begroting.pdf"}, content=PNG,
                           headers=bearer(applicant, **{"Content-Type": "application/pdf"}))
    assert disguised.status_code == 415 and "image/png" in disguised.json()["detail"]
    wrong_type = httpx.post(upload, params={"code": "begroting", "filename": "foto.png"}, content=PNG,
                            headers=bearer(applicant, **{"Content-Type": "image/png"}))
    assert wrong_type.status_code == 415
    headers = bearer(applicant, **{"Content-Type": "application/pdf", "Idempotency-Key": "begroting-1"})
    stored = httpx.post(upload, params={"code": "begroting", "filename": "begroting.pdf"}, content=PDF,
                        headers=headers)
    assert stored.status_code == 201, stored.text
    assert stored.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    retried = httpx.post(upload, params={"code": "begroting", "filename": "begroting.pdf"}, content=PDF,
                         headers=headers)
    assert retried.status_code == 200 and retried.json()["id"] == stored.json()["id"]
    downloaded = httpx.get(f"{upload}/{stored.json()['id']}", headers=bearer(partner))
    assert downloaded.status_code == 200 and downloaded.content == PDF

    submitted = httpx.post(f"{url}/submit",  # a key is the client's, once per request it means
                           headers=seen(url, applicant, **{"Idempotency-Key": f"submit-{application['id']}"}))
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "submitted" and body["warnings"] == []
    assert body["content_hash"] == canonical_hash(body["snapshot"])
    assert body["snapshot"]["requested_cents"] == 3_900_000
    assert body["snapshot"]["co_applicants"][0]["confirmed_by"] == "partner"
    assert datetime.fromisoformat(body["snapshot"]["co_applicants"][0]["confirmed_at"]) == confirmed_at
    assert body["snapshot"]["attachments"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert len(body["snapshot"]["attachments"]) == 1

    again = httpx.post(f"{url}/submit", headers=seen(url, applicant))
    assert again.status_code == 200
    assert (again.json()["snapshot"], again.json()["content_hash"], again.json()["submitted_at"]) == (
        body["snapshot"], body["content_hash"], body["submitted_at"])
    assert httpx.patch(url, headers=seen(url, applicant), json={"requested_cents": 1}).status_code == 409
    assert httpx.post(upload, params={"code": "begroting", "filename": "laat.pdf"}, content=PDF,
                      headers=bearer(applicant, **{"Content-Type": "application/pdf"})).status_code == 409
    assert httpx.delete(f"{url}/co-applicants/{partner_number}", headers=seen(url, applicant)).status_code == 409
    later = httpx.get(url, headers=bearer(applicant)).json()
    assert later["snapshot"] == body["snapshot"] and later["content_hash"] == body["content_hash"]
    assert later["requested_cents"] == 3_900_000

    events = await stream_events(stack_config.nats_url, f"grants.{TENANT}.application.submitted",
                                 "application_id", application["id"])
    await asyncio.sleep(0.5)  # a second event, were there one, would have been relayed by now
    events = await stream_events(stack_config.nats_url, f"grants.{TENANT}.application.submitted",
                                 "application_id", application["id"])
    assert len(events) == 1
    assert events[0]["content_hash"] == body["content_hash"]
    assert events[0]["co_applicant_enterprise_numbers"] == [partner_number]

    screening = httpx.get(f"{url}/screening", headers=bearer(tokens(TENANT, "call-manager"))).json()
    assert screening["automatic_passed"] is True and screening["result"] is None
    assert {c["code"] for c in screening["checks"]} == {"required_attachments", "maximum_per_project",
                                                        "cofinancing", "min_coapplicants",
                                                        "social_economy_coapplicant"}

    withdrawn = httpx.post(f"{url}/withdraw", headers=bearer(applicant), json={"reason": "Project uitgesteld"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["snapshot"] == body["snapshot"]
    gone = await stream_events(stack_config.nats_url, f"grants.{TENANT}.application.withdrawn",
                               "application_id", application["id"])
    assert len(gone) == 1


async def test_submission_is_refused_from_the_deadline_on_to_the_second_and_the_call_closes_itself(
        platform, tokens, stack_config) -> None:
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    closes = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT, closes_at=closes,
                          eligibility={"min_coapplicants": 0}, required_attachments=[])
    early, late = (draft(grants, applicant, call["id"], title=t) for t in ("Op tijd", "Te laat"))
    async with httpx.AsyncClient(headers=bearer(applicant)) as http:
        await asyncio.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds() - 0.4))
        accepted = await http.post(f"{grants}/{TENANT}/applications/{early['id']}/submit",
                                   headers={"If-Match": f'"{early["version"]}"'})
        await asyncio.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds() + 0.05))
        refused = await http.post(f"{grants}/{TENANT}/applications/{late['id']}/submit",
                                  headers={"If-Match": f'"{late["version"]}"'})
    assert accepted.status_code == 200, accepted.text
    assert datetime.fromisoformat(accepted.json()["submitted_at"]) < closes
    assert refused.status_code == 409 and "verstreken" in refused.json()["detail"]
    assert datetime.fromisoformat(refused.json()["refused_at"]) >= closes
    manager = bearer(tokens(TENANT, "call-manager"))
    assert httpx.get(f"{grants}/{TENANT}/applications/{late['id']}", headers=bearer(applicant)).json()[
        "status"] == "draft"

    closed = await stream_events(stack_config.nats_url, f"grants.{TENANT}.call.closed", "call_id", call["id"])
    assert [e["submitted_applications"] for e in closed] == [1]
    # The refused one staged nothing: its event never reached the stream, the accepted one's did, once.
    assert await stream_events(stack_config.nats_url, f"grants.{TENANT}.application.submitted",
                               "application_id", late["id"]) == []
    assert len(await stream_events(stack_config.nats_url, f"grants.{TENANT}.application.submitted",
                                   "application_id", early["id"])) == 1
    assert httpx.get(f"{grants}/{TENANT}/calls/{call['id']}", headers=manager).json()["status"] == "closed"
    assert httpx.post(f"{grants}/{TENANT}/calls/{call['id']}/close", headers=manager).status_code == 200
    closed_call = httpx.get(f"{grants}/{TENANT}/calls/{call['id']}", headers=manager)
    review = httpx.post(f"{grants}/{TENANT}/calls/{call['id']}/start-review",
                        headers={**manager, "If-Match": closed_call.headers["etag"]})
    assert review.status_code == 200 and review.json()["status"] == "in-review"
    history = httpx.get(f"{grants}/{TENANT}/calls/{call['id']}/audit", headers=manager).json()
    assert [e["action"] for e in history] == ["call.published", "call.closed", "call.in-review"]
    assert history[1]["actor"] == "system"


def test_screening_finds_what_is_missing_and_the_call_managers_result_is_audited(
        platform, tokens, partner_number) -> None:
    grants = platform.url("grants")
    applicant, manager = tokens(TENANT, "applicant"), tokens(TENANT, "call-manager")
    call = published_call(grants, manager, tenant=TENANT)
    application = draft(grants, applicant, call["id"], requested_cents=6_000_000, total_cost_cents=6_500_000)
    url = f"{grants}/{TENANT}/applications/{application['id']}"
    regular = "0404.616.494"
    assert httpx.post(f"{url}/co-applicants", headers=seen(url, applicant), json={
        "enterprise_number": regular, "role": "regular-enterprise", "name": "Brouwerij Zuid"}).status_code == 201
    assert httpx.get(url, headers=bearer(manager)).status_code == 404  # a draft is the applicant's own
    assert httpx.post(f"{url}/submit", headers=seen(url, applicant)).status_code == 409  # not confirmed
    # the partner's organisation is not part of this application: it sees nothing of it
    assert httpx.get(url, headers=bearer(tokens(TENANT, "partner"))).status_code == 404
    assert httpx.get(url, headers=bearer(tokens(TENANT, "juror"))).status_code == 404
    assert httpx.get(f"{grants}/antwerpen/applications/{application['id']}",
                     headers=bearer(tokens("antwerpen", "applicant"))).status_code == 404
    assert httpx.get(url, headers=bearer(tokens("antwerpen", "applicant"))).status_code == 401

    remove = httpx.delete(f"{url}/co-applicants/{regular}", headers=seen(url, applicant))
    assert remove.status_code == 200 and remove.json()["co_applicants"] == []
    submitted = httpx.post(f"{url}/submit", headers=seen(url, applicant))
    assert submitted.status_code == 200, submitted.text
    warnings = " | ".join(submitted.json()["warnings"])
    assert "Gedetailleerde begroting" in warnings and "hoger dan het maximum" in warnings
    assert "80 %" in warnings and "minstens 1 mede-aanvrager" in warnings and "sociale-economie" in warnings

    screening = httpx.get(f"{url}/screening", headers=bearer(manager))
    assert screening.json()["automatic_passed"] is False
    failed = {c["code"] for c in screening.json()["checks"] if not c["passed"]}
    assert failed == {"required_attachments", "maximum_per_project", "cofinancing", "min_coapplicants",
                      "social_economy_coapplicant"}
    current = {"If-Match": screening.headers["etag"]}
    assert httpx.put(f"{url}/screening", headers=bearer(applicant, **current),
                     json={"result": "eligible"}).status_code == 403
    no_reasons = httpx.put(f"{url}/screening", headers=bearer(manager, **current), json={"result": "ineligible"})
    assert no_reasons.status_code == 422
    recorded = httpx.put(f"{url}/screening", headers=bearer(manager, **{"If-Match": screening.headers["etag"]}),
                         json={"result": "ineligible", "reasons": "Begroting ontbreekt; bedrag boven het maximum."})
    assert recorded.status_code == 200, recorded.text
    stale = httpx.put(f"{url}/screening", headers=bearer(manager, **{"If-Match": screening.headers["etag"]}),
                      json={"result": "eligible", "reasons": "toch"})
    assert stale.status_code == 412
    corrected = httpx.put(f"{url}/screening", headers=bearer(manager, **{"If-Match": recorded.headers["etag"]}),
                          json={"result": "eligible", "reasons": "Herzien na bezwaar."})
    assert corrected.status_code == 200
    assert httpx.get(url, headers=bearer(applicant)).json()["status"] == "eligible"
    assert httpx.get(f"{url}/screening", headers=bearer(applicant)).json()["reasons"] == "Herzien na bezwaar."

    history = httpx.get(f"{url}/audit", headers=bearer(manager)).json()
    assert [e["action"] for e in history] == ["application.submitted", "screening.automatic",
                                              "screening.recorded", "screening.recorded"]
    first, second = history[2], history[3]
    assert first["actor"] == "call-manager" and first["before"]["result"] is None
    assert first["after"]["result"] == "ineligible" and first["reasons"].startswith("Begroting ontbreekt")
    assert second["before"]["result"] == "ineligible" and second["after"]["result"] == "eligible"
    assert httpx.get(f"{url}/audit", headers=bearer(applicant)).status_code == 403


def test_listing_shows_my_organisation_and_call_managers_see_only_submitted_ones(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, manager = tokens(TENANT, "applicant"), tokens(TENANT, "call-manager")
    call = published_call(grants, manager, tenant=TENANT)
    drafted = draft(grants, applicant, call["id"], title="Nog in voorbereiding")
    mine = httpx.get(f"{grants}/{TENANT}/applications", params={"call_id": call["id"]}, headers=bearer(applicant))
    assert [a["id"] for a in mine.json()["items"]] == [drafted["id"]]
    managed = httpx.get(f"{grants}/{TENANT}/applications", params={"call_id": call["id"]}, headers=bearer(manager))
    assert managed.json()["items"] == []
    assert httpx.post(f"{grants}/{TENANT}/calls/{call['id']}/applications", json={"title": "x"},
                      headers=bearer(tokens(TENANT, "juror"))).status_code == 403
