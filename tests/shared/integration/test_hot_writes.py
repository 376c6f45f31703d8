"""The hot writes (shared/hot_writes.py) on the real grants process, with grants' submission: every case sent as a
client sends it (the hot path may answer it) and, where the case can be asked twice, once more with a query string
(which the hot path leaves to Litestar, the reference), and both answers compared: status, body bytes and headers.
The hot path answered exactly the successful submissions without an Idempotency-Key (its counter), committed them
before answering, and left every other case to Litestar with nothing written: no If-Match, a stale one, a role
that may not submit, another province's token, an unknown id, an Idempotency-Key (whose replay Litestar keeps), a
body, each in the person's language."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.grants.api.test_calls_api import published_call
from tests.shared.integration.test_hot_reads import same_answer
from tests.support import bearer

TENANT, OTHER = "west-vlaanderen", "limburg"
ROUTE = "/{tenant}/applications/{application_id}/submit"


def answered_here(grants: str) -> float:
    """grants' count of submissions the hot path answered."""
    metrics = httpx.get(f"{grants}/metrics", timeout=30).text
    found = re.search(rf'regie_hot_writes_total\{{route="{re.escape(ROUTE)}",service="grants"\}} ([0-9.e+]+)', metrics)
    return float(found.group(1)) if found else 0.0


def submit(url: str, headers: dict[str, str], *, via_litestar: bool = False, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, headers=headers, params={"via": "litestar"} if via_litestar else None, timeout=30,
                      **kwargs)


def drafted(grants: str, applicant: str, call_id: str) -> httpx.Response:
    """A draft application of the applicant's organisation, always the same content."""
    created = httpx.post(f"{grants}/{TENANT}/calls/{call_id}/applications", headers=bearer(applicant), json={
        "title": "Hete Inzending", "summary": "Ingediend op het hete pad.", "requested_cents": 1_000_000,
        "total_cost_cents": 2_000_000, "duration_months": 12, "applicant_name": "Agrado VOF",
        "budget_lines": [{"description": "Werking", "amount_cents": 2_000_000}]}, timeout=30)
    assert created.status_code == 201, created.text
    return created


def status_of(grants: str, application_id: str, applicant: str) -> tuple[str, str]:
    read = httpx.get(f"{grants}/{TENANT}/applications/{application_id}", headers=bearer(applicant), timeout=30)
    assert read.status_code == 200, read.text
    return read.json()["status"], read.headers["etag"]


def test_a_submission_answered_in_front_of_litestar_is_litestars_answer(platform: Any, tokens: Any) -> None:
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    first, second = drafted(grants, applicant, call["id"]), drafted(grants, applicant, call["id"])
    hot_url = f"{grants}/{TENANT}/applications/{first.json()['id']}/submit"
    reference_url = f"{grants}/{TENANT}/applications/{second.json()['id']}/submit"
    headers = bearer(applicant, **{"If-Match": first.headers["etag"], "Accept-Language": "fr"})
    before = answered_here(grants)

    hot = submit(hot_url, headers)
    reference = submit(reference_url, headers, via_litestar=True)
    assert hot.status_code == reference.status_code == 200, (hot.text, reference.text)
    assert answered_here(grants) - before == 1
    # Two applications alike: the same answer but for what is each one's own.
    own = {"id", "created_at", "submitted_at", "content_hash", "snapshot"}
    assert {k: v for k, v in hot.json().items() if k not in own} == {
        k: v for k, v in reference.json().items() if k not in own}
    assert hot.json()["status"] == "submitted" and hot.headers["etag"] == reference.headers["etag"]
    assert set(hot.headers) == set(reference.headers)
    # Committed before it answered: the next read sees it.
    assert status_of(grants, first.json()["id"], applicant) == ("submitted", hot.headers["etag"])

    # Submitted again (a client retrying): the same application, both ways, byte for byte.
    again = bearer(applicant, **{"If-Match": hot.headers["etag"], "Accept-Language": "nl"})
    same_answer(submit(hot_url, again), submit(hot_url, again, via_litestar=True))
    assert answered_here(grants) - before == 2


def test_every_other_case_is_left_to_litestar_and_writes_nothing(platform: Any, tokens: Any) -> None:
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    created = drafted(grants, applicant, call["id"])
    url = f"{grants}/{TENANT}/applications/{created.json()['id']}/submit"
    etag = created.headers["etag"]
    unknown = f"{grants}/{TENANT}/applications/01a24000-0000-7000-8000-000000000000/submit"
    cases = {
        "no If-Match": (url, bearer(applicant, **{"Accept-Language": "en"}), 428),
        "a stale If-Match": (url, bearer(applicant, **{"If-Match": '"7"', "Accept-Language": "fr"}), 412),
        "a role that may not submit": (url, bearer(tokens(TENANT, "call-manager"), **{"If-Match": etag}), 403),
        "another province's token": (url, bearer(tokens(OTHER, "applicant"), **{"If-Match": etag}), 401),
        "no token": (url, {"If-Match": etag, "Accept-Language": "fr"}, 401),
        "an unknown id": (unknown, bearer(applicant, **{"If-Match": etag, "Accept-Language": "en"}), 404),
    }
    before = answered_here(grants)
    for what, (target, headers, status) in cases.items():
        hot, reference = submit(target, headers), submit(target, headers, via_litestar=True)
        assert reference.status_code == status, (what, reference.text)
        same_answer(hot, reference)
        assert hot.headers["content-type"].startswith("application/problem+json"), what
    assert answered_here(grants) - before == 0
    assert status_of(grants, created.json()["id"], applicant) == ("draft", etag)

    # A body: Litestar's (this route takes none, and the hot path reads none).
    with_body = submit(url, bearer(applicant, **{"If-Match": etag}), json={"unexpected": True})
    assert with_body.status_code == 200 and answered_here(grants) - before == 0
    # An Idempotency-Key: Litestar's handler keeps the key and replays its first answer.
    keyed = bearer(applicant, **{"If-Match": with_body.headers["etag"], "Idempotency-Key": str(uuid.uuid4())})
    first, replay = submit(url, keyed), submit(url, keyed)
    assert first.status_code == replay.status_code == 200 and first.json() == replay.json()
    assert answered_here(grants) - before == 0
