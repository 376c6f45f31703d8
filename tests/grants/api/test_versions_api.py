"""Versions where people agree to something, and keyed retries, through the real grants process: every versioned
write needs If-Match (428 in Dutch without it), a co-applicant confirms and the lead submits the version they
saw (412 when it changed), the jury's composition and assignments carry their own version, and an
Idempotency-Key gives the first answer to the same request and 422 to another one."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from devstack.realms import enterprise_number
from shared.problems import TYPE_PREFIX
from tests.grants.api.test_calls_api import bearer, call_payload, published_call

TENANT = "limburg"
PDF = b"%PDF-1.4\n% begroting\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% een andere begroting\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def if_match(token: str, version: int | str, **headers: str) -> dict[str, str]:
    return bearer(token, **{"If-Match": f'"{version}"', **headers})


def draft_with_partner(grants: str, tokens) -> tuple[str, dict]:
    """A draft of the demo applicant on a fresh published call, with the demo partner's organisation as its
    co-applicant (not yet confirmed); (url, application)."""
    applicant = tokens(TENANT, "applicant")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    created = httpx.post(f"{grants}/{TENANT}/calls/{call['id']}/applications", headers=bearer(applicant), json={
        "title": "Fietsherstel met buurtwerkers", "summary": "Een fietsatelier in de wijk.",
        "requested_cents": 2_000_000, "total_cost_cents": 2_500_000, "duration_months": 12,
        "applicant_name": "Agrado VOF", "budget_lines": [{"description": "Atelier", "amount_cents": 2_500_000}]})
    assert created.status_code == 201, created.text
    url = f"{grants}/{TENANT}/applications/{created.json()['id']}"
    added = httpx.post(f"{url}/co-applicants", headers=if_match(applicant, created.json()["version"]), json={
        "enterprise_number": enterprise_number(TENANT, "partner"), "role": "social-economy-enterprise",
        "name": "Atelier Zuid maatwerk"})
    assert added.status_code == 201, added.text
    return url, added.json()


def test_a_versioned_write_without_if_match_is_refused_with_428_in_dutch(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, manager = tokens(TENANT, "applicant"), tokens(TENANT, "call-manager")
    url, application = draft_with_partner(grants, tokens)

    refused = httpx.patch(url, headers=bearer(applicant), json={"title": "Zonder versie"})
    assert refused.status_code == 428, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == TYPE_PREFIX + "precondition-required"
    assert "If-Match" in refused.json()["detail"] and "versie" in refused.json()["detail"]
    assert httpx.get(url, headers=bearer(applicant)).json()["title"] == application["title"]

    drafted = httpx.post(f"{grants}/{TENANT}/calls", headers=bearer(manager), json=call_payload())
    assert drafted.status_code == 201, drafted.text
    call_url = f"{grants}/{TENANT}/calls/{drafted.json()['id']}"
    assert httpx.patch(call_url, headers=bearer(manager), json={"title": "Nieuw"}).status_code == 428
    assert httpx.post(f"{call_url}/publish", headers=bearer(manager)).status_code == 428
    assert httpx.get(call_url, headers=bearer(manager)).json()["status"] == "draft"


def test_a_co_applicant_confirms_the_version_they_saw_and_a_draft_changed_since_gets_412(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    url, seen = draft_with_partner(grants, tokens)
    number = enterprise_number(TENANT, "partner")

    assert httpx.post(f"{url}/co-applicants/{number}/confirm", headers=bearer(partner)).status_code == 428
    changed = httpx.patch(url, headers=if_match(applicant, seen["version"]), json={"requested_cents": 1_900_000})
    assert changed.status_code == 200, changed.text
    stale = httpx.post(f"{url}/co-applicants/{number}/confirm", headers=if_match(partner, seen["version"]))
    assert stale.status_code == 412, stale.text
    assert httpx.get(url, headers=bearer(partner)).json()["co_applicants"][0]["confirmed"] is False

    confirmed = httpx.post(f"{url}/co-applicants/{number}/confirm",
                           headers=if_match(partner, changed.json()["version"]))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["co_applicants"][0]["confirmed"] is True
    # the confirmation is no new version of what was agreed to: the lead's view stays current
    assert confirmed.headers["etag"] == changed.headers["etag"]

    # a change of what the partner agreed to clears the confirmation again
    again = httpx.patch(url, headers=if_match(applicant, changed.json()["version"]), json={"title": "Fietsatelier"})
    assert again.status_code == 200 and again.json()["co_applicants"][0]["confirmed"] is False


def test_the_submission_carries_the_version_the_lead_saw(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    url, seen = draft_with_partner(grants, tokens)
    number = enterprise_number(TENANT, "partner")
    confirmed = httpx.post(f"{url}/co-applicants/{number}/confirm", headers=if_match(partner, seen["version"]))
    assert confirmed.status_code == 200, confirmed.text

    assert httpx.post(f"{url}/submit", headers=bearer(applicant)).status_code == 428
    stale = httpx.post(f"{url}/submit", headers=if_match(applicant, seen["version"] - 1))
    assert stale.status_code == 412 and stale.json()["type"] == TYPE_PREFIX + "precondition-failed"
    assert httpx.get(url, headers=bearer(applicant)).json()["status"] == "draft"
    submitted = httpx.post(f"{url}/submit", headers=if_match(applicant, confirmed.json()["version"]))
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"


def test_jury_composition_and_assignments_take_if_match(platform, tokens) -> None:
    grants = platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    drafted = httpx.post(f"{grants}/{TENANT}/calls", headers=bearer(manager), json=call_payload())
    assert drafted.status_code == 201, drafted.text
    jury_url = f"{grants}/{TENANT}/calls/{drafted.json()['id']}/jury"
    members = {"members": [{"username": "juror", "name": "Jan"}, {"username": "jury-chair", "name": "Chris"}],
               "chair": "jury-chair"}

    read = httpx.get(jury_url, headers=bearer(manager))
    assert read.status_code == 200 and read.headers["etag"] == f'"{read.json()["version"]}"'
    assert httpx.put(jury_url, headers=bearer(manager), json=members).status_code == 428
    composed = httpx.put(jury_url, headers=bearer(manager, **{"If-Match": read.headers["etag"]}), json=members)
    assert composed.status_code == 200, composed.text
    assert composed.json()["version"] == read.json()["version"] + 1
    stale = httpx.put(jury_url, headers=bearer(manager, **{"If-Match": read.headers["etag"]}),
                      json={"members": members["members"][:1], "chair": "juror"})
    assert stale.status_code == 412, stale.text
    assert len(httpx.get(jury_url, headers=bearer(manager)).json()["members"]) == 2

    assignments_url = f"{grants}/{TENANT}/calls/{drafted.json()['id']}/assignments"
    fixed_read = httpx.get(assignments_url, headers=bearer(manager))
    assert fixed_read.status_code == 200, fixed_read.text
    assert httpx.put(assignments_url, headers=bearer(manager), json={"assignments": []}).status_code == 428
    fixed = httpx.put(assignments_url, headers=bearer(manager, **{"If-Match": fixed_read.headers["etag"]}),
                      json={"assignments": []})
    assert fixed.status_code == 200, fixed.text
    again = httpx.put(assignments_url, headers=bearer(manager, **{"If-Match": fixed_read.headers["etag"]}),
                      json={"assignments": []})
    assert again.status_code == 412


def test_a_submission_retried_with_its_key_gets_the_first_answer_and_the_key_elsewhere_is_422(
        platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    number = enterprise_number(TENANT, "partner")
    url, seen = draft_with_partner(grants, tokens)
    other_url, other = draft_with_partner(grants, tokens)
    for where, application in ((url, seen), (other_url, other)):
        confirmed = httpx.post(f"{where}/co-applicants/{number}/confirm",
                               headers=if_match(partner, application["version"]))
        assert confirmed.status_code == 200, confirmed.text
    key = {"Idempotency-Key": f"indienen-{seen['id']}"}

    first = httpx.post(f"{url}/submit", headers=if_match(applicant, seen["version"], **key))
    assert first.status_code == 200, first.text
    retried = httpx.post(f"{url}/submit", headers=if_match(applicant, seen["version"], **key))
    assert retried.status_code == 200 and retried.json() == first.json()
    assert retried.headers["etag"] == first.headers["etag"]

    elsewhere = httpx.post(f"{other_url}/submit", headers=if_match(applicant, other["version"], **key))
    assert elsewhere.status_code == 422, elsewhere.text
    assert "Idempotency-Key" in elsewhere.json()["detail"]
    assert httpx.get(other_url, headers=bearer(applicant)).json()["status"] == "draft"


async def test_two_retries_of_a_keyed_submission_at_once_both_get_the_one_first_answer(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    url, seen = draft_with_partner(grants, tokens)
    confirmed = httpx.post(f"{url}/co-applicants/{enterprise_number(TENANT, 'partner')}/confirm",
                           headers=if_match(partner, seen["version"]))
    assert confirmed.status_code == 200, confirmed.text
    headers = if_match(applicant, seen["version"], **{"Idempotency-Key": f"tegelijk-{seen['id']}"})
    async with httpx.AsyncClient(timeout=30) as http:
        answers = await asyncio.gather(*(http.post(f"{url}/submit", headers=headers) for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["status"] == "submitted"


def test_an_upload_retried_with_its_key_returns_the_first_and_other_bytes_under_that_key_are_422(
        platform, tokens) -> None:
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    url, _ = draft_with_partner(grants, tokens)
    upload = f"{url}/attachments"
    params = {"code": "begroting", "filename": "begroting.pdf"}
    headers = bearer(applicant, **{"Content-Type": "application/pdf", "Idempotency-Key": "begroting-versie-1"})

    stored = httpx.post(upload, params=params, content=PDF, headers=headers)
    assert stored.status_code == 201, stored.text
    retried = httpx.post(upload, params=params, content=PDF, headers=headers)
    assert retried.status_code == 200 and retried.json() == stored.json()
    other = httpx.post(upload, params=params, content=OTHER_PDF, headers=headers)
    assert other.status_code == 422, other.text
    assert "Idempotency-Key" in other.json()["detail"]
    renamed = httpx.post(upload, params={**params, "filename": "andere.pdf"}, content=PDF, headers=headers)
    assert renamed.status_code == 422
    attachments = httpx.get(url, headers=bearer(applicant)).json()["attachments"]
    assert [a["sha256"] for a in attachments] == [hashlib.sha256(PDF).hexdigest()]


@pytest.mark.parametrize("missing", ["legal_basis", "rules_text", "aim"])
def test_a_call_without_its_legal_basis_rules_or_aim_is_not_published(platform, tokens, missing: str) -> None:
    grants = platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    drafted = httpx.post(f"{grants}/{TENANT}/calls", headers=bearer(manager), json=call_payload(**{missing: " "}))
    assert drafted.status_code == 201, drafted.text
    refused = httpx.post(f"{grants}/{TENANT}/calls/{drafted.json()['id']}/publish",
                         headers=if_match(manager, drafted.json()["version"]))
    assert refused.status_code == 422, refused.text
    assert len(refused.json()["problems"]) == 1
