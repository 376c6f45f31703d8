"""Uploads and downloads through the real grants process: a client that trickles its bytes holds neither a row
lock nor a database connection, so thirty of them at once leave the service answering everyone else; a
retried upload racing its first try keeps one object; downloads come in pieces with their length and hash; an
infected file, or any file while the virus scanner is down, is refused and leaves nothing behind."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator

import httpx

from devstack import clamd
from devstack.processes import stop_process
from shared.problems import TYPE_PREFIX
from shared.storage import ObjectStore
from tests.grants.api.test_applications_api import PDF, draft
from tests.grants.api.test_calls_api import bearer, published_call
from tests.support import EICAR_SIGNATURE, infected_pdf

TENANT = "vlaams-brabant"
SLOW_UPLOADS = 30
PIECES = 8
PAUSE_SECONDS = 0.4
"""Each slow upload takes about PIECES × PAUSE_SECONDS to arrive: longer than the pool could wait for."""


def pdf_of(n: int, size: int = 4096) -> bytes:
    return PDF + f"% bijlage {n}\n".encode() + b"%" * size


async def trickle(body: bytes) -> AsyncIterator[bytes]:
    step = -(-len(body) // PIECES)
    for start in range(0, len(body), step):
        await asyncio.sleep(PAUSE_SECONDS)
        yield body[start:start + step]


def object_store(platform) -> ObjectStore:
    env = platform.env("grants")
    return ObjectStore.connect(env["REGIE_S3_ENDPOINT"], env["REGIE_S3_ACCESS_KEY"], env["REGIE_S3_SECRET_KEY"],
                               secure=False, bucket=env.get("REGIE_S3_BUCKET", "regie-grants"),
                               max_upload_bytes=1024 * 1024, scanner=None)  # reads and lists only


async def timed(client: httpx.AsyncClient, url: str, token: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        answer = await client.get(url, headers=bearer(token), timeout=5.0)
    except httpx.TimeoutException:
        return 0, time.monotonic() - started
    return answer.status_code, time.monotonic() - started


async def test_thirty_slow_uploads_at_once_leave_other_requests_answered_within_a_second(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant, manager = tokens(TENANT, "applicant"), tokens(TENANT, "call-manager")
    call = published_call(grants, manager, tenant=TENANT)
    application = draft(grants, applicant, call["id"])
    url = f"{grants}/{TENANT}/applications/{application['id']}"
    bodies = {n: pdf_of(n) for n in range(SLOW_UPLOADS)}

    async with httpx.AsyncClient(timeout=120.0, limits=httpx.Limits(max_connections=SLOW_UPLOADS + 10)) as client:
        async def upload(n: int) -> httpx.Response:
            return await client.post(
                f"{url}/attachments", params={"code": "other", "filename": f"bijlage-{n}.pdf"},
                content=trickle(bodies[n]),
                headers=bearer(applicant, **{"Content-Type": "application/pdf", "Idempotency-Key": f"traag-{n}"}))

        uploads = [asyncio.create_task(upload(n)) for n in range(SLOW_UPLOADS)]
        await asyncio.sleep(PAUSE_SECONDS * 2.5)  # every upload has begun and is trickling
        probes: list[tuple[str, int, float, int]] = []
        for _ in range(4):
            in_flight = sum(not u.done() for u in uploads)
            for target, token in ((url, applicant), (f"{grants}/{TENANT}/calls/{call['id']}", manager),
                                  (f"{grants}/{TENANT}/applications?call_id={call['id']}", manager)):
                status, seconds = await timed(client, target, token)
                probes.append((target, status, seconds, in_flight))
            await asyncio.sleep(PAUSE_SECONDS)
        answers = await asyncio.gather(*uploads)

    assert all(in_flight == SLOW_UPLOADS for *_, in_flight in probes[:3]), probes  # asked while all trickled
    slow = [(target, status, round(seconds, 2)) for target, status, seconds, _ in probes
            if status != 200 or seconds >= 1.0]
    assert not slow, f"not answered within 1 s while {SLOW_UPLOADS} uploads trickled in: {slow}"
    assert [a.status_code for a in answers] == [201] * SLOW_UPLOADS, [a.text for a in answers if a.status_code != 201]
    assert {a.json()["sha256"] for a in answers} == {hashlib.sha256(b).hexdigest() for b in bodies.values()}
    recorded = httpx.get(url, headers=bearer(applicant)).json()
    assert sorted(a["filename"] for a in recorded["attachments"]) == sorted(
        f"bijlage-{n}.pdf" for n in range(SLOW_UPLOADS))
    assert recorded["version"] == application["version"] + SLOW_UPLOADS  # each recorded on the locked draft


async def test_a_retry_racing_its_first_upload_keeps_one_attachment_and_one_object(platform, tokens) -> None:
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    application = draft(grants, applicant, call["id"])
    url = f"{grants}/{TENANT}/applications/{application['id']}"
    body = pdf_of(1)
    async with httpx.AsyncClient(timeout=60.0) as client:
        first, retry = await asyncio.gather(*(client.post(
            f"{url}/attachments", params={"code": "other", "filename": "plan.pdf"}, content=trickle(body),
            headers=bearer(applicant, **{"Content-Type": "application/pdf", "Idempotency-Key": "een-keer"}))
            for _ in range(2)))
    assert sorted([first.status_code, retry.status_code]) == [200, 201], (first.text, retry.text)
    assert first.json()["id"] == retry.json()["id"]
    assert len(httpx.get(url, headers=bearer(applicant)).json()["attachments"]) == 1
    keys = await object_store(platform).keys(f"{TENANT}/applications/{application['id']}/")
    assert len(keys) == 1, keys  # the object of the refused record was removed


async def test_a_refused_upload_leaves_no_object_and_a_download_comes_in_pieces_with_its_length(
        platform, tokens) -> None:
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    application = draft(grants, applicant, call["id"])
    url = f"{grants}/{TENANT}/applications/{application['id']}"
    big = pdf_of(2, size=600 * 1024)
    stored = httpx.post(f"{url}/attachments", params={"code": "other", "filename": "groot.pdf"}, content=big,
                        headers=bearer(applicant, **{"Content-Type": "application/pdf"}))
    assert stored.status_code == 201, stored.text
    unknown = httpx.post(f"{url}/attachments", params={"code": "bestaat-niet", "filename": "x.pdf"}, content=PDF,
                         headers=bearer(applicant, **{"Content-Type": "application/pdf"}))
    assert unknown.status_code == 422 and "bijlagecode" in unknown.json()["detail"]
    keys = await object_store(platform).keys(f"{TENANT}/applications/{application['id']}/")
    assert len(keys) == 1, keys

    pieces: list[bytes] = []
    with httpx.stream("GET", f"{url}/attachments/{stored.json()['id']}", headers=bearer(applicant)) as download:
        assert download.status_code == 200
        assert download.headers["content-length"] == str(len(big))
        assert download.headers["x-content-sha256"] == hashlib.sha256(big).hexdigest()
        assert download.headers["content-type"].startswith("application/pdf")
        pieces.extend(download.iter_raw())
    assert b"".join(pieces) == big


def an_application(platform, tokens) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A fresh draft: (its API address, its id, the applicant's token)."""
    grants = platform.url("grants")
    applicant = tokens(TENANT, "applicant")
    call = published_call(grants, tokens(TENANT, "call-manager"), tenant=TENANT)
    application = draft(grants, applicant, call["id"])
    return f"{grants}/{TENANT}/applications/{application['id']}", application["id"], applicant


async def test_an_infected_attachment_is_refused_and_neither_stored_nor_listed(platform, tokens) -> None:
    url, application_id, applicant = an_application(platform, tokens)
    infected = httpx.post(f"{url}/attachments", params={"code": "other", "filename": "begroting.pdf"},
                          content=infected_pdf(), headers=bearer(applicant, **{"Content-Type": "application/pdf",
                                                                               "Accept-Language": "en"}))
    assert infected.status_code == 422, infected.text
    assert infected.headers["content-type"].startswith("application/problem+json")
    problem = infected.json()
    assert problem["type"] == TYPE_PREFIX + "upload-infected" and problem["signature"] == EICAR_SIGNATURE
    assert problem["title"] == "The file contains a virus and was not stored"
    assert problem["detail"] == f"begroting.pdf contains a virus ({EICAR_SIGNATURE}) and was not stored"
    assert httpx.get(url, headers=bearer(applicant)).json()["attachments"] == []
    assert await object_store(platform).keys(f"{TENANT}/applications/{application_id}/") == []


async def test_with_the_scanner_down_an_upload_is_refused_with_503_and_nothing_is_stored(
        platform, tokens, stack_config) -> None:
    """Never accepted unscanned: with clamd stopped the upload is 503, and the same upload, retried once clamd is
    back, is stored."""
    url, application_id, applicant = an_application(platform, tokens)
    headers = bearer(applicant, **{"Content-Type": "application/pdf", "Idempotency-Key": f"scan-{application_id}"})
    assert stop_process(stack_config, clamd.NAME)
    try:
        refused = httpx.post(f"{url}/attachments", params={"code": "other", "filename": "begroting.pdf"},
                             content=PDF, headers=headers)
        assert refused.status_code == 503, refused.text
        assert refused.json()["type"] == TYPE_PREFIX + "scan-unavailable"
        assert "begroting.pdf kan nu niet op virussen gecontroleerd worden" in refused.json()["detail"]
        assert httpx.get(url, headers=bearer(applicant)).json()["attachments"] == []
        assert await object_store(platform).keys(f"{TENANT}/applications/{application_id}/") == []
    finally:
        clamd.start(stack_config)
    retried = httpx.post(f"{url}/attachments", params={"code": "other", "filename": "begroting.pdf"},
                         content=PDF, headers=headers)
    assert retried.status_code == 201, retried.text
    assert len(await object_store(platform).keys(f"{TENANT}/applications/{application_id}/")) == 1
