"""Realisations through the partners API: a partner of the plan enters a value and a narrative for an entered
indicator and a year of the plan, with evidence in object storage; a coordinator approves or sends back with
reasons (If-Match on both: 428 without, 412 when stale); a sent-back one is corrected and submitted again.
Refused: a year outside the plan, a counted indicator, a plan not signed, a second one for the year, a partner
not party to the plan; bad input changes nothing. Races: two coordinators approving at once, a correction
against an approval."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.partners.api.facts_world import PDF, World, plan_in
from tests.support import EICAR_SIGNATURE, infected_pdf

TENANT = "limburg"
PLACES, CLIENTS, TONNES = "Extra plaatsen sociale economie", "Trajecten art. 60", "Ton voedsel geleverd"


@pytest.fixture
def world(platform, partners_url: str, tokens) -> World:  # type: ignore[no-untyped-def]
    return plan_in(World(partners_url, TENANT, tokens))


def realisations_of(world: World, name: str) -> str:
    return world.url(f"/indicators/{world.indicators[name]}/realisations")


def submit(world: World, name: str = PLACES, user: str = "partner", **body: Any) -> httpx.Response:
    return httpx.post(realisations_of(world, name), headers=world.as_(user),
                      json={"year": 2026, "value": "185", "narrative": "185 plaatsen ingevuld.", **body})


def audit_actions(world: World, realisation_id: str) -> list[dict[str, Any]]:
    trail = httpx.get(world.url("/audit"), headers=world.as_("coordinator"),
                      params={"entity": "realisation", "entity_id": realisation_id})
    assert trail.status_code == 200, trail.text
    return list(trail.json())


def test_a_partner_submits_and_a_coordinator_approves_with_if_match_and_an_audit_trail(world: World) -> None:
    submitted = submit(world)
    assert submitted.status_code == 201, submitted.text
    body = submitted.json()
    assert submitted.headers["etag"] == '"1"'
    assert (body["value"], body["status"], body["status_label"]) == ("185.000", "submitted", "ingediend")
    assert body["organisation_id"] == world.organisation_id and body["indicator_name"] == PLACES
    approve = world.url(f"/realisations/{body['id']}/approve")
    missing = httpx.post(approve, headers=world.as_("coordinator"))
    assert missing.status_code == 428, missing.text
    stale = httpx.post(approve, headers=world.as_("coordinator", **{"If-Match": '"7"'}))
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    assert httpx.post(approve, headers=world.as_("partner", **{"If-Match": '"1"'})).status_code == 403
    approved = httpx.post(approve, headers=world.as_("coordinator", **{"If-Match": '"1"'}))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "coordinator"
    assert approved.headers["etag"] == '"2"'
    again = submit(world, value="190")
    assert again.status_code == 409 and "al goedgekeurd" in again.json()["detail"]
    corrected = httpx.put(world.url(f"/realisations/{body['id']}"), headers=world.as_("partner", **{"If-Match": '"2"'}),
                          json={"value": "1"})
    assert corrected.status_code == 409, corrected.text
    actions = [e["action"] for e in audit_actions(world, body["id"])]
    assert actions == ["realisation.submitted", "realisation.approved"]
    read = httpx.get(world.url(f"/realisations/{body['id']}"), headers=world.as_("partner"))
    assert read.json()["value"] == "185.000" and read.json()["status"] == "approved"


def test_a_coordinator_may_enter_one_too(world: World) -> None:
    entered = submit(world, CLIENTS, user="coordinator", value="108,5")
    assert entered.status_code == 201, entered.text
    assert entered.json()["value"] == "108.500" and entered.json()["organisation_id"] is None


@pytest.mark.parametrize("name,body,status,field,words", [
    (PLACES, {"year": 2031}, 422, "year", "buiten de looptijd"),
    (PLACES, {"year": 2024}, 422, "year", "buiten de looptijd"),
    (TONNES, {}, 422, "indicator", "wordt geteld uit gebeurtenissen"),
    (PLACES, {"value": "veel"}, 422, "value", "geen getal"),
    (PLACES, {"value": "1.2345"}, 422, "value", "drie cijfers"),
])
def test_bad_input_is_refused_in_dutch_and_changes_nothing(world: World, name: str, body: dict[str, Any],
                                                           status: int, field: str, words: str) -> None:
    refused = submit(world, name, **body)
    assert refused.status_code == status, refused.text
    problem = refused.json()
    assert words in problem["detail"] and problem.get("field") == field
    listed = httpx.get(world.url("/realisations"), headers=world.as_("coordinator"),
                       params={"plan_id": world.plan_id})
    assert listed.json()["items"] == []


def test_an_unknown_field_is_refused(world: World) -> None:
    assert submit(world, period="2026").status_code == 400


def test_a_partner_not_party_to_the_plan_may_neither_enter_nor_read(world: World) -> None:
    assert submit(world, user="partner2").status_code == 403
    mine = submit(world)
    assert mine.status_code == 201
    assert httpx.get(world.url(f"/realisations/{mine.json()['id']}"), headers=world.as_("partner2")).status_code == 403
    assert httpx.get(world.url("/realisations"), headers=world.as_("partner2"),
                     params={"plan_id": world.plan_id}).status_code == 403
    theirs = httpx.get(world.url("/realisations"), headers=world.as_("partner2"))
    assert mine.json()["id"] not in {r["id"] for r in theirs.json()["items"]}
    assert httpx.get(world.url("/realisations"), headers=world.as_("applicant")).status_code == 403


def test_a_plan_not_signed_takes_no_realisations(platform, partners_url: str, tokens) -> None:  # type: ignore[no-untyped-def]
    draft = plan_in(World(partners_url, TENANT, tokens), status="negotiating")
    refused = submit(draft)
    assert refused.status_code == 409 and "ondertekende of lopende" in refused.json()["detail"]


def test_sent_back_with_reasons_then_corrected_and_submitted_again(world: World) -> None:
    first = submit(world, CLIENTS, value="90")
    realisation = world.url(f"/realisations/{first.json()['id']}")
    no_reasons = httpx.post(f"{realisation}/send-back", headers=world.as_("coordinator", **{"If-Match": '"1"'}),
                            json={"reasons": "  "})
    assert no_reasons.status_code == 422 and no_reasons.json()["field"] == "reasons"
    sent_back = httpx.post(f"{realisation}/send-back", headers=world.as_("coordinator", **{"If-Match": '"1"'}),
                           json={"reasons": "Het bewijsstuk ontbreekt."})
    assert sent_back.status_code == 200, sent_back.text
    assert sent_back.json()["status"] == "sent-back" and sent_back.json()["reasons"] == "Het bewijsstuk ontbreekt."
    assert httpx.post(f"{realisation}/approve",
                      headers=world.as_("coordinator", **{"If-Match": '"2"'})).status_code == 409
    seen = httpx.get(realisation, headers=world.as_("partner"))
    assert seen.json()["reasons"] == "Het bewijsstuk ontbreekt."
    assert httpx.put(realisation, headers=world.as_("partner"), json={"value": "96"}).status_code == 428
    corrected = httpx.put(realisation, headers=world.as_("partner", **{"If-Match": seen.headers["etag"]}),
                          json={"value": "96", "narrative": "Met de lijst van de OCMW's."})
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["status"], corrected.json()["value"], corrected.json()["reasons"]) == \
        ("submitted", "96.000", "")
    to_review = httpx.get(world.url("/realisations"), headers=world.as_("coordinator"),
                          params={"status": "submitted", "plan_id": world.plan_id, "year": 2026})
    assert [r["id"] for r in to_review.json()["items"]] == [first.json()["id"]]
    approved = httpx.post(f"{realisation}/approve",
                          headers=world.as_("coordinator", **{"If-Match": corrected.headers["etag"]}))
    assert approved.status_code == 200 and approved.json()["value"] == "96.000"
    trail = audit_actions(world, first.json()["id"])
    assert [e["action"] for e in trail] == ["realisation.submitted", "realisation.sent-back",
                                            "realisation.submitted", "realisation.approved"]
    assert trail[1]["reasons"] == "Het bewijsstuk ontbreekt."


def test_evidence_is_stored_with_its_hash_and_read_back_by_the_plan_s_people(world: World) -> None:
    realisation = world.url(f"/realisations/{submit(world).json()['id']}")
    uploaded = httpx.post(f"{realisation}/evidence", params={"filename": "aanwezigheidslijst.pdf"}, content=PDF,
                          headers=world.as_("partner", **{"Content-Type": "application/pdf"}))
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["sha256"] == hashlib.sha256(PDF).hexdigest() and evidence["size"] == len(PDF)
    wrong = httpx.post(f"{realisation}/evidence", params={"filename": "lijst.pdf"}, content=b"MZ\x90\x00\x03binary",
                       headers=world.as_("partner", **{"Content-Type": "application/pdf"}))
    assert wrong.status_code == 415
    infected = httpx.post(f"{realisation}/evidence", params={"filename": "lijst.pdf"}, content=infected_pdf(),
                          headers=world.as_("partner", **{"Content-Type": "application/pdf"}))
    assert infected.status_code == 422 and infected.json()["signature"] == EICAR_SIGNATURE
    outsider = httpx.post(f"{realisation}/evidence", params={"filename": "x.pdf"}, content=PDF,
                          headers=world.as_("partner2", **{"Content-Type": "application/pdf"}))
    assert outsider.status_code == 403
    listed = httpx.get(f"{realisation}/evidence", headers=world.as_("coordinator"))
    assert [e["id"] for e in listed.json()] == [evidence["id"]]
    for user in ("coordinator", "partner"):
        download = httpx.get(f"{realisation}/evidence/{evidence['id']}", headers=world.as_(user))
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["x-content-sha256"] == evidence["sha256"]
    assert httpx.get(f"{realisation}/evidence/{evidence['id']}", headers=world.as_("partner2")).status_code == 403
    shown = httpx.get(realisation, headers=world.as_("coordinator")).json()
    assert [e["file_name"] for e in shown["evidence"]] == ["aanwezigheidslijst.pdf"]
    assert httpx.post(f"{realisation}/approve", headers=world.as_("coordinator", **{"If-Match": '"1"'})).is_success
    late = httpx.post(f"{realisation}/evidence", params={"filename": "laat.pdf"}, content=PDF,
                      headers=world.as_("partner", **{"Content-Type": "application/pdf"}))
    assert late.status_code == 409


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """The calls started together (a barrier), each on its own thread."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


def test_two_coordinators_approving_at_once_one_wins(world: World) -> None:
    realisation = world.url(f"/realisations/{submit(world).json()['id']}")
    headers = {u: world.as_(u, **{"If-Match": '"1"'}) for u in ("coordinator", "province-admin")}
    answers = at_once(*(lambda h=h: httpx.post(f"{realisation}/approve", headers=h) for h in headers.values()))
    assert sorted(a.status_code for a in answers)[0] == 200
    assert sorted(a.status_code for a in answers)[1] in (409, 412)
    winner = next(a for a in answers if a.status_code == 200)
    final = httpx.get(realisation, headers=world.as_("coordinator")).json()
    assert final["decided_by"] == winner.json()["decided_by"] and final["version"] == 2
    assert [e["action"] for e in audit_actions(world, final["id"])].count("realisation.approved") == 1


def test_a_correction_racing_an_approval_never_both_apply(world: World) -> None:
    realisation = world.url(f"/realisations/{submit(world, CLIENTS, value='100').json()['id']}")
    answers = at_once(
        lambda: httpx.put(realisation, headers=world.as_("partner", **{"If-Match": '"1"'}), json={"value": "101"}),
        lambda: httpx.post(f"{realisation}/approve", headers=world.as_("coordinator", **{"If-Match": '"1"'})))
    correction, approval = answers
    assert sorted([correction.status_code, approval.status_code])[0] == 200
    assert sorted([correction.status_code, approval.status_code])[1] in (409, 412)
    final = httpx.get(realisation, headers=world.as_("coordinator")).json()
    if approval.status_code == 200:
        assert (final["status"], final["value"]) == ("approved", "100.000")
    else:
        assert (final["status"], final["value"]) == ("submitted", "101.000")


# --- the portal pages (served by partners; the gateway forwards the token and the session's CSRF token) ---

CSRF = "csrf-for-the-test"


def page_headers(world: World, user: str) -> dict[str, str]:
    return world.as_(user, **{"x-csrf-token": CSRF})


def test_a_partner_enters_a_realisation_with_evidence_on_its_page_and_a_coordinator_approves_it(world: World) -> None:
    mine = httpx.get(world.url("/partner/realisaties/"), headers=page_headers(world, "partner"))
    assert mine.status_code == 200 and f"/partner/realisaties/{world.plan_id}" in mine.text
    plan_page = world.url(f"/partner/realisaties/{world.plan_id}")
    shown = httpx.get(plan_page, headers=page_headers(world, "partner"))
    assert shown.status_code == 200 and PLACES in shown.text and "Geteld uit gebeurtenissen" in shown.text
    indicator = world.indicators[PLACES]
    post = f"{plan_page}/indicatoren/{indicator}"
    refused = httpx.post(post, headers=page_headers(world, "partner"),
                         data={"_csrf": CSRF, "year": "2026", "value": "veel", "narrative": "Bijna."},
                         files={"file": ("lijst.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422 and "geen getal" in refused.text and "Bijna." in refused.text
    assert httpx.get(realisations_of(world, PLACES), headers=world.as_("partner")).json() == []
    forged = httpx.post(post, headers=page_headers(world, "partner"),
                        data={"_csrf": "other", "year": "2026", "value": "12"},
                        files={"file": ("lijst.pdf", PDF, "application/pdf")})
    assert forged.status_code == 403
    entered = httpx.post(post, headers=page_headers(world, "partner"),
                         data={"_csrf": CSRF, "year": "2026", "value": "187,5", "narrative": "Met de lijst."},
                         files={"file": ("aanwezigheidslijst.pdf", PDF, "application/pdf")})
    assert entered.status_code in (302, 303), entered.text
    [realisation] = httpx.get(realisations_of(world, PLACES), headers=world.as_("partner")).json()
    assert (realisation["value"], realisation["status"]) == ("187.500", "submitted")
    assert [e["sha256"] for e in realisation["evidence"]] == [hashlib.sha256(PDF).hexdigest()]

    review = httpx.get(world.url("/samenwerking/realisaties/"), headers=page_headers(world, "coordinator"))
    assert review.status_code == 200 and f'id="r-{realisation["id"]}"' in review.text and "187,5" in review.text
    evidence = realisation["evidence"][0]["id"]
    link = f"/samenwerking/realisaties/bewijs/{realisation['id']}/{evidence}"
    assert link in review.text
    assert httpx.get(world.url(link), headers=page_headers(world, "coordinator")).content == PDF
    assert httpx.get(world.url("/samenwerking/realisaties/"), headers=page_headers(world, "partner")).status_code == 403
    no_reasons = httpx.post(world.url(f"/samenwerking/realisaties/{realisation['id']}/terugsturen"),
                            headers=page_headers(world, "coordinator"),
                            data={"_csrf": CSRF, "version": "1", "reasons": ""})
    assert no_reasons.status_code == 422 and "redenen" in no_reasons.text
    approved = httpx.post(world.url(f"/samenwerking/realisaties/{realisation['id']}/goedkeuren"),
                          headers=page_headers(world, "coordinator"), data={"_csrf": CSRF, "version": "1"})
    assert approved.status_code in (302, 303), approved.text
    after = httpx.get(world.url(f"/realisations/{realisation['id']}"), headers=world.as_("partner")).json()
    assert after["status"] == "approved"
    assert "goedgekeurd" in httpx.get(plan_page, headers=page_headers(world, "partner")).text


def test_a_sent_back_realisation_shows_its_reasons_and_is_corrected_on_the_partner_s_page(world: World) -> None:
    realisation = submit(world, CLIENTS, value="90").json()
    sent_back = httpx.post(world.url(f"/samenwerking/realisaties/{realisation['id']}/terugsturen"),
                           headers=page_headers(world, "coordinator"),
                           data={"_csrf": CSRF, "version": "1", "reasons": "De lijst van het OCMW ontbreekt."})
    assert sent_back.status_code in (302, 303), sent_back.text
    plan_page = world.url(f"/partner/realisaties/{world.plan_id}")
    shown = httpx.get(plan_page, headers=page_headers(world, "partner"))
    assert "teruggestuurd" in shown.text and "De lijst van het OCMW ontbreekt." in shown.text
    fix = f"{plan_page}/realisaties/{realisation['id']}"
    stale = httpx.post(fix, headers=page_headers(world, "partner"), data={"_csrf": CSRF, "version": "1", "value": "95"},
                       files={"file": ("", b"", "application/octet-stream")})
    assert stale.status_code == 412 and 'value="95"' in stale.text
    corrected = httpx.post(fix, headers=page_headers(world, "partner"),
                           data={"_csrf": CSRF, "version": "2", "value": "96", "narrative": "Met de lijst."},
                           files={"file": ("lijst.pdf", PDF, "application/pdf")})
    assert corrected.status_code in (302, 303), corrected.text
    after = httpx.get(world.url(f"/realisations/{realisation['id']}"), headers=world.as_("coordinator")).json()
    assert (after["status"], after["value"], len(after["evidence"])) == ("submitted", "96.000", 1)


def test_a_retried_entry_with_its_idempotency_key_gets_the_first_answer_and_enters_nothing_twice(
        world: World) -> None:
    """A partner's phone loses the answer and sends again, even both at once: one realisation, the same answer."""
    key = {"Idempotency-Key": f"realisatie-{world.plan_id}"}
    body = {"year": 2026, "value": "42", "narrative": "Opnieuw verstuurd na een onderbroken verbinding."}
    first, second = at_once(*(lambda: httpx.post(realisations_of(world, PLACES), json=body,
                                                 headers=world.as_("partner", **key)) for _ in range(2)))
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["id"] == second.json()["id"] and first.headers["etag"] == second.headers["etag"]
    listed = httpx.get(realisations_of(world, PLACES), headers=world.as_("coordinator")).json()
    assert [r["id"] for r in listed if r["year"] == 2026] == [first.json()["id"]]
    other = httpx.post(realisations_of(world, PLACES), json={**body, "value": "43"},
                       headers=world.as_("partner", **key))
    assert other.status_code == 422 and "Idempotency-Key" in other.text
    assert [e["action"] for e in audit_actions(world, first.json()["id"])] == ["realisation.submitted"]
