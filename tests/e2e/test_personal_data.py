"""A personal data request across the real services: a new applicant of the province, whose username and
e-mail address carry a unique marker, drafts an application with the marker in its text and in an attachment's
bytes and submits another; the administrator's export finds the marker, the erasure deletes the draft and
its file and pseudonymises the submitted application, and a scan of every database row, every stored object
and every stream message afterwards finds the marker nowhere."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import zipfile

import asyncpg
import httpx
import nats
from minio import Minio
from nats.js.api import AckPolicy, ConsumerConfig

from devstack.config import TENANTS
from devstack.keycloak import AdminClient
from shared.privacy.archive import erase
from tests.grants.api.test_applications_api import PDF, draft
from tests.grants.api.test_calls_api import published_call
from tests.support import bearer, random_enterprise_number

TENANT = "vlaams-brabant"
PASSWORD = "persoonlijk-wachtwoord-1"
DATABASES = ("grants", "partners", "foodsavers")


def new_applicant(stack_config, marker: str) -> tuple[str, str]:
    """A person of the province, made through Keycloak's admin API as the province would."""
    admin = AdminClient(stack_config)
    username = f"p-{marker}"
    email = f"{marker}@voorbeeld.test"
    admin.request("POST", f"/realms/{TENANT}/users", {
        "username": username, "email": email, "emailVerified": True, "enabled": True,
        "firstName": "Mara", "lastName": marker, "requiredActions": [],
        "attributes": {"enterprise_number": [random_enterprise_number()]},
        "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}]})
    _, users = admin.request("GET", f"/realms/{TENANT}/users?exact=true&username={username}")
    _, role = admin.request("GET", f"/realms/{TENANT}/roles/applicant")
    admin.request("POST", f"/realms/{TENANT}/users/{users[0]['id']}/role-mappings/realm", [role])
    return username, email


async def scan_databases(stack_config, marker: str) -> tuple[int, list[str]]:
    """Every row of every table of every service database (as the owner, under each province), as text, and
    each byte column's bytes."""
    rows, hits = 0, []
    for database in DATABASES:
        url = stack_config.database_url(database, "regie_owner").replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(url)
        try:
            tables = [r["tablename"] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            for tenant in TENANTS:
                await conn.execute("SELECT set_config('app.tenant', $1, false)", tenant)
                for table in tables:
                    binary = [r["column_name"] for r in await conn.fetch(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
                        "AND data_type = 'bytea'", table)]
                    in_bytes = "".join(f" OR position(convert_to($1, 'UTF8') IN \"{c}\") > 0" for c in binary)
                    count, found = await conn.fetchrow(
                        f'SELECT count(*), count(*) FILTER (WHERE strpos(lower(t::text), $1) > 0{in_bytes}) '
                        f'FROM "{table}" t', marker)
                    rows += count
                    if found:
                        hits.append(f"{database}.{table} ({tenant}): {found}")
        finally:
            await conn.close()
    return rows, hits


def scan_objects(stack_config, marker: str) -> tuple[int, list[str]]:
    client = Minio(stack_config.s3_endpoint, stack_config.s3_access_key, stack_config.s3_secret_key, secure=False)
    objects, hits = 0, []
    for bucket in client.list_buckets():
        for item in client.list_objects(bucket.name, recursive=True):
            objects += 1
            response = client.get_object(bucket.name, item.object_name)
            try:
                if marker.encode() in response.read().lower() or marker in item.object_name.lower():
                    hits.append(f"{bucket.name}/{item.object_name}")
            finally:
                response.close()
                response.release_conn()
    return objects, hits


async def scan_streams(stack_config, marker: str) -> tuple[int, list[str]]:
    nc = await nats.connect(stack_config.nats_url)
    js = nc.jetstream()
    messages, hits = 0, []
    try:
        for stream in await js.streams_info():
            if stream.state.messages == 0:
                continue
            name = stream.config.name
            subscription = await js.pull_subscribe(
                ">", stream=name, config=ConsumerConfig(ack_policy=AckPolicy.NONE, inactive_threshold=30.0))
            while True:
                try:
                    batch = await subscription.fetch(500, timeout=1.0)
                except TimeoutError:
                    break
                for message in batch:
                    messages += 1
                    if marker.encode() in (message.data or b"").lower():
                        hits.append(f"{name} #{message.metadata.sequence.stream} {message.subject}")
                if batch[-1].metadata.num_pending == 0:
                    break
            await subscription.unsubscribe()
    finally:
        await nc.close()
    return messages, hits


async def test_a_persons_data_is_exported_then_erased_and_pseudonymised_until_no_marker_is_left(
        platform, tokens, stack_config, tmp_path) -> None:
    marker = f"mrk{secrets.token_hex(6)}"
    username, email = new_applicant(stack_config, marker)
    grants, gateway = platform.url("grants"), platform.gateway_url
    person = tokens(TENANT, username, PASSWORD)
    admin, manager = tokens(TENANT, "province-admin"), tokens(TENANT, "call-manager")
    call = published_call(grants, manager, tenant=TENANT)

    drafted = draft(grants, person, call["id"], title=f"Moestuin van {marker}", summary=f"Contact: {email}")
    attached = httpx.post(f"{grants}/{TENANT}/applications/{drafted['id']}/attachments",
                          params={"code": "begroting", "filename": "begroting.pdf"},
                          content=PDF + f"% {marker}\n".encode(),
                          headers=bearer(person, **{"Content-Type": "application/pdf"}))
    assert attached.status_code == 201, attached.text
    kept = draft(grants, person, call["id"], title="Buurtwerkplaats")
    kept_url = f"{grants}/{TENANT}/applications/{kept['id']}"
    assert httpx.post(f"{kept_url}/attachments", params={"code": "begroting", "filename": "begroting.pdf"},
                      content=PDF, headers=bearer(person, **{"Content-Type": "application/pdf"})).status_code == 201
    etag = httpx.get(kept_url, headers=bearer(person)).headers["etag"]
    submitted = httpx.post(f"{kept_url}/submit", headers=bearer(person, **{"If-Match": etag}))
    assert submitted.status_code == 200, submitted.text

    query = {"username": username, "email": email}
    assert httpx.get(f"{gateway}/{TENANT}/api/grants/personal-data", params=query,
                     headers=bearer(manager)).status_code == 403  # the administrator's only
    assert httpx.get(f"{gateway}/{TENANT}/api/grants/personal-data", params={},
                     headers=bearer(admin)).json()["type"] == "urn:regie:problem:validation"
    # The data-protection officer's command: one archive through the gateway, with the administrator's token.
    archive_path = tmp_path / "persoon.zip"
    command = subprocess.run(
        [sys.executable, "-m", "shared.privacy", "export", "--tenant", TENANT, "--username", username,
         "--email", email, "--out", str(archive_path), "--gateway", gateway],
        env={**os.environ, "REGIE_ACCESS_TOKEN": admin}, capture_output=True, text=True, timeout=120)
    assert command.returncode == 0, command.stderr
    with zipfile.ZipFile(archive_path) as archive:
        names = set(archive.namelist())
        exports = {service: json.loads(archive.read(f"{service}.json")) for service in DATABASES}
        files = {name: archive.read(name) for name in names if "/files/" in name}
    assert {row["id"] for row in exports["grants"]["records"]["applications"]} == {drafted["id"], kept["id"]}
    assert marker in str(exports["grants"]["records"]) and len(exports["grants"]["files"]) == 2  # both budgets
    assert all(export["username"] == username for export in exports.values())
    assert sum(marker.encode() in content for content in files.values()) == 1  # the draft's budget, downloaded

    erased = await erase(gateway, TENANT, admin, query)
    print("erased:", erased)
    assert erased["grants"]["deleted"]["draft_applications"] == 1
    alias = erased["grants"]["pseudonym"]

    after = httpx.get(f"{grants}/{TENANT}/applications/{kept['id']}", headers=bearer(manager)).json()
    assert after["status"] == "submitted" and after["title"] == "Buurtwerkplaats"
    assert httpx.get(f"{grants}/{TENANT}/applications/{drafted['id']}",
                     headers=bearer(manager)).status_code == 404
    trail = httpx.get(f"{grants}/{TENANT}/applications/{kept['id']}/audit", headers=bearer(manager)).json()
    assert alias in {entry["actor"] for entry in trail} and username not in str(trail)

    rows, in_rows = await scan_databases(stack_config, marker)
    objects, in_objects = scan_objects(stack_config, marker)
    messages, in_messages = await scan_streams(stack_config, marker)
    print(f"scanned {rows} rows, {objects} objects, {messages} stream messages")
    assert (in_rows, in_objects, in_messages) == ([], [], [])
    assert rows and objects and messages
