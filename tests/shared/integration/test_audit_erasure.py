"""The audit log under a personal data erasure, on the real databases of grants and partners as the request role
(regie_app) sees them: it cannot update an entry, not even inside a transaction that declares itself an
erasure; the one function it may call replaces the person by a pseudonym in its province's entries (actor,
before and after states, reasons: the username as a whole value, the address anywhere) and changes nothing
else, and refuses what is no pseudonym or a needle so short that it would rewrite every entry."""

from __future__ import annotations

import secrets
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from shared.audit import AuditEntry, record
from shared.db import Database
from shared.privacy.migration import ERASURE_SETTING
from shared.privacy.records import pseudonymise_audit_log

TENANT, OTHER = "west-vlaanderen", "antwerpen"
ALIAS = "persoon-0a1b2c3d"


@pytest.fixture(params=["grants", "partners"])
def database(request, grants_db: Database, partners_db: Database) -> Database:
    return grants_db if request.param == "grants" else partners_db


async def entries(db: Database, tenant: str, entity_id: str) -> list[AuditEntry]:
    """The entries of the thing: "thing.changed", then "thing.seen"."""
    async with db.transaction(tenant) as session:
        return list((await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == entity_id)
                                           .order_by(AuditEntry.action))).all())


async def test_the_request_role_replaces_a_person_in_the_audit_log_only_through_the_function(
        database: Database) -> None:
    marker = secrets.token_hex(5)
    username, email, entity_id = f"p-{marker}", f"{marker}@voorbeeld.test", str(uuid.uuid4())
    for tenant in (TENANT, OTHER):
        async with database.transaction(tenant) as session:
            record(session, tenant, username, "thing.changed", "thing", entity_id,
                   before={"by": username, "note": f"{username}s werk"}, after={"mail": f"Mail: {email}"},
                   reasons=f"gevraagd door {email}")
            record(session, tenant, "call-manager", "thing.seen", "thing", entity_id, after={"who": "iemand"},
                   reasons=username)

    async with database.transaction(TENANT) as session:
        await session.execute(text("SELECT set_config(:name, 'on', true)"), {"name": ERASURE_SETTING})
        with pytest.raises(DBAPIError, match="permission denied"):
            await session.execute(text("UPDATE audit_log SET actor = 'iemand anders' WHERE entity_id = :id"),
                                  {"id": entity_id})
    for whole, anywhere, alias, refused in (([username], [], "hacker", "not a pseudonym"),
                                            (["ab"], [], ALIAS, "fewer than three"),
                                            ([], [email, "."], ALIAS, "fewer than three")):
        async with database.transaction(TENANT) as session:
            with pytest.raises(DBAPIError, match=refused):
                await session.execute(text("SELECT pseudonymise_audit_log(CAST(:w AS text[]), "
                                           "CAST(:a AS text[]), :alias)"), {"w": whole, "a": anywhere,
                                                                            "alias": alias})

    async with database.transaction(TENANT) as session:
        changed = await pseudonymise_audit_log(session, username, [email], ALIAS)
        assert changed >= 2  # this run's two entries (and none of the other province's)
    changed_entry, seen_entry = await entries(database, TENANT, entity_id)
    assert (changed_entry.actor, changed_entry.before, changed_entry.after, changed_entry.reasons) == (
        ALIAS, {"by": ALIAS, "note": f"{username}s werk"}, {"mail": f"Mail: {ALIAS}"}, f"gevraagd door {ALIAS}")
    assert (seen_entry.actor, seen_entry.action, seen_entry.after, seen_entry.reasons) == (
        "call-manager", "thing.seen", {"who": "iemand"}, ALIAS)
    untouched = await entries(database, OTHER, entity_id)
    assert [e.actor for e in untouched] == [username, "call-manager"] and email in untouched[0].reasons

    async with database.transaction(TENANT) as session:  # the declaration ended with the function's statement
        assert await session.scalar(text("SELECT current_setting(:name, true)"), {"name": ERASURE_SETTING}) != "on"
