"""A personal data request across the real services: a new applicant of the province, whose username and
e-mail address carry a unique marker, drafts an application with the marker in its text and in an attachment's
bytes and submits another; the administrator's export finds the marker, the erasure deletes the draft and
its file and pseudonymises the submitted application, and a scan of every database row, every stored object
and every stream message afterwards finds the marker nowhere."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
import zipfile
from typing import Any, ClassVar

import asyncpg
import httpx
import nats
from minio import Minio
from nats.js.api import AckPolicy, ConsumerConfig

from devstack.config import TENANTS
from devstack.keycloak import AdminClient
from shared.events.envelope import EventData, encode, make_envelope
from shared.privacy.archive import erase
from tests.foodsavers.logbook_world import a_round
from tests.foodsavers.world import register
from tests.grants.api.test_applications_api import PDF, draft
from tests.grants.api.test_calls_api import published_call
from tests.support import bearer, random_enterprise_number, stream_events

TENANT = "vlaams-brabant"
OTHER = "limburg"
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


class BrokenOrganisationRegistered(EventData, frozen=True, kw_only=True):
    """A producer's bug: the type grants reads, without the fields it needs, but with a person's address in it."""

    event_type: ClassVar[str] = "be.regie.partners.organisation.registered.v1"
    organisation_id: str
    email: str


async def dead_letter_of(gateway: str, admin: str, tenant: str, event_id: str) -> dict[str, Any]:
    """grants' dead letter of the event, once its consumer gave up on it (at once: it cannot be applied)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = httpx.get(f"{gateway}/{tenant}/api/grants/dead-letters", headers=bearer(admin), timeout=30)
        assert listed.status_code == 200, listed.text
        if found := [d for d in listed.json() if d["event_id"] == event_id]:
            return found[0]
        await asyncio.sleep(0.3)
    raise AssertionError(f"no dead letter of {event_id} in {tenant}")


async def test_a_driver_a_contact_person_and_their_dead_letters_keep_nothing_of_the_person(
        platform, tokens, stack_config) -> None:
    """The person is a driver in foodsavers (with a round of theirs, which the export shows), the contact of a donor
    there and of an organisation in partners, and named in an event grants could not apply (a dead letter). After
    the erasure the driver stays with their rounds under the pseudonym (no name, no phone, no longer driving), the
    donor and the organisation keep their entries without the person's contact details (the organisation's change
    announced), the dead letter and the event are gone from the streams, and another province's dead letter naming
    the same address stays."""
    marker = f"mrk{secrets.token_hex(6)}"
    username, email = f"p-{marker}", f"{marker}@voorbeeld.test"
    gateway = platform.gateway_url
    admin, coordinator = tokens(TENANT, "province-admin"), tokens(TENANT, "coordinator")
    with httpx.Client(base_url=gateway, timeout=30) as client:
        driver = register(client, TENANT, coordinator, "drivers", username=username, name=f"Mara {marker}",
                          phone="0470 12 34 56")
        donor = register(client, TENANT, coordinator, "donors", contact_name=f"Mara {marker}",
                         contact_phone="0470 12 34 56", contact_email=email)
        organisation = client.post(f"/{TENANT}/api/partners/organisations", headers=bearer(coordinator), json={
            "enterprise_number": random_enterprise_number(), "name": f"Atelier {secrets.token_hex(3)}",
            "kind": "cooperative", "municipality": "Leuven",
            "contact": {"email": email, "phone": "0470 12 34 56", "street": "Markt 1", "postcode": "3000"}})
        assert organisation.status_code == 201, organisation.text
        theirs, someone_elses = a_round(client, TENANT, tokens, driver=username), a_round(client, TENANT, tokens)
        # The export shows what the driver did, which names them only by an id: their round, nobody else's.
        exported = client.get(f"/{TENANT}/api/foodsavers/personal-data", params={"username": username},
                              headers=bearer(admin))
    assert exported.status_code == 200, exported.text
    assert [row["id"] for row in exported.json()["records"]["drivers"]] == [driver["id"]]
    rounds = [row["id"] for row in exported.json()["linked"]["rounds"]]
    assert rounds == [theirs.id] and someone_elses.id not in rounds
    organisation_id = organisation.json()["id"]

    # Another province's person with an address of their own: their event and dead letter are not this erasure's.
    elsewhere = f"mrk{secrets.token_hex(6)}@voorbeeld.test"
    nc = await nats.connect(stack_config.nats_url)  # as a producer with a bug would publish (the stack's admin)
    js = nc.jetstream()
    envelopes = {tenant: make_envelope(BrokenOrganisationRegistered(organisation_id=str(uuid.uuid4()), email=address),
                                       tenant=tenant, subject="organisation/broken")
                 for tenant, address in ((TENANT, email), (OTHER, elsewhere))}
    for envelope in envelopes.values():
        await js.publish(envelope.nats_subject, encode(envelope), headers={"Nats-Msg-Id": envelope.id})
    letters = {tenant: await dead_letter_of(gateway, tokens(tenant, "province-admin"), tenant, envelope.id)
               for tenant, envelope in envelopes.items()}

    erased = await erase(gateway, TENANT, admin, {"username": username, "email": email})
    print("erased:", erased)
    alias = erased["foodsavers"]["pseudonym"]
    assert erased["foodsavers"]["deleted"] == {"drivers_made_anonymous": 1, "donors_contact_removed": 1}
    assert erased["partners"]["deleted"] == {"organisation_contacts_removed": 1}
    assert erased["grants"]["stream_messages_deleted"] == {"GRANTS": 0, "DEADLETTER": 1}
    assert erased["partners"]["stream_messages_deleted"]["PARTNERS"] == 1

    with httpx.Client(base_url=gateway, timeout=30) as client:
        kept_driver = client.get(f"/{TENANT}/api/foodsavers/drivers/{driver['id']}", headers=bearer(coordinator))
        kept_donor = client.get(f"/{TENANT}/api/foodsavers/donors/{donor['id']}", headers=bearer(coordinator))
        kept_organisation = client.get(f"/{TENANT}/api/partners/organisations/{organisation_id}",
                                       headers=bearer(coordinator))
    assert kept_driver.status_code == 200, kept_driver.text
    assert (kept_driver.json()["name"], kept_driver.json()["username"], kept_driver.json()["phone"],
            kept_driver.json()["active"]) == (alias, alias, "", False)
    assert kept_donor.json()["name"] == donor["name"]
    assert [kept_donor.json()[f] for f in ("contact_name", "contact_phone", "contact_email")] == ["", "", ""]
    contact = kept_organisation.json()["contact"]
    assert (contact["email"], contact["phone"], contact["street"]) == ("", "", "Markt 1")
    assert kept_organisation.json()["version"] == organisation.json()["version"] + 1
    updated = await stream_events(stack_config.nats_url, f"partners.{TENANT}.organisation.updated",
                                  "organisation_id", organisation_id)  # grants' copy of the entry follows
    assert updated[-1]["changed"] == ["contact"]

    listed = httpx.get(f"{gateway}/{TENANT}/api/grants/dead-letters", headers=bearer(admin), timeout=30).json()
    assert envelopes[TENANT].id not in {d["event_id"] for d in listed}
    kept = await js.get_msg("DEADLETTER", letters[OTHER]["sequence"])
    assert elsewhere.encode() in kept.data
    assert elsewhere.encode() in (await js.get_last_msg("PARTNERS", envelopes[OTHER].nats_subject)).data
    await nc.close()

    rows, in_rows = await scan_databases(stack_config, marker)
    messages, in_messages = await scan_streams(stack_config, marker)
    print(f"scanned {rows} rows, {messages} stream messages")
    assert (in_rows, in_messages) == ([], [])
