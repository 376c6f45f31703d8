"""The hot reads (shared/hot_reads.py) on the real grants and partners processes: every case read twice, once as
a client asks (the hot path may answer it) and once with a query string (which the hot path leaves to Litestar,
the reference), and both answers compared: status, body bytes and headers. The hot path answered exactly the
successful cases (its counter), and left every refusal to Litestar: no token, a token of another province, a
role that may not read, a partner reading another's entry, an unknown id, a malformed authorization, each in
the person's language."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.grants.api.test_calls_api import published_call
from tests.support import bearer, random_enterprise_number

TENANT, OTHER = "oost-vlaanderen", "limburg"
VARYING = {"date", "x-request-id", "content-length"}


def answered_here(service_url: str, service: str, route: str) -> float:
    """The service's count of reads the hot path answered on `route`."""
    metrics = httpx.get(f"{service_url}/metrics", timeout=30).text
    found = re.search(rf'regie_hot_reads_total\{{route="{re.escape(route)}",service="{service}"\}} ([0-9.e+]+)',
                      metrics)
    return float(found.group(1)) if found else 0.0


def both_ways(url: str, headers: dict[str, str]) -> tuple[httpx.Response, httpx.Response]:
    hot = httpx.get(url, headers=headers, timeout=30)
    reference = httpx.get(url, params={"via": "litestar"}, headers=headers, timeout=30)
    return hot, reference


def same_answer(hot: httpx.Response, reference: httpx.Response) -> None:
    """The same status, headers and body; a problem's request id (and its length) differ by nature."""
    assert hot.status_code == reference.status_code
    if hot.status_code == 200:
        assert hot.content == reference.content
    else:
        assert ({**hot.json(), "request_id": None, "instance": None}
                == {**reference.json(), "request_id": None, "instance": None})
        assert hot.json()["request_id"] == hot.headers["x-request-id"]
    assert hot.headers.get("content-length") == str(len(hot.content))
    assert ({k: v for k, v in hot.headers.items() if k not in VARYING}
            == {k: v for k, v in reference.headers.items() if k not in VARYING})


def cases(tokens: Callable[..., str], users: list[str]) -> list[tuple[str, dict[str, str]]]:
    """(what, request headers) for each way of asking: each user in a language of the portals, and without or
    with a wrong token."""
    found = [(user, bearer(tokens(TENANT, user), **{"Accept-Language": lang}))
             for user, lang in zip(users, ("nl", "fr", "en", "fr", "nl"), strict=False)]
    return [*found, ("no token", {"Accept-Language": "en"}),
            ("not a bearer", {"Authorization": "Basic Zm9vOmJhcg==", "Accept-Language": "fr"}),
            ("another province's token", bearer(tokens(OTHER, users[0])))]


@pytest.mark.parametrize("service", ["partners", "grants"])
def test_a_hot_read_answers_as_litestar_does_and_leaves_every_refusal_to_it(platform: Any, tokens: Any,
                                                                           service: str) -> None:
    base = platform.url(service)
    if service == "partners":
        created = httpx.post(f"{base}/{TENANT}/organisations", headers=bearer(tokens(TENANT, "coordinator")), json={
            "enterprise_number": random_enterprise_number(), "name": "Hete Lezing vzw", "kind": "cooperative",
            "municipality": "Gent", "contact": {"email": "info@hete-lezing.test"}})
        assert created.status_code == 201, created.text
        entry, route = created.json(), "/{tenant}/organisations/{organisation_id}"
        # "partner" is of another organisation: partners refuses it this one (service.may_read)
        asked = cases(tokens, ["coordinator", "call-manager", "province-admin", "juror", "partner"])
    else:
        entry = published_call(base, tokens(TENANT, "call-manager"), tenant=TENANT)
        route = "/{tenant}/calls/{call_id}"
        asked = cases(tokens, ["call-manager", "applicant", "province-admin"])
    url = f"{base}/{TENANT}{route.split('}', 1)[1].rsplit('/', 1)[0]}/{entry['id']}"
    unknown = url.rsplit("/", 1)[0] + f"/{uuid.uuid4()}"

    before, succeeded, refused = answered_here(base, service, route), 0, 0
    for what, headers in asked:
        hot, reference = both_ways(url, headers)
        same_answer(hot, reference)
        if reference.status_code == 200:
            succeeded += 1
            assert hot.json()["id"] == entry["id"] and hot.headers["etag"] == f'"{entry["version"]}"', what
        else:
            refused += 1
            assert reference.status_code in (401, 403), (what, reference.text)
            assert hot.headers["content-type"].startswith("application/problem+json"), what
    for language in ("nl", "fr"):
        hot, reference = both_ways(unknown, bearer(tokens(TENANT, asked[0][0]), **{"Accept-Language": language}))
        assert reference.status_code == 404
        same_answer(hot, reference)
    assert succeeded >= 3 and refused >= 3 + (service == "partners") * 2
    assert answered_here(base, service, route) - before == succeeded
