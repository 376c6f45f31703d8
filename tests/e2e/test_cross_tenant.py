"""Cross-province probing, as a table: each province's own object ids, gathered through the API with its own
tokens (every list the services offer), asked for at every GET operation of the merged OpenAPI document that
takes an id, with the tokens of another province (every role) on that province's own URLs, straight at each
service; and a sample through the gateway. Row-Level Security and the services' own checks must hold: never an
answer that shows the probed object (its id in the body), never a server error. Every write that takes an id
(POST, PUT, PATCH, DELETE), with a body the document accepts and a made-up version, by every role of the other
province: refused or not found, never applied (2xx), never compared with the object's version (412), and this
province's lists unchanged afterwards. The count of cases per service and role is in the output (`-rA`)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pytest

from shared.auth import ROLES
from tests.foodsavers.world import register
from tests.support import bearer, random_enterprise_number

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
    """Per service, ids of HOME's objects: whatever ids its lists show HOME's own people. An organisation, a draft
    call and a vehicle are made first through the APIs, so that every service has objects of HOME to probe however
    this module is run, alone or after the rest of the suite."""
    ids: dict[str, list[str]] = {}
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        coordinator = token_for(HOME, "coordinator")
        call = client.post(f"/{HOME}/api/grants/calls", json={"title": "Proef over provincies heen"},
                           headers=bearer(token_for(HOME, "call-manager")))
        assert call.status_code == 201, call.text
        register(client, HOME, coordinator, "vehicles")
        organisation = client.post(f"/{HOME}/api/partners/organisations", headers=bearer(coordinator), json={
            "enterprise_number": random_enterprise_number(), "name": "Proef vzw", "kind": "cooperative",
            "municipality": "Hasselt"})
        assert organisation.status_code == 201, organisation.text
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


# --- writes -----------------------------------------------------------------------------------------------------

WRITE_METHODS = ("post", "put", "patch", "delete")
GENERATED = re.compile(r"/opendata/|/impact$")
"""Documents made at each request (the 360Giving package, the impact figures: they carry the moment they were
made): not compared."""
WRITE_IDS = 4
NOT_FOUND_HERE = {400, 401, 403, 404, 405, 409, 413, 415, 422, 428, 429}
"""What a write aimed at another province's object may answer: refused or not found. Never 2xx (it changed), never
412 (its version was compared: it was found), never 5xx."""


def write_operations(document: dict[str, Any], service: str) -> list[tuple[str, str, dict[str, str], Any]]:
    """(method, path as the service serves it, path parameter types, a body) of every write that takes an id."""
    prefix = f"/{{tenant}}/api/{service}"
    found = []
    for path, item in document["paths"].items():
        if not path.startswith(prefix + "/"):
            continue
        for method in WRITE_METHODS:
            if method not in item:
                continue
            operation = item[method]
            kinds = {p["name"]: str((p.get("schema") or {}).get("type", "string"))
                     for p in operation.get("parameters") or [] if p.get("in") == "path" and p["name"] != "tenant"}
            if kinds:
                schema = (((operation.get("requestBody") or {}).get("content") or {}).get("application/json")
                          or {}).get("schema")
                found.append((method, "/{tenant}" + path[len(prefix):], kinds, example(document, schema)))
    return found


def example(document: dict[str, Any], schema: dict[str, Any] | None, depth: int = 0) -> Any:
    """A body the document would accept, as far as its schema says: required fields with plain values, so that a
    write gets past validation to the point where it looks the object up."""
    if not schema or depth > 6:
        return {} if depth == 0 else None
    if "$ref" in schema:
        return example(document, document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], depth + 1)
    for combined in ("oneOf", "anyOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if s.get("type") != "null"]
            return example(document, options[0], depth + 1) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: example(document, schema["properties"][name], depth + 1)
                for name in schema.get("required", []) if name in schema.get("properties", {})}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return {"date": "2031-01-15", "date-time": "2031-01-15T10:00:00Z", "email": "probe@example.be",
            "uuid": "00000000-0000-7000-8000-000000000000"}.get(schema.get("format", ""), "probe")


def write(client: httpx.Client, method: str, url: str, token: str, body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "If-Match": '"999999"'}
    if method == "delete":
        return client.request("DELETE", url, headers=headers)
    return client.request(method.upper(), url, headers=headers, json=body)


@pytest.fixture(scope="module")
def home_lists(document: dict[str, Any], platform: Any, token_for: Any) -> dict[str, str]:
    return lists_of_home(document, platform, token_for)


def lists_of_home(document: dict[str, Any], platform: Any, token_for: Any) -> dict[str, str]:
    """What HOME's own people see in every JSON list: unchanged after the other province's writes."""
    seen = {}
    with httpx.Client(timeout=30) as client:
        for service in SERVICES:
            for path, _names in operations(document, service, with_ids=False):
                for role in ("province-admin", "call-manager", "coordinator"):
                    answer = client.get(platform.url(service) + path.format(tenant=HOME),
                                        headers={"Authorization": f"Bearer {token_for(HOME, role)}"})
                    if answer.status_code == 200 and "json" in answer.headers.get("content-type", "") \
                            and not GENERATED.search(path):
                        seen[f"{service} {path} {role}"] = answer.text
    return seen


@pytest.mark.parametrize("service", SERVICES)
def test_another_provinces_people_cannot_write_to_this_provinces_objects(
        document: dict[str, Any], home_ids: dict[str, list[str]], home_lists: dict[str, str], platform: Any,
        token_for: Any, service: str) -> None:
    """Every write of the service's document that takes an id, by every role of the other province, at its own
    URL with this province's ids, and at this province's URL: refused or not found, never applied."""
    ids = home_ids[service][:WRITE_IDS]
    operations_ = write_operations(document, service)
    assert ids and operations_
    cases, applied, errors = 0, [], []
    answers: Counter[int] = Counter()
    with httpx.Client(timeout=30) as client:
        for method, path, kinds, body in operations_:
            for role in ROLES:
                token = token_for(OTHER, role)
                for probed in ids:
                    answer = write(client, method, platform.url(service) + at(path, OTHER, probed, kinds), token, body)
                    cases += 1
                    answers[answer.status_code] += 1
                    if answer.status_code not in NOT_FOUND_HERE:
                        (errors if answer.status_code >= 500 else applied).append(
                            (method, path, role, probed, answer.status_code))
                answer = write(client, method, platform.url(service) + at(path, HOME, ids[0], kinds), token, body)
                cases += 1
                if answer.status_code != 401:
                    applied.append((method, path.replace("{tenant}", HOME), role, ids[0], answer.status_code))
    print(f"{service}: {cases} cross-province writes over {len(operations_)} operations, {len(ids)} ids of {HOME}; "
          f"answers at the other province's URL: {dict(sorted(answers.items()))}")
    assert not errors, errors[:10]
    assert not applied, applied[:10]
    changed = [key for key, text in lists_of_home(document, platform, token_for).items()
               if home_lists.get(key, text) != text]
    assert not changed, changed


def test_a_write_that_reaches_its_object_answers_412_with_a_stale_version(platform: Any, token_for: Any) -> None:
    """The write table's check can fail: the province's own call manager, writing to its own call with the same
    made-up version, is answered 412 (the object was found and its version compared)."""
    grants, token = platform.url("grants"), token_for(HOME, "call-manager")
    calls = httpx.get(f"{grants}/{HOME}/calls", headers={"Authorization": f"Bearer {token}"}).json()
    call = (calls["items"] if isinstance(calls, dict) else calls)[0]
    with httpx.Client(timeout=30) as client:
        answer = write(client, "patch", f"{grants}/{HOME}/calls/{call['id']}", token, {"title": "probe"})
    assert answer.status_code == 412, answer.text
