"""Cross-province probing, as a table: each province's own object ids, gathered through the API with its own
tokens (every list the services offer), asked for at every GET operation of the merged OpenAPI document that
takes an id, with the tokens of another province (every role) on that province's own URLs, straight at each
service; and a sample through the gateway. Row-Level Security and the services' own checks must hold: never an
answer that shows the probed object (its id in the body), never a server error. The count of cases per service
and role is in the output (`-rA`)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from shared.auth import ROLES

HOME, OTHER = "limburg", "west-vlaanderen"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
GATHERERS = ("province-admin", "coordinator", "call-manager", "partner", "applicant", "driver", "juror")
IDS_PER_LIST, IDS = 15, 30
SERVICES = ("grants", "partners", "foodsavers")
PUBLIC = re.compile(r"^/\{tenant\}/(public|oproepen|catalogus)/")
"""What each province shows anyone, without login (the services' public paths)."""


@pytest.fixture(scope="module")
def document(platform: Any) -> dict[str, Any]:
    answer = httpx.get(f"{platform.gateway_url}/api/openapi.json", timeout=30)
    assert answer.status_code == 200
    return dict(answer.json())


def operations(document: dict[str, Any], service: str, *, with_ids: bool) -> list[tuple[str, dict[str, str]]]:
    """GET paths of `service` (as the service serves them, /{tenant}/…) and their path parameters besides the
    tenant with their types: those that take some, or those that take none (the lists)."""
    prefix = f"/{{tenant}}/api/{service}"
    found = []
    for path, item in document["paths"].items():
        if not path.startswith(prefix + "/") or "get" not in item:
            continue
        kinds = {p["name"]: str((p.get("schema") or {}).get("type", "string"))
                 for p in item["get"].get("parameters") or [] if p.get("in") == "path" and p["name"] != "tenant"}
        if bool(kinds) == with_ids:
            found.append(("/{tenant}" + path[len(prefix):], kinds))
    return found


@pytest.fixture(scope="module")
def home_ids(document: dict[str, Any], platform: Any, token_for: Any) -> dict[str, list[str]]:
    """Per service, ids of HOME's objects: whatever ids its lists show HOME's own people."""
    ids: dict[str, list[str]] = {}
    with httpx.Client(timeout=30) as client:
        for service in SERVICES:
            seen: dict[str, None] = {}
            for path, _names in operations(document, service, with_ids=False):
                for role in GATHERERS:
                    answer = client.get(platform.url(service) + path.format(tenant=HOME),
                                        headers={"Authorization": f"Bearer {token_for(HOME, role)}"})
                    if answer.status_code == 200 and "json" in answer.headers.get("content-type", ""):
                        for found in UUID.findall(answer.text)[:IDS_PER_LIST]:
                            seen.setdefault(found, None)
            ids[service] = list(seen)[:IDS]
    return ids


def at(path: str, tenant: str, probed: str, kinds: dict[str, str]) -> str:
    """`path` for `tenant`, with the probed id in every other parameter (a number where it takes one)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return tenant if name == "tenant" else "1" if kinds.get(name) == "integer" else probed
    return re.sub(r"\{([^}]+)\}", value, path)


def probe(client: httpx.Client, url: str, token: str, probed: str) -> tuple[int, bool]:
    answer = client.get(url, headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, probed in answer.text and answer.status_code < 300


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICES)
def test_another_provinces_people_never_see_this_provinces_objects(
        document: dict[str, Any], home_ids: dict[str, list[str]], platform: Any, token_for: Any, service: str,
        role: str) -> None:
    ids = home_ids[service]
    assert ids, f"no {HOME} ids gathered from {service}'s lists"
    token = token_for(OTHER, role)
    cases, leaks, errors = 0, [], []
    with httpx.Client(timeout=30) as client:
        for path, kinds in operations(document, service, with_ids=True):
            for probed in ids:
                status, shown = probe(client, platform.url(service) + at(path, OTHER, probed, kinds), token, probed)
                cases += 1
                if shown:
                    leaks.append((path, probed, status))
                if status >= 500:
                    errors.append((path, probed, status))
                # And on HOME's own URL with OTHER's token: refused before anything is read (a public path asks
                # for no token: what it shows anyone is no leak).
                if PUBLIC.search(path):
                    continue
                status, shown = probe(client, platform.url(service) + at(path, HOME, probed, kinds), token, probed)
                cases += 1
                if shown or status != 401:
                    leaks.append((path.replace("{tenant}", HOME), probed, status))
    print(f"{service}/{role}: {cases} cross-province cases, {len(ids)} ids of {HOME}")
    assert cases >= len(ids) * 2
    assert not leaks, leaks[:10]
    assert not errors, errors[:10]


def test_the_gateway_refuses_the_same_probes(document: dict[str, Any], home_ids: dict[str, list[str]],
                                             platform: Any, token_for: Any) -> None:
    """A sample through the gateway: one id per operation, every role of the other province."""
    cases, found = 0, []
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        for service in SERVICES:
            probed = home_ids[service][0]
            for path, kinds in operations(document, service, with_ids=True):
                for role in ROLES:
                    token = token_for(OTHER, role)
                    for tenant in (OTHER, HOME):
                        url = at("/{tenant}/api/" + service + path[len("/{tenant}"):], tenant, probed, kinds)
                        status, shown = probe(client, url, token, probed)
                        cases += 1
                        refused = status == 401 or PUBLIC.search(path) is not None
                        if shown and not (tenant == HOME and PUBLIC.search(path)) or status >= 500 or status == 429 \
                                or (tenant == HOME and not refused):
                            found.append((url, role, status))
    print(f"gateway: {cases} cross-province cases")
    assert cases > 100 and not found, found[:10]


@pytest.mark.parametrize("service", SERVICES)
def test_the_probe_does_see_what_the_province_itself_may_see(document: dict[str, Any],
                                                             home_ids: dict[str, list[str]], platform: Any,
                                                             token_for: Any, service: str) -> None:
    """The check can fail: the same probes by the province's own people show some of its objects."""
    shown = 0
    with httpx.Client(timeout=30) as client:
        for path, kinds in operations(document, service, with_ids=True):
            for probed in home_ids[service]:
                for role in GATHERERS[:3]:
                    shown += probe(client, platform.url(service) + at(path, HOME, probed, kinds),
                                   token_for(HOME, role), probed)[1]
    assert shown > 0
