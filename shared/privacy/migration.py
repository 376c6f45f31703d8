"""What a service's migration grants so that its request role can fulfil an erasure: read and delete its
own province's published events in the outbox (Row-Level Security still binds it), and pseudonymise the audit
log, which stays append-only for everything else: the trigger lets an UPDATE through only inside a transaction
that declared itself an erasure (`regie.erasure`, set by shared.privacy.service)."""

from __future__ import annotations

from shared.isolation import app_role

ERASURE_SETTING = "regie.erasure"


def erasure_ddl(audit_trigger: bool = True) -> list[str]:
    statements = [f"GRANT SELECT, DELETE ON outbox TO {app_role()}"]
    if audit_trigger:
        statements += [
            f"""CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND current_setting('{ERASURE_SETTING}', true) = 'on' THEN
                        RETURN NULL;
                    END IF;
                    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
                END $$""",
            f"GRANT UPDATE (actor, before, after, reasons) ON audit_log TO {app_role()}",
        ]
    return statements


def erasure_ddl_undone(audit_trigger: bool = True) -> list[str]:
    statements = [f"REVOKE SELECT, DELETE ON outbox FROM {app_role()}"]
    if audit_trigger:
        statements += [
            f"REVOKE UPDATE (actor, before, after, reasons) ON audit_log FROM {app_role()}",
            """CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
                END $$""",
        ]
    return statements
