"""Property-based tests of the OpenAPI documents, as a table: Schemathesis generates requests (valid ones and
ones that break the document) for every operation of each service's own document and of the gateway's merged
one, and sends them with the real Keycloak token of every role. No answer may be a server error, every answer must
be one the document describes: its status, its media type and its body's schema (`not_a_server_error`,
`status_code_conformance`, `content_type_conformance`, `response_schema_conformance`), and a request that breaks
the document is refused (`negative_data_rejection`).

Reads run in a province with the demo data, with the ids its own people see in the lists put in the path
parameters (so that the calls reach the handlers and not only the 404), and a sample with another province's
path (refused). Writes run in a province the demo data leaves alone, and only with requests that break the
document: each must be refused, so none changes anything (a valid fuzzed write
could, e.g. a person's e-mail preferences, and with REGIE_KEEP_STACK=1 the next session's tests would meet it;
valid writes are the API tests', on the worlds they build). This module also runs last in the session
(tests/conftest.py: the `fuzz` marker). The examples are few per
operation and derandomized, so that a run is the same each time; the count of cases per target and role is in
the output (`-rA`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.demo import DemoLoader
from shared.auth import ROLES

pytestmark = pytest.mark.fuzz

SERVICES = ("grants", "partners", "foodsavers")
TARGETS = (*SERVICES, "gateway")
READ_TENANT = {"grants": "oost-vlaanderen", "partners": "antwerpen", "foodsavers": "west-vlaanderen",
               "gateway": "antwerpen"}
"""Where each target's reads go: the province whose demo data that service shows most of."""
WRITE_TENANT = "vlaams-brabant"
"""Where the writes go: no demo data, and no later test reads it (this module runs last)."""
OTHER_TENANT = "limburg"
"""The other province's path of the sample that must be refused."""
EXAMPLES = {"read": 3, "write": 2, "other": 1}
"""Examples per operation and role; the gateway's are a third (its rate limit counts every request)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
METHODS = ("get", "put", "post", "patch", "delete")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
IDS_PER_POOL = 8
TABLE: dict[tuple[str, str], Tally] = {}


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    unbreakable: list[str] = field(default_factory=list)
    """Writes without a request that breaks their document (nothing to send them: see the module's docstring)."""

    def row(self) -> str:
        classes = Counter(f"{status // 100}xx" for status in self.statuses.elements())
        limited = f"  (429: {self.statuses[429]})" if self.statuses[429] else ""
        unsent = f"  (writes with nothing to break: {len(self.unbreakable)})" if self.unbreakable else ""
        return (f"{self.cases:6d} cases  " + "  ".join(f"{k} {v}" for k, v in sorted(classes.items()))
                + limited + unsent)


def singular(segment: str) -> str:
    word = segment.split("-")[-1]
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and word != "series" else word


def collect(node: Any, listed_as: str, pools: dict[str, dict[str, None]]) -> None:
    """Every uuid in a list's answer, pooled by the path parameter it would fill: an object's `id` by the list's
    own name (`/calls` → call_id), a `<name>_id` field by its name; and all of them in the pool "*"."""
    if isinstance(node, list):
        for item in node:
            collect(item, listed_as, pools)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and UUID.match(value):
                name = f"{listed_as}_id" if key == "id" else key if key.endswith("_id") else "*"
                for pool in {name, "*"}:
                    found = pools.setdefault(pool, {})
                    if len(found) < IDS_PER_POOL:
                        found.setdefault(value, None)
            else:
                collect(value, listed_as, pools)


def gather(base_url: str, document: dict[str, Any], tenant: str, token_for: Any) -> dict[str, list[str]]:
    """The ids `tenant`'s own people see in every list of the document (GETs with no parameter but the tenant)."""
    pools: dict[str, dict[str, None]] = {}
    with httpx.Client(timeout=30) as client:
        for path, item in document["paths"].items():
            if "get" not in item or path.count("{") != 1 or not path.startswith("/{tenant}/"):
                continue
            for role in ROLES:
                answer = client.get(base_url + path.replace("{tenant}", tenant),
                                    headers={"Authorization": f"Bearer {token_for(tenant, role)}"})
                if answer.status_code == 200 and answer.headers.get("content-type", "").startswith("application/json"):
                    collect(answer.json(), singular(path.rstrip("/").rsplit("/", 1)[1]), pools)
    return {name: list(found) for name, found in pools.items()}


@pytest.fixture(scope="module")
def demo_data(platform: Any, stack_config: Any) -> None:
    """The demo data the reads look at (loaded once per stack: a second load adds nothing)."""
    DemoLoader(stack_config).load()


@pytest.fixture(scope="module")
def documents(platform: Any, demo_data: None) -> dict[str, dict[str, Any]]:
    found = {}
    with httpx.Client(timeout=30) as client:
        for service in SERVICES:
            answer = client.get(f"{platform.url(service)}/schema/openapi.json")
            assert answer.status_code == 200
            found[service] = answer.json()
        answer = client.get(f"{platform.gateway_url}/api/openapi.json")
        assert answer.status_code == 200
        found["gateway"] = answer.json()
    return found


@pytest.fixture(scope="module")
def pools(platform: Any, documents: dict[str, dict[str, Any]], token_for: Any) -> dict[tuple[str, str], Any]:
    """Per service and province of the reads, the ids its own people see."""
    found = {}
    for service in SERVICES:
        for tenant in {READ_TENANT[service], READ_TENANT["gateway"]}:
            found[service, tenant] = gather(platform.url(service), documents[service], tenant, token_for)
    return found


def operations(document: dict[str, Any]) -> Iterator[Any]:
    schema = schemathesis.openapi.from_dict(document)
    for result in schema.get_all_operations():
        yield result.ok()


def service_of(target: str, path: str) -> str:
    return path.split("/")[3] if target == "gateway" and path.startswith("/{tenant}/api/") else target


def fuzz(operation: Any, *, base_url: str, tenant: str, token: str, ids: dict[str, list[str]], examples: int,
         session: requests.Session, tally: Tally, label: str, refused_only: bool) -> None:
    """`examples` cases of `operation` (valid and invalid ones; only invalid ones when `refused_only`), each answer
    checked against the document."""
    fixed = {"tenant": tenant}
    strategies = [] if refused_only else [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed)]
    try:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed))
    except Exception:  # an operation without anything to break: its valid cases only
        if refused_only:
            tally.unbreakable.append(f"{operation.method.upper()} {operation.path}")
            return
    named = [p["name"] for p in operation.definition.raw.get("parameters") or []
             if p.get("in") == "path" and (p.get("schema") or {}).get("format") == "uuid"]
    headers = {"Authorization": f"Bearer {token}"}

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, verbosity=Verbosity.quiet,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(st.one_of(strategies))
        for name in named:
            pool = ids.get(name) or ids.get("*") or []
            if pool:
                case.path_parameters[name] = data.draw(st.sampled_from([*pool, case.path_parameters[name]]))
        case.path_parameters["tenant"] = tenant
        response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
        tally.cases += 1
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, FailureGroup) as exc:  # every failure is listed, none stops the table
            lines = [line.strip() for line in str(exc).strip().splitlines()[1:8] if line.strip()]
            tally.failures.append(f"{label} {case.method} {operation.path} -> {response.status_code}: "
                                  + " | ".join(lines)[:500] + f" (e.g. {case.formatted_path})")

    try:
        run()
    except Unsatisfiable:
        if not refused_only:
            raise
        # its broken requests are all filtered out in so few examples (e.g. the driver's sync): listed in the table
        tally.unbreakable.append(f"{operation.method.upper()} {operation.path}")
    except Exception as exc:  # e.g. nothing to generate for an odd parameter: listed, not hidden
        tally.failures.append(f"{label} {operation.method.upper()} {operation.path}: could not run: {exc!r}"[:400])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", TARGETS)
def test_every_operation_answers_as_documented_to_every_role(
        documents: dict[str, dict[str, Any]], pools: dict[tuple[str, str], Any], platform: Any, token_for: Any,
        target: str, role: str) -> None:
    base_url = platform.gateway_url if target == "gateway" else platform.url(target)
    share = 3 if target == "gateway" else 1
    tally = TABLE[target, role] = Tally()
    with requests.Session() as session:
        for operation in operations(documents[target]):
            service = service_of(target, operation.path)
            read = operation.method.lower() == "get"
            runs = [(READ_TENANT[target], "read"), (OTHER_TENANT, "other")] if read else [(WRITE_TENANT, "write")]
            for tenant, kind in runs:
                # a write's broken request keeps its generated ids: a real id in place of a broken one could
                # make it a valid write
                ids = pools.get((service, tenant), {}) if kind == "read" else {}
                fuzz(operation, base_url=base_url, tenant=tenant, token=token_for(tenant if kind != "other" else
                     READ_TENANT[target], role), ids=ids, examples=max(1, EXAMPLES[kind] // share),
                     session=session, tally=tally, label=f"{target}/{role}", refused_only=kind == "write")
    print(f"{target}/{role}: {tally.row()}")
    assert tally.cases > 0
    distinct = sorted({failure.split(" (e.g.")[0]: failure for failure in tally.failures}.values())
    assert not distinct, f"{len(tally.failures)} failures, {len(distinct)} distinct:\n" + "\n".join(distinct[:60])


def test_the_table_of_cases() -> None:
    """The table of the runs above (with -rA in the output): cases per target and role, by status class."""
    assert TABLE, "the fuzz runs did not run"
    for (target, role), tally in sorted(TABLE.items()):
        print(f"{target:10s} {role:15s} {tally.row()}  failures {len(tally.failures)}")
    total = sum(t.cases for t in TABLE.values())
    print(f"{'total':26s} {total:6d} cases")
    assert all(t.cases for t in TABLE.values())
    # The reads reach the handlers with real ids, not only the guards: every target answers some of them.
    for target in {name for name, _ in TABLE}:
        assert sum(t.statuses[s] for (name, _), t in TABLE.items() if name == target for s in range(200, 300)), target
